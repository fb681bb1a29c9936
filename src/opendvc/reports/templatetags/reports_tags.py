from __future__ import annotations

from typing import Any

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import conditional_escape

from opendvc.core.templatetags.language import vi_span

from ..indicators import shown_text

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    return (mapping or {}).get(key) if hasattr(mapping, "get") else None


def _number(value: Any, decimals: int) -> str:
    """``value`` in the active language's number format (Django's localisation: 1.234,5 in
    Vietnamese, 1,234.5 in English), thousands always grouped."""
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


@register.filter
def num(value: Any) -> str:
    """Counts with their thousands grouped, other numbers with one decimal, in the active language's
    format; "—" when missing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return _number(value, 1)
    return _number(int(value), 0)


@register.filter
def pct(value: Any) -> str:
    """A percentage with one decimal in the active language's format (40,0% / 40.0%)."""
    if value is None or value == "":
        return "—"
    return _number(float(value), 1) + "%"


@register.filter
def indicator_text(value: Any) -> str:
    """A text of the indicator set (name, formula, note, title): a text of the shipped default set in
    the page's language; one an administrator typed as typed, marked ``lang="vi"`` on a page in
    another language."""
    text, translated = shown_text(value)
    return conditional_escape(text) if translated else vi_span(text)
