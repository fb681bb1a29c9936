"""Reads on dossiers: who sees which dossier, the applicant's list, the officer inbox, the public lookup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.accounts.models import Membership
from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.permissions import scope_to_visible_agencies
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.api.params import MAX_PAGE
from opendvc.catalog.models import Procedure
from opendvc.core.prepared import PreparedRead
from opendvc.workflow import services as workflow
from opendvc.workflow.selectors import agency_open_steps, due_soon_threshold
from opendvc.worktime import VN_TZ, timeliness

from .codes import hash_lookup_key, key_matches
from .lifecycle import (
    FINAL_STATES,
    OPEN_STATES,
    Action,
    State,
    StepAction,
    action_label,
    state_label,
)
from .models import Dossier, DossierDocument, DossierEvent, DossierFile, Upload
from .services.transitions import actor_roles, allowed_actions


def receiving_agencies(*, procedure) -> QuerySet:
    """Agencies that receive the procedure: the active agencies named on it in the catalog (the
    catalog import links them from the procedure's "Cơ quan thực hiện"). None named: none — the
    procedure takes no dossier yet, rather than any agency of its tier (a social-insurance office
    receiving a residence registration)."""
    return Agency.objects.filter(procedures=procedure, is_active=True).order_by("sort_name", "code")


def applicant_dossiers(user) -> QuerySet[Dossier]:
    """Dossiers the user filed or that an organisation they act for filed; deleted drafts hidden."""
    orgs = Membership.objects.filter(user=user).values("organisation_id")
    return (
        Dossier.objects.filter(Q(applicant=user) | Q(acting_for__in=orgs))
        .exclude(status=State.DELETED)
        .select_related("procedure", "receiving_agency")
        .order_by("-created_at")
    )


def dossier_for_applicant(*, user, public_id) -> Dossier:
    """One of the user's dossiers, or 404 (the same for another person's dossier: no hint it exists)."""
    try:
        return applicant_dossiers(user).get(public_id=public_id)
    except (Dossier.DoesNotExist, ValueError, ValidationError) as exc:
        # A malformed identifier reads as a dossier that does not exist; a database failure is not one.
        raise Http404 from exc


def _filed() -> QuerySet[Dossier]:
    # Every filed dossier has ``submitted_at``; filtering on it lets the (agency, submitted_at) index
    # skip the drafts' empty values instead of reading through them.
    return Dossier.objects.filter(submitted_at__isnull=False).exclude(
        status__in=[State.DRAFT, State.DELETED]
    )


# The roles that handle dossiers (the one-stop office, processing, approval) or oversee them (the
# province office). An agency's postal worker, feedback focal point, switchboard or administrator is
# staff of the agency without seeing its dossiers: the pages refuse them, and so do the API and every
# lookup through ``staff_dossiers`` (the applicants' data is read only by those who need it, Decree
# 13/2023/NĐ-CP, Art. 3).
DOSSIER_ROLES = frozenset(
    {
        StaffRole.Role.RECEIVING_OFFICER,
        StaffRole.Role.PROCESSING_OFFICER,
        StaffRole.Role.LEADER,
        StaffRole.Role.HEAD,
        StaffRole.Role.PROVINCE_OFFICE,
    }
)


def staff_dossiers(user) -> QuerySet[Dossier]:
    """Dossiers of the agencies whose work the user sees through a role that handles dossiers
    (``DOSSIER_ROLES``; agencies.permissions)."""
    return scope_to_visible_agencies(_filed(), user, field="receiving_agency", roles=DOSSIER_ROLES)


def _only_agency(user) -> int | None:
    """The one agency whose work a staff member sees (``staff_dossiers`` then filters on it alone), or
    None (several, every agency, a superuser, not signed in)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_superuser", False):
        return None
    ids = visible_agency_ids(user, roles=DOSSIER_ROLES)
    return next(iter(ids)) if ids is not None and len(ids) == 1 else None


STAFF_DOSSIER_RELATED = ("procedure", "receiving_agency", "applicant", "acting_for")
# ``dossier_for_staff`` for a staff member who sees one agency's work (most officers): the same
# statement as through ``staff_dossiers``, built once per process (``core.prepared``).
_STAFF_DOSSIER_IN_AGENCY = PreparedRead(
    lambda agency_id, code: (
        _filed()
        .filter(receiving_agency__in=[agency_id])
        .select_related(*STAFF_DOSSIER_RELATED)
        .filter(code=code)[:1]
    ),
    1,
    "code",
)


def dossier_for_staff(*, user, code: str) -> Dossier:
    agency_id = _only_agency(user)
    if agency_id is not None:
        found = _STAFF_DOSSIER_IN_AGENCY.first(agency_id, code)
    else:
        found = (
            staff_dossiers(user).select_related(*STAFF_DOSSIER_RELATED).filter(code=code).first()
        )
    if found is None:
        raise Http404
    return found


def _as_uuid(text: str) -> uuid.UUID | None:
    # Dossier codes ("000.00.32.H19-261204-0007") never read as a UUID.
    try:
        return uuid.UUID(text) if len(text) == 36 else None
    except ValueError:
        return None


def dossier_for_user(*, user, code: str) -> Dossier:
    """By code, for the API: the applicant's own, or one of the staff member's agencies; else 404.
    A staff member who sees one agency's work (most officers) is looked up there first, with the
    statement built once per process, then among their own dossiers (an officer may file for
    themselves): the same dossier either way, one statement instead of two for an officer's action.
    The applicant may also name their own dossier by its ``id`` (a draft has no code until it is
    filed: it could be made through the API, and then neither read nor filed there)."""
    as_id = _as_uuid(code)
    if as_id is not None:
        found = applicant_dossiers(user).filter(public_id=as_id).first()
        if found is None:
            raise Http404
        return found
    agency_id = _only_agency(user)
    if agency_id is not None:
        found = _STAFF_DOSSIER_IN_AGENCY.first(agency_id, code)
        if found is None:
            found = applicant_dossiers(user).filter(code=code).first()
    else:
        found = applicant_dossiers(user).filter(code=code).first()
        if found is None:
            found = staff_dossiers(user).filter(code=code).first()
    if found is None:
        raise Http404
    return found


def dossier_for_applicant_by_code(*, user, code: str) -> Dossier:
    """One of the user's own dossiers (filed by them or by an organisation they act for), by its code
    or its ``id`` (a draft has no code), for the API's applicant-side operations; else 404 — the same
    for a dossier staff of its agency handle, which they read on their own pages."""
    as_id = _as_uuid(code)
    found = (
        applicant_dossiers(user)
        .filter(**({"public_id": as_id} if as_id else {"code": code}))
        .first()
    )
    if found is None:
        raise Http404
    return found


# The dossier again after an action, with what its API answer names (``dossiers.api._out``).
_DOSSIER_BY_KEY = PreparedRead(
    lambda pk: Dossier.objects.select_related("procedure", "receiving_agency").filter(pk=pk), 1
)


def dossier_reread(dossier: Dossier) -> Dossier:
    """``dossier``'s row as it is now (after an action changed it), with its procedure and agency."""
    found = _DOSSIER_BY_KEY.first(dossier.pk)
    if found is None:
        raise Http404
    return found


# A dossier's events, issued documents and files, in their models' order: the statements of
# ``dossier.events.all()`` and the like, built once per process (``core.prepared``).
_EVENTS = PreparedRead(lambda dossier_id: DossierEvent.objects.filter(dossier=dossier_id), 1)
_DOCUMENTS = PreparedRead(lambda dossier_id: DossierDocument.objects.filter(dossier=dossier_id), 1)
_FILES = PreparedRead(lambda dossier_id: DossierFile.objects.filter(dossier=dossier_id), 1)


def _of(read: PreparedRead, dossier: Dossier) -> list:
    """The rows of ``read`` for ``dossier``, each knowing its dossier (as the related manager's do)."""
    rows = read.list(dossier.pk)
    for row in rows:
        row._state.fields_cache["dossier"] = dossier
    return rows


def dossier_events(dossier: Dossier) -> list:
    """``list(dossier.events.all())``."""
    return _of(_EVENTS, dossier)


def dossier_documents(dossier: Dossier) -> list:
    """``list(dossier.documents.all())``."""
    return _of(_DOCUMENTS, dossier)


def document_issued(*, sha256: str) -> DossierDocument | None:
    """The document the portal issued with exactly these bytes (their SHA-256), signed or not."""
    return (
        DossierDocument.objects.filter(sha256=sha256)
        .select_related("dossier__receiving_agency")
        .first()
    )


def dossier_files(dossier: Dossier) -> list:
    """``list(dossier.files.all())``."""
    return _of(_FILES, dossier)


def last_form_data(*, user, procedure) -> dict | None:
    """The form data of the user's latest submitted dossier for ``procedure`` (e-forms prefill)."""
    row = (
        Dossier.objects.filter(applicant=user, procedure=procedure, submitted_at__isnull=False)
        .order_by("-submitted_at")
        .values_list("form_data", flat=True)
        .first()
    )
    return row or None


def reusable_files(*, user) -> QuerySet[DossierFile]:
    """Files of the user's earlier submitted dossiers, offered for reuse (newest first, one per hash)."""
    return DossierFile.objects.filter(
        dossier__applicant=user, dossier__submitted_at__isnull=False
    ).order_by("-created_at")


def own_uploads(*, user, ids) -> dict[str, Upload]:
    """Of ``ids`` (texts), the uploads of ``user`` that no dossier has claimed yet and that are younger
    than ``DOSSIER_UPLOAD_TTL_HOURS`` (older ones are removed by ``jobs.clean_unclaimed_uploads``), by
    their id: another user's upload, one already used, an expired one or a malformed id is absent."""
    wanted = set()
    for text in ids:
        try:
            wanted.add(uuid.UUID(str(text)))
        except ValueError:
            continue
    if not wanted:
        return {}
    since = timezone.now() - timedelta(hours=settings.DOSSIER_UPLOAD_TTL_HOURS)
    found = Upload.objects.filter(
        public_id__in=wanted, owner=user, claimed_at__isnull=True, created_at__gte=since
    )
    return {str(u.public_id): u for u in found}


def on_time_state(
    dossier: Dossier, *, now: datetime | None = None, due_soon_at: datetime | None = None
) -> str:
    """``""`` (no due date), ``on_time``, ``due_soon``, ``overdue`` for open dossiers; ``early``,
    ``on_time`` or ``late`` once finished — the class frozen at the end, else ``timeliness`` (DOMAIN.md:
    overdue is computed, never typed). A list passes ``now`` and ``due_soon_at`` (the
    ``due_soon_threshold`` of ``now``) once for all its rows."""
    if dossier.due_at is None:
        return ""
    now = now or timezone.now()
    if dossier.finished_at is not None:
        return dossier.on_time_class or timeliness(
            done_at=dossier.finished_at, due_at=dossier.due_at
        )
    if now > dossier.due_at:
        return "overdue"
    if dossier.status in OPEN_STATES and dossier.due_at <= (due_soon_at or due_soon_threshold(now)):
        return "due_soon"
    return "on_time"


ON_TIME_LABELS = {
    "on_time": _("Trong hạn"),
    "due_soon": _("Sắp đến hạn"),
    "overdue": _("Quá hạn"),
    "early": _("Trước hạn"),
    "late": _("Trễ hạn"),
}


# The badge colour of each state and on-time class (after ``badge``, in a class attribute).
STATUS_BADGES = {
    State.RECEIVED: " badge-ok",
    State.RETURNED: " badge-ok",
    State.RESULT_READY: " badge-ok",
    State.REFUSED: " badge-err",
    State.STOPPED: " badge-err",
    State.RETURNED_FOR_COMPLETION: " badge-warn",
    State.SUPPLEMENT_REQUESTED: " badge-warn",
    State.PAYMENT_REQUIRED: " badge-warn",
}
ON_TIME_BADGES = {"overdue": " badge-err", "due_soon": " badge-warn"}


# ---------------------------------------------------------------------------------------------
# Officer inbox
# ---------------------------------------------------------------------------------------------

SORTS = {
    "moi-nhat": ("-submitted_at", "-id"),
    "cu-nhat": ("submitted_at", "id"),
    "han-som": ("due_at", "id"),
}


@dataclass
class InboxFilters:
    state: str = ""
    procedure: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None
    due: str = ""  # "sap-den-han" | "qua-han"
    sort: str = ""  # "" = newest first, or most urgent first with a due filter
    agency: int | None = None


def inbox(*, user, filters: InboxFilters) -> QuerySet[Dossier]:
    """The receiving officer's inbox: the visible agencies' filed dossiers, filtered and sorted. Every
    filter uses an indexed column (receiving_agency + status + submitted_at / due_at)."""
    return _inbox_filtered(staff_dossiers(user), filters)


def _inbox_filtered(qs: QuerySet[Dossier], filters: InboxFilters) -> QuerySet[Dossier]:
    if filters.agency:
        qs = qs.filter(receiving_agency_id=filters.agency)
    if filters.state:
        qs = qs.filter(status=filters.state)
    if filters.procedure:
        procedure_id = (
            Procedure.objects.filter(code=filters.procedure).values_list("pk", flat=True).first()
        )
        qs = qs.filter(procedure_id=procedure_id) if procedure_id else qs.none()
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.date_from:
        qs = qs.filter(
            submitted_at__gte=datetime.combine(filters.date_from, datetime.min.time(), tzinfo=VN_TZ)
        )
    if filters.date_to:
        qs = qs.filter(
            submitted_at__lt=datetime.combine(
                filters.date_to + timedelta(days=1), datetime.min.time(), tzinfo=VN_TZ
            )
        )
    now = timezone.now()
    if filters.due == "qua-han":
        qs = qs.filter(status__in=list(OPEN_STATES), due_at__lt=now)
    elif filters.due == "sap-den-han":
        qs = qs.filter(
            status__in=list(OPEN_STATES), due_at__gte=now, due_at__lte=due_soon_threshold(now)
        )
    sort = filters.sort if filters.sort in SORTS else ("han-som" if filters.due else "moi-nhat")
    return (
        qs.select_related("procedure", "receiving_agency")
        .only(*INBOX_COLUMNS)
        .order_by(*SORTS[sort])
    )


# What a list row shows (keeps the wide procedure texts out of the query).
INBOX_COLUMNS = (
    "public_id",
    "code",
    "status",
    "channel",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "on_time_class",
    "receiving_agency_id",
    "procedure_id",
    "applicant_id",
    "receiving_agency__name",
    "receiving_agency__short_name",
    "receiving_agency__code",
    "procedure__code",
    "procedure__name",
)


@dataclass
class Page:
    items: list[Any]
    number: int
    page_size: int
    has_next: bool
    # Exact when small, otherwise "more than" (no full COUNT over a big table).
    count: int
    count_exact: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


COUNT_CAP = (
    500  # beyond this the page says "more than 500" (a bounded count, never the whole table)
)


def capped_count_sql(qs: QuerySet) -> tuple[str, tuple]:
    """``SELECT COUNT(*)`` of at most ``COUNT_CAP + 1`` rows of ``qs``, read in the list's own order (the
    index that serves the page, walked until it has found them, whatever the agency's share of the table)."""
    sql, params = qs.values("pk")[: COUNT_CAP + 1].query.get_compiler(using=qs.db).as_sql()
    return f"SELECT COUNT(*) FROM ({sql}) AS capped", tuple(params)  # noqa: S608 - ORM-compiled, bound values


INBOX_PAGE_SIZE = 25


def _counted(qs: QuerySet, *, start: int, page_size: int) -> QuerySet:
    """``qs``'s rows ``start``… (one more than a page) with the capped count of all (``capped_count``)."""
    count_sql, count_params = capped_count_sql(qs)
    # The count SQL is compiled by the ORM from ``qs``, its values bound as parameters.
    return qs.annotate(capped_count=RawSQL(count_sql, count_params))[start : start + page_size + 1]  # noqa: S611


# The first page of the unfiltered inbox of an officer who sees one agency (the page the officer opens
# most): the statement ``paginate(inbox(...))`` sends, built once per process (``core.prepared``).
_INBOX_FIRST_PAGE = PreparedRead(
    lambda agency_id: _counted(
        _inbox_filtered(_filed().filter(receiving_agency__in=[agency_id]), InboxFilters()),
        start=0,
        page_size=INBOX_PAGE_SIZE,
    ),
    1,
)


def inbox_page(*, user, filters: InboxFilters, page: int) -> Page:
    """``paginate(inbox(user=user, filters=filters), page=page)``."""
    agency_id = _only_agency(user) if page <= 1 and filters == InboxFilters() else None
    if agency_id is None:
        return paginate(inbox(user=user, filters=filters), page=page, page_size=INBOX_PAGE_SIZE)
    return _page(_INBOX_FIRST_PAGE.list(agency_id), page=1, page_size=INBOX_PAGE_SIZE, count=0)


def _page(rows: list, *, page: int, page_size: int, count: int) -> Page:
    """The page of ``rows`` (a page and one more, read with ``capped_count``; ``count`` when empty)."""
    if rows:
        count = rows[0].capped_count
    return Page(
        items=rows[:page_size],
        number=page,
        page_size=page_size,
        has_next=len(rows) > page_size,
        count=min(count, COUNT_CAP),
        count_exact=count <= COUNT_CAP,
    )


def paginate(qs: QuerySet, *, page: int, page_size: int = 25) -> Page:
    """One page by offset, fetching one extra row to know if a next page exists; the count is exact up
    to ``COUNT_CAP`` rows, beyond that reported as "more than". The count travels with the page, as an
    uncorrelated subquery the database runs once: one statement for both (a page past the end asks for
    the count alone). A page beyond ``MAX_PAGE`` is read as that page (an offset past what the
    database counts in would fail)."""
    page = min(max(1, page), MAX_PAGE)
    start = (page - 1) * page_size
    try:
        count_sql, count_params = capped_count_sql(qs)
    except EmptyResultSet:  # ``none()``, or ``__in`` an empty list: nothing to ask the database
        return Page(
            items=[], number=page, page_size=page_size, has_next=False, count=0, count_exact=True
        )
    # The count SQL is compiled by the ORM from ``qs``, its values bound as parameters.
    counted = qs.annotate(capped_count=RawSQL(count_sql, count_params))  # noqa: S611
    rows = list(counted[start : start + page_size + 1])
    has_next = len(rows) > page_size
    if rows:
        count = rows[0].capped_count
    elif page == 1:
        count = 0
    else:
        with connections[qs.db].cursor() as cursor:
            cursor.execute(count_sql, count_params)
            count = cursor.fetchone()[0]
    return Page(
        items=rows[:page_size],
        number=page,
        page_size=page_size,
        has_next=has_next,
        count=min(count, COUNT_CAP),
        count_exact=count <= COUNT_CAP,
    )


# ---------------------------------------------------------------------------------------------
# Public lookup (no personal data)
# ---------------------------------------------------------------------------------------------

# The lookup's two reads, built once per process (``core.prepared``): the dossier with only what the
# answer shows (not the procedure's wide texts), and its steps.
_PUBLIC_DOSSIER = PreparedRead(
    lambda code: (
        Dossier.objects.filter(code=code)
        .exclude(status__in=[State.DRAFT, State.DELETED])
        .select_related("procedure", "receiving_agency")
        .only(
            "code",
            "status",
            "lookup_key_hash",
            "submitted_at",
            "received_at",
            "due_at",
            "finished_at",
            "on_time_class",
            "appointment_at",
            "procedure__name",
            "receiving_agency__name",
        )[:1]
    ),
    "code",
)
_PUBLIC_STEPS = PreparedRead(
    lambda dossier_id: (
        DossierEvent.objects.filter(dossier=dossier_id)
        .order_by("at", "pk")
        .values("action", "to_state", "at")
    ),
    1,
)


def public_status(*, code: str, key: str) -> dict | None:
    """Status, received and due dates, on-time state and the steps done — or None for a wrong code or
    key alike (the same answer, so neither can be probed)."""
    dossier = _PUBLIC_DOSSIER.first((code or "").strip()[:40])
    if dossier is None:
        hash_lookup_key(key)  # same work either way
        return None
    if not key_matches(stored_hash=dossier.lookup_key_hash, key=key):
        return None
    steps = [
        {
            "action": e["action"],
            "label": action_label(e["action"]),
            "to_state": e["to_state"],
            "at": e["at"],
        }
        for e in _PUBLIC_STEPS.list(dossier.pk)
    ]
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "agency": dossier.receiving_agency.name,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "finished_at": dossier.finished_at,
        # The new appointment after an apology (``late``); statistics keep ``due_at``.
        "appointment_at": new_appointment(dossier),
        "on_time": on_time_state(dossier),
        "steps": steps,
    }


@dataclass
class AgencyOverview:
    states: list[tuple[str, str, int]]  # (state, label, count)
    steps: list[tuple[int, str, int, int]]  # (position, name, open, overdue)
    due_soon: int
    overdue: int


def agency_overview(*, agency, now: datetime | None = None) -> AgencyOverview:
    """Counts of the agency's dossiers per state and of its open steps per step (with the overdue ones)."""
    now = now or timezone.now()
    hidden = (State.DRAFT, State.DELETED)
    rows = dict(
        Dossier.objects.filter(receiving_agency=agency)
        .exclude(status__in=hidden)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    open_dossiers = Dossier.objects.filter(
        receiving_agency=agency,
        finished_at__isnull=True,
        due_at__isnull=False,
        paused_at__isnull=True,
    )
    return AgencyOverview(
        states=[(s, state_label(s), rows.get(s, 0)) for s in State.values if s not in hidden],
        steps=agency_open_steps(agency=agency, now=now),
        due_soon=open_dossiers.filter(due_at__gte=now, due_at__lte=due_soon_threshold(now)).count(),
        overdue=open_dossiers.filter(due_at__lt=now).count(),
    )


def actions_for(*, dossier: Dossier, user) -> list:
    """The rows of the action table that move the state and that ``user`` may take now (a processing
    officer's supplement and fee requests only on the step they hold)."""
    from .services.processing import turn_allows

    roles = actor_roles(dossier=dossier, actor=user)
    return [
        spec
        for spec in allowed_actions(dossier.status, roles)
        if turn_allows(dossier=dossier, actor=user, spec=spec, roles=roles)
    ]


_NO_RUN = object()


def step_actions_for(*, dossier: Dossier, user, run: Any = _NO_RUN) -> list[str]:
    """The hand-overs of the internal steps (``claim``, ``forward``, ``send_back``) that ``user`` may
    take now on ``dossier``'s open step ``run`` (read when not given): what the processing page offers
    and what the API lists in ``allowed_actions`` beside ``actions_for``. Only while the dossier is
    being processed: claim a step waiting in the department's queue; forward or send back a step one
    may work on (not the last step nor the approval step, ``workflow.forward_refusal``; not back from
    the first)."""
    if dossier.status != State.PROCESSING:
        return []
    if run is _NO_RUN:
        run = workflow.open_run(dossier)
    if run is None or not workflow.can_work_on(user=user, run=run):
        return []
    out = []
    if run.assignee_id is None:
        out.append(StepAction.CLAIM.value)
    if workflow.can_forward(dossier=dossier, run=run):
        out.append(StepAction.FORWARD.value)
    if run.position > 0:
        out.append(StepAction.SEND_BACK.value)
    return out


def offered_actions(*, dossier: Dossier, user) -> list[str]:
    """Every action ``user`` may take on ``dossier`` now: the rows of the action table that move its
    state (``actions_for``), then the hand-overs of its open step (``step_actions_for``)."""
    return [t.action for t in actions_for(dossier=dossier, user=user)] + step_actions_for(
        dossier=dossier, user=user
    )


__all__ = ["FINAL_STATES", "inbox", "last_form_data", "public_status"]


def new_appointment(dossier: Dossier) -> datetime | None:
    """The new appointment the applicant is given after an apology (``late``), while the dossier is
    open; statistics keep ``due_at`` (NĐ 61/2018, Art. 19)."""
    return dossier.appointment_at if dossier.finished_at is None else None


# The states in which the applicant has items to supply: the ones the agency listed.
ITEMS_ASKED_STATES = frozenset({State.RETURNED_FOR_COMPLETION, State.SUPPLEMENT_REQUESTED})


def requested_items(dossier: Dossier) -> list[str]:
    """What the applicant is asked to complete or supplement, while the dossier waits for it (the
    applicant's page lists them; NĐ 61/2018, Art. 15); none in any other state."""
    return list(dossier.completion_items or []) if dossier.status in ITEMS_ASKED_STATES else []


def earlier_completion_items(*, dossier: Dossier) -> list[str]:
    """While a dossier is returned for completion a second time: what the earlier returns asked (the
    notice shows both lists, NĐ 61/2018 Art. 15)."""
    if dossier.status != State.RETURNED_FOR_COMPLETION:
        return []
    last = dossier.events.filter(action=Action.RETURN_FOR_COMPLETION).order_by("-at", "-pk").first()
    return list((last.data or {}).get("earlier_items") or []) if last is not None else []
