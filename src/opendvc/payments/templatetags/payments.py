"""``{% load payments %}{% payment_panel dossier offer %}``: the fees and the gateways on the
applicant's dossier page, the receipts once paid, the fees paid at the one-stop counter; ``attempt|refund_refused:dossier`` on the officer's
payments page."""

from django import template

from opendvc.core.prepared import PreparedRead

register = template.Library()


@register.inclusion_tag("payments/_panel.html", takes_context=True)
def payment_panel(context, dossier, offer=None):
    from opendvc.dossiers.lifecycle import State
    from opendvc.dossiers.payments import payment_pending

    from ..models import PaymentAttempt, Receipt
    from ..selectors import counter_payments, gateways_offered

    waiting = payment_pending(dossier=dossier) if dossier.status == State.PAYMENT_REQUIRED else None
    attempts = list(
        PaymentAttempt.objects.filter(order__dossier=dossier).order_by("-created_at")[:5]
    )
    return {
        "dossier": dossier,
        "waiting": waiting,
        # Without the level's offer the page offers no gateway (as before): the API reads it itself.
        "gateways": gateways_offered(dossier=dossier, due=waiting, offer=offer)
        if offer is not None
        else [],
        "attempts": attempts,
        "receipts": list(Receipt.objects.filter(order__dossier=dossier)),
        # As the API's ``counter_payments``: the fees an officer recorded as paid at the counter.
        "counter": counter_payments(dossier=dossier),
        "csrf_token": context.get("csrf_token"),
    }


def _fees_requested(dossier_id):
    from opendvc.dossiers.models import Payment as FeeRequest

    return FeeRequest.objects.filter(dossier=dossier_id).values("pk")[:1]


def _orders_started(dossier_id):
    from ..models import PaymentOrder

    return PaymentOrder.objects.filter(dossier=dossier_id).values("pk")[:1]


# Whether a dossier has fees requested or a payment started: read on every officer's dossier page,
# with statements built once per process (``core.prepared``).
_FEES_REQUESTED = PreparedRead(_fees_requested, 1)
_ORDERS_STARTED = PreparedRead(_orders_started, 1)


@register.inclusion_tag("payments/_office_link.html")
def payment_office_link(dossier):
    """The link from the officers' dossier page (receiving and processing) to the dossier's payment page,
    shown once fees were requested or an online payment was started."""
    has = bool(_FEES_REQUESTED.list(dossier.pk) or _ORDERS_STARTED.list(dossier.pk))
    return {"dossier": dossier, "has_orders": has}


@register.simple_tag
def online_payment_open(offer) -> bool:
    """Whether the applicant can pay online now: the procedure's level offers it and a payment gateway
    is configured (else the page points to the counter and the post only)."""
    from ..registry import online_gateways

    return bool(getattr(offer, "online_payment", False) and online_gateways())


@register.filter
def refund_refused(attempt, dossier):
    """Why the officer may not ask to give back ``attempt``'s money (``services.refund_allowed``), or
    None when the page offers the request."""
    from ..services import refund_allowed

    return refund_allowed(attempt, dossier=dossier)


@register.filter
def refund_open(attempt) -> bool:
    """Whether a refund of ``attempt`` is asked or under way (not rejected, not refused by the
    gateway): a second one is refused (``services.refund_request``), so the page does not offer it."""
    from ..models import Refund

    return any(
        r.state not in (Refund.State.REJECTED, Refund.State.FAILED) for r in attempt.refunds.all()
    )
