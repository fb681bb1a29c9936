"""Amounts on English pages: ``22,000 VND`` (the English catalogue turned "22.000 đồng" into
"22.000 dong", a dot that reads as a decimal point in English)."""

from __future__ import annotations

from django.utils import translation

from opendvc.core.money import format_vnd


def test_amounts_are_written_for_the_pages_language():
    assert format_vnd(22000) == "22.000 đồng"
    assert format_vnd(-1500000) == "-1.500.000 đồng"
    with translation.override("en"):
        assert format_vnd(22000) == "22,000 VND"
        assert format_vnd(0, free_label=True) != "Miễn phí"
    with translation.override("vi"):
        assert format_vnd(0, free_label=True) == "Miễn phí"
