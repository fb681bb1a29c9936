"""Money is written one way everywhere: ``8.000 đồng``."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from opendvc.core.money import format_vnd, normalise_vnd_text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (8000, "8.000 đồng"),
        (0, "0 đồng"),
        (500, "500 đồng"),
        (1250000, "1.250.000 đồng"),
        ("34000", "34.000 đồng"),
        (-2000, "-2.000 đồng"),
        (None, ""),
        ("abc", ""),
        (True, ""),
    ],
)
def test_format_vnd(amount, text):
    assert format_vnd(amount) == text


def test_free_label_only_when_asked():
    assert format_vnd(0, free_label=True) == "Miễn phí"
    assert format_vnd(8000, free_label=True) == "8.000 đồng"


@given(st.integers(min_value=0, max_value=10**12))
def test_format_reads_back(amount):
    text = format_vnd(amount)
    assert text.endswith(" đồng") and int(text[: -len(" đồng")].replace(".", "")) == amount
    assert "," not in text and "VN" not in text
    assert normalise_vnd_text(f"{amount:,} VNĐ") == text


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("8,000 VNĐ", "8.000 đồng"),
        (
            "Lệ phí: 50,000 VNĐ(- Mức lệ phí cụ thể do HĐND tỉnh quyết định)",
            "Lệ phí: 50.000 đồng(- Mức lệ phí cụ thể do HĐND tỉnh quyết định)",
        ),
        ("100 VNĐ(Phí công bố: 100.000 đồng/lần)", "100 đồng(Phí công bố: 100.000 đồng/lần)"),
        ("8000đ/bản", "8.000 đồng/bản"),
        ("2.000 VND mỗi trang, tối đa 200.000 vnđ", "2.000 đồng mỗi trang, tối đa 200.000 đồng"),
        ("Miễn phí", "Miễn phí"),
        ("Thông tư số 47/2019/TT-BTC", "Thông tư số 47/2019/TT-BTC"),
        ("3 ngày làm việc", "3 ngày làm việc"),
    ],
)
def test_amounts_in_verbatim_text(raw, text):
    assert normalise_vnd_text(raw) == text


def test_template_filters():
    out = Template("{% load money %}{{ a|vnd }}|{{ b|vnd_or_free }}|{{ t|vnd_text }}").render(
        Context({"a": 8000, "b": 0, "t": "8,000 VNĐ"})
    )
    assert out == "8.000 đồng|Miễn phí|8.000 đồng"


@pytest.mark.django_db
def test_catalog_page_writes_fees_one_way(client):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo

    agencies_demo.seed()
    catalog_demo.seed()
    html = client.get("/thu-tuc/2.000635/").content.decode()
    assert "VNĐ" not in html and "8,000" not in html
    assert "8.000 đồng" in html
