"""``{% load payments %}{% payment_panel dossier offer %}``: the fees and the gateways on the
applicant's dossier page, the receipts once paid."""

from django import template

register = template.Library()


@register.inclusion_tag("payments/_panel.html", takes_context=True)
def payment_panel(context, dossier, offer=None):
    from opendvc.dossiers.lifecycle import State
    from opendvc.dossiers.payments import payment_pending

    from ..models import PaymentAttempt, Receipt
    from ..registry import online_gateways

    waiting = payment_pending(dossier=dossier) if dossier.status == State.PAYMENT_REQUIRED else None
    attempts = list(
        PaymentAttempt.objects.filter(order__dossier=dossier).order_by("-created_at")[:5]
    )
    return {
        "dossier": dossier,
        "waiting": waiting,
        "gateways": online_gateways()
        if waiting is not None and getattr(offer, "online_payment", False)
        else [],
        "attempts": attempts,
        "receipts": list(Receipt.objects.filter(order__dossier=dossier)),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("payments/_office_link.html")
def payment_office_link(dossier):
    """The link from the officers' dossier page (receiving and processing) to the dossier's payment page,
    shown once fees were requested or an online payment was started."""
    from opendvc.dossiers.models import Payment as FeeRequest

    from ..models import PaymentOrder

    has = (
        FeeRequest.objects.filter(dossier=dossier).exists()
        or PaymentOrder.objects.filter(dossier=dossier).exists()
    )
    return {"dossier": dossier, "has_orders": has}
