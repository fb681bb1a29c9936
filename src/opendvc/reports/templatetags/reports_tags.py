from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    return (mapping or {}).get(key) if hasattr(mapping, "get") else None


@register.filter
def num(value: Any) -> str:
    """Counts with a dot between thousands (Vietnamese), decimals with a comma; "—" when missing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",").replace("\u202f", ".")
    return f"{int(value):,}".replace(",", ".")


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}".replace(".", ",") + "%"
