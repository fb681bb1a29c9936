"""Template filters for money: ``{% load money %}{{ amount|vnd }}``, ``{{ text|vnd_text }}``."""

from __future__ import annotations

from django import template

from opendvc.core.money import format_vnd, normalise_vnd_text

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """``8000`` → ``8.000 đồng``."""
    return format_vnd(amount)


@register.filter
def vnd_or_free(amount) -> str:
    """Like ``vnd``, with ``0`` written ``Miễn phí`` (a fee item that costs nothing)."""
    return format_vnd(amount, free_label=True)


@register.filter
def vnd_text(text) -> str:
    """Amounts inside a verbatim text rewritten in the one format (``8,000 VNĐ`` → ``8.000 đồng``)."""
    return normalise_vnd_text(str(text or ""))
