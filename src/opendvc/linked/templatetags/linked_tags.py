"""A link from a dossier's page to its linked progress (every agency, every result); on the office's
page, a link to each part the officer may open (the other agencies' parts are named without one)."""

from __future__ import annotations

from django import template

from opendvc.backoffice.tools import staff_url
from opendvc.core.prepared import PreparedRead

from ..models import Part
from ..selectors import part_opens_for

register = template.Library()

# On every dossier page: the statement built once per process (``core.prepared``).
_PARTS = PreparedRead(
    lambda dossier_id: Part.objects.filter(dossier=dossier_id).select_related("member", "agency"), 1
)


@register.inclusion_tag("linked/_link.html", takes_context=True)
def linked_link(context, dossier, staff=False):
    parts = _PARTS.list(dossier.pk) if dossier else []
    user = getattr(context.get("request"), "user", None)
    rows = [
        (
            p,
            staff_url(user, "linked:part", p.pk)
            if staff and user is not None and part_opens_for(user, p)
            else None,
        )
        for p in parts
    ]
    return {"dossier": dossier, "parts": rows, "staff": staff}
