"""Read-only views of payments: a dossier's orders, and the figures per agency and period for the
reports (paid online, at the counter, refunded)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum

from .models import PaymentAttempt, PaymentOrder, Refund


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
