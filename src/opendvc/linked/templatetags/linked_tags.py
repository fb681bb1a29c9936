"""A link from a dossier's page to its linked progress (every agency, every result)."""

from __future__ import annotations

from django import template

from ..models import Part

register = template.Library()


@register.inclusion_tag("linked/_link.html")
def linked_link(dossier, staff=False):
    parts = (
        list(Part.objects.filter(dossier=dossier).select_related("member", "agency"))
        if dossier
        else []
    )
    return {"dossier": dossier, "parts": parts, "staff": staff}
