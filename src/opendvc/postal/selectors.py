"""Reading postal orders: the postal worker's queue (only postal work of the agencies they serve), the
one-stop office's postal lists, the applicant's own orders."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from opendvc.agencies.models import StaffRole
from opendvc.agencies.selectors import visible_agency_ids

from . import clock
from .models import OPEN_PICKUP, OPEN_RETURN, Leg, PostalOrder, Status

VIEWS = ("pickup", "return", "due_soon", "overdue", "done")


def _scoped(user, role: str) -> QuerySet[PostalOrder]:
    qs = PostalOrder.objects.select_related("agency", "procedure", "dossier", "applicant")
    ids = visible_agency_ids(user, roles={role})
    return qs if ids is None else qs.filter(agency_id__in=ids)


def operator_orders(*, user) -> QuerySet[PostalOrder]:
    return _scoped(user, StaffRole.Role.POSTAL_OPERATOR)


def _open_q() -> Q:
    return Q(leg=Leg.PICKUP, status__in=OPEN_PICKUP) | Q(leg=Leg.RETURN, status__in=OPEN_RETURN)


def operator_queue(*, user, view: str, now: datetime | None = None) -> QuerySet[PostalOrder]:
    """The postal worker's list ``view``: pickups to collect or hand over, results to deliver, the returns
    due soon or overdue on the 24-hour clock, and the finished ones."""
    now = now or timezone.now()
    qs = operator_orders(user=user)
    if view == "pickup":
        return qs.filter(leg=Leg.PICKUP, status__in=OPEN_PICKUP).order_by("window_start", "pk")
    if view == "return":
        return qs.filter(leg=Leg.RETURN, status__in=OPEN_RETURN).order_by("due_at", "pk")
    if view == "overdue":
        return qs.filter(leg=Leg.RETURN, status__in=OPEN_RETURN, due_at__lt=now).order_by(
            "due_at", "pk"
        )
    if view == "due_soon":
        return qs.filter(
            leg=Leg.RETURN,
            status__in=OPEN_RETURN,
            due_at__gte=now,
            due_at__lte=clock.due_soon_threshold(now),
        ).order_by("due_at", "pk")
    return qs.exclude(_open_q()).order_by("-updated_at")


def queue_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {v: operator_queue(user=user, view=v, now=now).count() for v in VIEWS if v != "done"}


def order_for_operator(*, user, order_number: str) -> PostalOrder:
    order = operator_orders(user=user).filter(order_number=order_number).first()
    if order is None:
        raise Http404
    return order


def office_pickups(*, user) -> QuerySet[PostalOrder]:
    """Dossiers the post handed to the user's one-stop office, waiting for intake."""
    return (
        _scoped(user, StaffRole.Role.RECEIVING_OFFICER)
        .filter(leg=Leg.PICKUP, status=Status.HANDED_TO_OFFICE)
        .order_by("handed_at", "pk")
    )


def office_returns_to_open(*, user) -> QuerySet:
    """Dossiers whose result is ready, goes back by post and is not yet handed over to the post: the
    applicant chose the post (Regulation Art. 6.4), or made no choice and filed by post."""
    from opendvc.dossiers.lifecycle import State
    from opendvc.dossiers.models import Channel, Dossier

    ids = visible_agency_ids(user, roles={StaffRole.Role.RECEIVING_OFFICER})
    by_post = Q(return_method="postal") | (
        Q(channel=Channel.POSTAL) & (Q(return_method__isnull=True) | Q(return_method=""))
    )
    qs = Dossier.objects.filter(by_post, status=State.RESULT_READY).select_related("procedure")
    if ids is not None:
        qs = qs.filter(receiving_agency_id__in=ids)
    taken = (
        PostalOrder.objects.filter(leg=Leg.RETURN)
        .exclude(status__in=[Status.CANCELLED, Status.RETURNED_TO_OFFICE])
        .values("dossier_id")
    )
    return qs.exclude(pk__in=taken).order_by("pk")


def office_order(*, user, order_number: str) -> PostalOrder:
    order = (
        _scoped(user, StaffRole.Role.RECEIVING_OFFICER).filter(order_number=order_number).first()
    )
    if order is None:
        raise Http404
    return order


def applicant_orders(*, user) -> QuerySet[PostalOrder]:
    return PostalOrder.objects.filter(applicant=user).select_related(
        "agency", "procedure", "dossier"
    )


def pickup_appointment(*, order: PostalOrder, at: datetime):
    """The appointment a pickup's intake at ``at`` would print (``dossiers.appointments``): the
    statutory one for a postal filing of the procedure, counted on the receiving agency's calendar, or
    the default the officer may change when the procedure states no time."""
    from opendvc.dossiers.appointments import appointment_propose
    from opendvc.dossiers.models import Channel, Dossier

    dossier = Dossier(
        procedure=order.procedure,
        procedure_version=order.procedure.current_version,
        receiving_agency=order.agency,
        channel=Channel.POSTAL,
    )
    return appointment_propose(dossier=dossier, at=at)
