"""Small filters for text shown on pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def lead_in(text) -> str:
    """Text that a colon follows on the page, without its own closing punctuation: the catalog's
    component names end with a full stop ("… không phải chứng thực."), which read ".:" before a file."""
    return str(text if text is not None else "").rstrip().rstrip(".;:,").rstrip()
