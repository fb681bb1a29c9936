"""The postal orders of a dossier on its pages: the applicant's (pickup and return, with a link to their
postal orders where a pickup not yet collected can be cancelled) and the office's (a link to the order
for the postal operator, to the office's postal page for the one-stop office; for the other roles, who
open neither, the order without a link)."""

from __future__ import annotations

from django import template

from opendvc.backoffice.tools import staff_url
from opendvc.core.prepared import PreparedRead

from ..models import PostalOrder
from ..services import is_operator_for

register = template.Library()

# On every dossier page: the statement built once per process (``core.prepared``).
_ORDERS = PreparedRead(
    lambda dossier_id: (
        PostalOrder.objects.filter(dossier=dossier_id)
        .exclude(dossier__isnull=True)
        .order_by("created_at")
    ),
    1,
)


@register.inclusion_tag("postal/_dossier_links.html", takes_context=True)
def postal_dossier_links(context, dossier, staff: bool = False):
    orders = _ORDERS.list(dossier.pk)
    user = getattr(context.get("request"), "user", None)
    operator = bool(
        staff and user is not None and is_operator_for(user, dossier.receiving_agency_id)
    )
    # The office's postal page when the user's roles open it (receiving officers), as its gate decides.
    office_url = (
        staff_url(user, "postal:office") if staff and user is not None and not operator else None
    )
    return {
        "orders": orders,
        "staff": staff,
        "operator": operator,
        "office_url": office_url,
        "dossier": dossier,
    }
