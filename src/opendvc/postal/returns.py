"""The postal return method (``dossiers.returns``, Regulation Art. 6.4): the postal worker records the
delivery, or the system applies the postal operator's "delivered" tracking update (``services``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.dossiers import returns


class PostalReturn(returns.PostalReturn):
    """Delivered by the postal service: to whom, and the postal order that carried it."""

    def clean(self, *, dossier, inputs, role):
        from .models import Leg, PostalOrder, Status

        record = super().clean(dossier=dossier, inputs=inputs, role=role)
        order = (
            PostalOrder.objects.filter(dossier=dossier, leg=Leg.RETURN, status=Status.DELIVERED)
            .order_by("-finished_at")
            .first()
        )
        if order is not None:
            record.update(
                {
                    "order_number": order.order_number,
                    "delivered_at": order.finished_at.isoformat(),
                    "postal_on_time_class": order.on_time_class,
                }
            )
        return record

    def handed_over(self, *, dossier) -> str:
        """The postal order carrying the result (handed over to the post and not back at the office)."""
        from .models import Status
        from .services import open_return

        order = open_return(dossier)
        if order is None or order.status == Status.RETURNED_TO_OFFICE:
            return ""
        return _("đơn %(n)s") % {"n": order.order_number}


returns.register(
    PostalReturn(
        "postal", gettext_lazy("Qua dịch vụ bưu chính"), frozenset({"postal_operator", "system"})
    )
)
