"""``{% load dossier_history %}{% with t=event|event_text %}…``: an event of the dossier history in words."""

from __future__ import annotations

from django import template

from opendvc.dossiers.history import EventText, event_describe

register = template.Library()


@register.filter
def event_text(event) -> EventText:
    return event_describe(event=event)
