"""Reads over feedback: work queues, the public questions and answers, and per-agency figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, QuerySet, Window
from django.utils import timezone

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.permissions import scope_to_visible_agencies
from opendvc.agencies.selectors import has_any_role
from opendvc.catalog.search import parse_query
from opendvc.core.prepared import PreparedRead
from opendvc.surveys.selectors import dossier_satisfaction
from opendvc.worktime import add_working_time, default_calendar

from .lifecycle import AT_AGENCY_STATES, State
from .models import Feedback, Kind, PublishedAnswer
from .timing import Standing, standing_q

QUEUES = ("switchboard", "due_soon", "overdue", "rescheduled", "open", "answered")
AGENCY_ROLES = (StaffRole.Role.FEEDBACK_FOCAL, StaffRole.Role.HEAD, StaffRole.Role.PROVINCE_OFFICE)


def overdue(*, now: datetime | None = None, qs: QuerySet | None = None) -> QuerySet:
    """At an agency and late: trễ hạn (đang chờ xử lý), as ``timing`` defines it."""
    return (qs if qs is not None else Feedback.objects.all()).overdue(now or timezone.now())


def due_soon_until(now: datetime) -> datetime:
    return add_working_time(
        now, settings.FEEDBACK_DUE_SOON_HOURS, "working_hours", calendar=default_calendar()
    )


def due_soon(*, now: datetime | None = None, qs: QuerySet | None = None) -> QuerySet:
    """At an agency, not late, the binding deadline within FEEDBACK_DUE_SOON_HOURS working hours."""
    now = now or timezone.now()
    return (qs if qs is not None else Feedback.objects.all()).due_soon(
        now=now, until=due_soon_until(now)
    )


def visible_to(user) -> QuerySet:
    """Items a staff member may see: the switchboard sees every item, agency staff their agencies'."""
    base = Feedback.objects.select_related("agency")
    if getattr(user, "is_superuser", False) or has_any_role(user, [StaffRole.Role.SWITCHBOARD]):
        return base
    return scope_to_visible_agencies(base, user, roles=AGENCY_ROLES)


def queue(
    *, user, name: str, now: datetime | None = None, agency_id: int | None = None
) -> QuerySet:
    """One work queue for ``user``, ordered by what needs doing first."""
    now = now or timezone.now()
    qs = visible_to(user)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if name == "switchboard":
        return qs.filter(status=State.RECEIVED).order_by("created_at")
    if name == "due_soon":
        return due_soon(now=now, qs=qs).order_by("due_at")
    if name == "overdue":
        return overdue(now=now, qs=qs).order_by("due_at")
    if name == "rescheduled":
        return qs.filter(status__in=AT_AGENCY_STATES, rescheduled_at__isnull=False).order_by(
            "due_at"
        )
    if name == "answered":
        return qs.filter(status__in=[State.ANSWERED, State.CLOSED]).order_by(
            "-answered_at", "-created_at"
        )
    # "open": at an agency, whatever the deadline; the head also sees what was escalated to them.
    return qs.filter(status__in=AT_AGENCY_STATES).order_by("due_at")


def default_queue(user) -> str:
    if getattr(user, "is_superuser", False) or has_any_role(user, [StaffRole.Role.SWITCHBOARD]):
        return "switchboard"
    return "open"


def own_items(user) -> QuerySet:
    return Feedback.objects.filter(sender=user).select_related("agency").order_by("-created_at")


def public_answers(*, q: str = "", procedure=None) -> QuerySet:
    """Published questions and answers, searched without diacritics like the catalog (every word
    must begin a word of the question, answer or title)."""
    qs = PublishedAnswer.objects.filter(is_public=True).select_related("agency", "procedure")
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    query = parse_query(q)
    for term in query.terms:
        qs = qs.filter(search_doc__contains=f" {term}")
    return qs.order_by("-published_at")


QA_PAGE_SIZE = 20
# The first page of every public answer (the Q&A page as most visitors open it): its rows with the
# number of answers (a window count) in one statement, built once per process (``core.prepared``).
# The list shows each answer's agency, not its procedure: the procedure is not read with it.
_QA_FIRST_PAGE = PreparedRead(
    lambda: PublishedAnswer.objects.filter(is_public=True)
    .select_related("agency")
    .annotate(total=Window(Count("id")))
    .order_by("-published_at")[:QA_PAGE_SIZE]
)


class _CountedRows:
    """A page of rows read with the number of all of them, as ``Paginator`` takes a list: ``count()``
    the total, the page's slice the rows."""

    def __init__(self, rows: list, total: int):
        self.rows, self.total = rows, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice) and (index.start or 0) == 0:
            return self.rows[: index.stop]
        raise IndexError("only the first page was read")


def public_answers_first_page() -> _CountedRows:
    """The first ``QA_PAGE_SIZE`` rows of ``public_answers()`` with their total, for a ``Paginator``."""
    rows = _QA_FIRST_PAGE.list()
    return _CountedRows(rows, rows[0].total if rows else 0)


@dataclass(frozen=True)
class AgencyFigures:
    agency: Agency
    received: int
    # One count per class of ``timing.Standing``; they add up to ``received``.
    pending: int
    pending_overdue: int
    answered_on_time: int
    answered_late: int
    withdrawn: int
    answered: int
    overdue: int
    on_time_rate: float | None
    dossiers: int
    dissatisfied: int
    satisfaction_rate: float | None


def agency_figures(
    *, start: datetime, end: datetime, agencies: QuerySet | None = None, now: datetime | None = None
) -> list[AgencyFigures]:
    """Per agency for items forwarded in [start, end) (QĐ 766/QĐ-TTg indicators, DOMAIN.md), each
    item in exactly one class of ``timing.Standing`` at ``now``:

    * received — items forwarded to the agency in the period = pending + pending overdue + answered
      on time + answered late + withdrawn;
    * answered = answered on time + answered late; overdue = pending overdue + answered late;
    * on-time rate = answered on time / received × 100 %;
    * satisfaction = (dossiers − those rated dissatisfied or complained about) / dossiers × 100 %, with
      the dossiers returned in the period (survey invitations) and the dissatisfied ones from survey
      answers and complaints naming the dossier.
    """
    now = now or timezone.now()
    rows = (
        Feedback.objects.filter(agency__isnull=False, forwarded_at__gte=start, forwarded_at__lt=end)
        .values("agency")
        .annotate(**{s.value: Count("pk", filter=standing_q(s.value, now)) for s in Standing})
    )
    by_agency = {r["agency"]: r for r in rows}

    dossiers = dossier_satisfaction(start=start, end=end)
    complained = (
        Feedback.objects.filter(
            kind=Kind.COMPLAINT, created_at__gte=start, created_at__lt=end, agency__isnull=False
        )
        .exclude(dossier_code="")
        .values_list("agency", "dossier_code")
    )
    for agency_id, code in complained:
        if agency_id in dossiers and code in dossiers[agency_id]["codes"]:
            dossiers[agency_id]["dissatisfied"].add(code)
    ids = set(by_agency) | set(dossiers)
    qs = agencies if agencies is not None else Agency.objects.all()
    out = []
    for agency in qs.filter(pk__in=ids).order_by("sort_name", "code"):
        r = by_agency.get(agency.pk) or {s.value: 0 for s in Standing}
        received = sum(r[s.value] for s in Standing)
        d = dossiers.get(agency.pk, {"codes": set(), "dissatisfied": set()})
        n_dossiers, n_bad = len(d["codes"]), len(d["dissatisfied"])
        on_time = r[Standing.ANSWERED_ON_TIME]
        out.append(
            AgencyFigures(
                agency=agency,
                received=received,
                pending=r[Standing.PENDING],
                pending_overdue=r[Standing.PENDING_OVERDUE],
                answered_on_time=on_time,
                answered_late=r[Standing.ANSWERED_LATE],
                withdrawn=r[Standing.WITHDRAWN],
                answered=on_time + r[Standing.ANSWERED_LATE],
                overdue=r[Standing.PENDING_OVERDUE] + r[Standing.ANSWERED_LATE],
                on_time_rate=round(100.0 * on_time / received, 1) if received else None,
                dossiers=n_dossiers,
                dissatisfied=n_bad,
                satisfaction_rate=round(100.0 * (n_dossiers - n_bad) / n_dossiers, 1)
                if n_dossiers
                else None,
            )
        )
    return out
