"""Read-only views of payments: a dossier's orders, and the figures per agency and period for the
reports (paid online, at the counter, refunded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum

from .models import PaymentAttempt, PaymentOrder, Receipt, Refund

# The applicant's online payments of one dossier the API lists (newest first): each visit to a gateway
# is one, and a dossier has a handful.
APPLICANT_ATTEMPTS_MAX = 100


@dataclass(frozen=True)
class ApplicantPayments:
    """What the applicant sees of a dossier's payments (the page's panel, the API): the fees it waits
    for, the gateways offered to pay them now, the online payments made and their receipts, and the
    fees paid at the one-stop counter."""

    # The fee request the dossier waits for (``dossiers.payments.payment_pending``), or None.
    due: Any
    # The gateways the applicant may choose now: none when nothing is due, when the procedure's level
    # offers no online payment or when no gateway is configured.
    gateways: list
    # Newest first.
    attempts: list[PaymentAttempt]
    # By attempt id: the electronic receipt of the attempt that paid its order, once numbered.
    receipts: dict[int, Receipt]
    # The fee requests paid at the one-stop counter (``counter_payments``), newest first.
    counter: list


def counter_payments(*, dossier) -> list:
    """The fees of ``dossier`` paid at the one-stop counter, newest first: the fee requests
    (``dossiers.Payment``) an officer recorded as paid there, with the amount, when and the number of
    the receipt the office gave (a paper receipt: the portal issues no electronic one for them)."""
    from opendvc.dossiers.models import Payment as FeeRequest

    from .counter import Counter

    return list(
        FeeRequest.objects.filter(
            dossier=dossier, state=FeeRequest.State.PAID, method=Counter.key
        ).order_by("-paid_at", "-pk")
    )


def gateways_offered(*, dossier, due, offer=None) -> list:
    """The gateways offered to pay ``due`` (the fee request ``dossier`` waits for, or None) now:
    the procedure's level must offer online payment (``offer``: ``catalog.selectors.procedure_offer``,
    read when not given) and a gateway must be configured (``registry.online_gateways``)."""
    from opendvc.catalog.selectors import procedure_offer

    from .registry import online_gateways

    if due is None:
        return []
    offer = offer if offer is not None else procedure_offer(procedure=dossier.procedure)
    return online_gateways() if getattr(offer, "online_payment", False) else []


def applicant_payments(*, dossier) -> ApplicantPayments:
    from opendvc.dossiers.lifecycle import State
    from opendvc.dossiers.payments import payment_pending

    due = payment_pending(dossier=dossier) if dossier.status == State.PAYMENT_REQUIRED else None
    attempts = list(
        PaymentAttempt.objects.filter(order__dossier=dossier).order_by("-created_at", "-pk")[
            :APPLICANT_ATTEMPTS_MAX
        ]
    )
    # As the payment's page: the receipt belongs to the attempt that paid the order.
    receipts = {
        r.order.paid_attempt_id: r
        for r in Receipt.objects.filter(order__dossier=dossier).select_related("order")
    }
    return ApplicantPayments(
        due=due,
        gateways=gateways_offered(dossier=dossier, due=due),
        attempts=attempts,
        receipts={a.pk: receipts[a.pk] for a in attempts if a.pk in receipts},
        counter=counter_payments(dossier=dossier),
    )


def dossier_orders(*, dossier) -> list[PaymentOrder]:
    return list(
        PaymentOrder.objects.filter(dossier=dossier)
        .select_related("fee_request", "receipt")
        .prefetch_related("attempts__refunds", "attempts__messages")
    )


def dossier_fee_requests(*, dossier) -> list:
    """The fees requested for ``dossier`` (newest first), with their state and receipt number (paid
    online: the electronic receipt's, ``order.receipt``)."""
    from opendvc.dossiers.models import Payment as FeeRequest

    return list(
        FeeRequest.objects.filter(dossier=dossier)
        .select_related("order__receipt")
        .order_by("-created_at", "-pk")
    )


def payment_figures(*, start: datetime, end: datetime, agency_ids=None) -> list[dict[str, Any]]:
    """Per receiving agency, for payments made in ``[start, end)``: count and amount paid online (by
    gateway), at the counter, and refunded. ``agency_ids`` limits the agencies (None: all)."""
    from opendvc.dossiers.models import Payment as FeeRequest

    rows: dict[int, dict[str, Any]] = {}

    def row(agency_id: int) -> dict[str, Any]:
        return rows.setdefault(
            agency_id,
            {
                "agency_id": agency_id,
                "online_count": 0,
                "online_vnd": 0,
                "counter_count": 0,
                "counter_vnd": 0,
                "refunded_count": 0,
                "refunded_vnd": 0,
                "by_gateway": {},
            },
        )

    online = PaymentAttempt.objects.filter(
        paid_at__gte=start,
        paid_at__lt=end,
        state__in=(
            PaymentAttempt.State.PAID,
            PaymentAttempt.State.REFUND_PENDING,
            PaymentAttempt.State.REFUNDED,
        ),
    )
    counter = FeeRequest.objects.filter(
        paid_at__gte=start, paid_at__lt=end, state=FeeRequest.State.PAID, method="counter"
    )
    refunds = Refund.objects.filter(
        refunded_at__gte=start, refunded_at__lt=end, state=Refund.State.REFUNDED
    )
    if agency_ids is not None:
        online = online.filter(order__dossier__receiving_agency_id__in=agency_ids)
        counter = counter.filter(dossier__receiving_agency_id__in=agency_ids)
        refunds = refunds.filter(attempt__order__dossier__receiving_agency_id__in=agency_ids)
    for r in online.values("order__dossier__receiving_agency_id", "gateway").annotate(
        n=Count("pk"), vnd=Sum("amount_vnd")
    ):
        out = row(r["order__dossier__receiving_agency_id"])
        out["online_count"] += r["n"]
        out["online_vnd"] += r["vnd"] or 0
        out["by_gateway"][r["gateway"]] = {"count": r["n"], "vnd": r["vnd"] or 0}
    for r in counter.values("dossier__receiving_agency_id").annotate(
        n=Count("pk"), vnd=Sum("total_vnd")
    ):
        out = row(r["dossier__receiving_agency_id"])
        out["counter_count"], out["counter_vnd"] = r["n"], r["vnd"] or 0
    for r in refunds.values("attempt__order__dossier__receiving_agency_id").annotate(
        n=Count("pk"), vnd=Sum("amount_vnd")
    ):
        out = row(r["attempt__order__dossier__receiving_agency_id"])
        out["refunded_count"], out["refunded_vnd"] = r["n"], r["vnd"] or 0
    return sorted(rows.values(), key=lambda r: r["agency_id"])


def attempts_needing_refund() -> int:
    return PaymentAttempt.objects.filter(
        Q(needs_refund=True) & ~Q(refunds__state=Refund.State.REFUNDED)
    ).count()


def payment_figures_for_period(*, period, agency_ids=None) -> list[dict[str, Any]]:
    """``payment_figures`` over a reporting period of the reports app (``reports.periods.Period``:
    a quarter, half-year or year, or ``period_between``), in Vietnam time."""
    return payment_figures(start=period.start_at, end=period.end_at, agency_ids=agency_ids)
