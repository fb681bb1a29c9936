"""A link from a dossier's page to its linked progress (every agency, every result)."""

from __future__ import annotations

from django import template

from opendvc.core.prepared import PreparedRead

from ..models import Part

register = template.Library()

# On every dossier page: the statement built once per process (``core.prepared``).
_PARTS = PreparedRead(
    lambda dossier_id: Part.objects.filter(dossier=dossier_id).select_related("member", "agency"), 1
)


@register.inclusion_tag("linked/_link.html")
def linked_link(dossier, staff=False):
    parts = _PARTS.list(dossier.pk) if dossier else []
    return {"dossier": dossier, "parts": parts, "staff": staff}
