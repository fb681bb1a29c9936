"""``{% load dossier_status %}<span class="badge{{ d.status|status_badge }}">``: the badge colour of a
dossier's state (the inbox builds the same from ``selectors.STATUS_BADGES`` once per page)."""

from __future__ import annotations

from django import template

from opendvc.dossiers.selectors import STATUS_BADGES

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")
