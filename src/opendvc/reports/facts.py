"""The facts table: one row per filed dossier, rebuilt from the dossier's dated history.

``facts_refresh`` brings the table up to date incrementally: it rebuilds only the dossiers changed
(``Dossier.updated_at``, set by every transition, apology and payment) since the last refresh, with a
margin for transactions that committed late. Rebuilding one row is idempotent, so overlaps are
harmless. The rows hold instants and frozen classes only (see ``models.DossierFact``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import DatabaseError, transaction
from django.utils import timezone

from opendvc.agencies.models import Agency
from opendvc.dossiers.models import Dossier, DossierEvent, Payment
from opendvc.dossiers.selectors import timeliness
from opendvc.worktime import calendar_for_agency, working_hours_between

from .models import DossierFact, FactsState

# Transactions that set ``updated_at`` before this margin but committed after the last refresh began.
MARGIN = timedelta(minutes=10)
BATCH = 2000
FINISHING = ("returned", "stopped", "withdrawn", "refused")
PAUSING = ("request_supplement", "require_payment")
RESUMING = ("supply", "pay")
HISTORY_ACTIONS = (
    "receive",
    "return_for_completion",
    "apology",
    "return_result",
    "stop",
    "refuse",
    "withdraw",
    *PAUSING,
    *RESUMING,
)


def _instant(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def overdue_since(
    *, due_at: datetime | None, finished_at: datetime | None, events: list[tuple]
) -> datetime | None:
    """The first instant the dossier was open, its clock running, and past its due instant.

    ``events`` are ``(at, action, data)`` in order. The due instant moves only when a paused clock
    resumes (``supply``/``pay`` carry the new ``due_at``); while paused a dossier is not overdue.
    For an open dossier not yet overdue the answer is its current due instant (a future instant:
    it becomes overdue then unless a later event pauses it, and that event rebuilds the row)."""
    if not events:
        if due_at is None:
            return None
        return due_at if finished_at is None or finished_at > due_at else None
    due, paused, since = None, False, None
    for at, action, data in events:
        if action == "receive":
            due = _instant((data or {}).get("due_at")) or due_at
            continue
        if due is None:
            continue
        if since is None and not paused and at > due:
            since = due
        if action in PAUSING:
            paused = True
        elif action in RESUMING:
            due = _instant((data or {}).get("due_at")) or due
            paused = False
    if due is None:
        due = due_at
    if (
        since is None
        and due is not None
        and not paused
        and (finished_at is None or finished_at > due)
    ):
        since = due
    return since


def build_facts(dossier_ids: Iterable[int]) -> list[DossierFact]:
    """The fact rows of these dossiers (filed ones only), computed from their columns and history."""

    ids = list(dossier_ids)
    rows = list(
        Dossier.objects.filter(pk__in=ids, submitted_at__isnull=False)
        .exclude(status__in=["draft", "deleted"])
        .values_list(
            "pk",
            "code",
            "receiving_agency_id",
            "procedure_id",
            "procedure__field_id",
            "procedure__level",
            "channel",
            "status",
            "submitted_at",
            "received_at",
            "due_at",
            "finished_at",
            "on_time_class",
        )
    )
    history: dict[int, list[tuple]] = defaultdict(list)
    for dossier_id, at, action, data in (
        DossierEvent.objects.filter(dossier_id__in=[r[0] for r in rows], action__in=HISTORY_ACTIONS)
        .order_by("dossier_id", "at", "pk")
        .values_list("dossier_id", "at", "action", "data")
    ):
        history[dossier_id].append((at, action, data))
    paid: dict[int, bool] = {}
    for dossier_id, method in Payment.objects.filter(
        dossier_id__in=[r[0] for r in rows], state="paid"
    ).values_list("dossier_id", "method"):
        paid[dossier_id] = paid.get(dossier_id, False) or (method not in ("", "counter"))
    agencies = {r[2] for r in rows}
    agency_rows = Agency.objects.in_bulk(agencies)
    calendars: dict[int, object] = {}
    facts = []
    for (
        pk,
        code,
        agency_id,
        procedure_id,
        field_id,
        level,
        channel,
        status,
        submitted_at,
        received_at,
        due_at,
        finished_at,
        frozen,
    ) in rows:
        events = history.get(pk, [])
        outcome = ""
        return_method = ""
        completion_at = apology_at = None
        for at, action, data in events:
            if action == "return_for_completion" and completion_at is None:
                completion_at = at
            elif action == "apology" and apology_at is None:
                apology_at = at
            elif action == "return_result":
                return_method = str((data or {}).get("method") or "")[:12]
                frozen = frozen or (data or {}).get("on_time_class", "")
            elif action == "stop":
                frozen = frozen or (data or {}).get("on_time_class", "")
        if finished_at is not None:
            # The finishing state is final once reached, so it is a frozen fact like the class.
            outcome = status if status in FINISHING else ""
        if outcome in ("returned", "stopped") and not frozen and due_at is not None:
            frozen = timeliness(done_at=finished_at, due_at=due_at)
        tenths = None
        if (
            outcome in ("returned", "stopped")
            and received_at is not None
            and finished_at >= received_at
        ):
            if agency_id not in calendars:
                calendars[agency_id] = calendar_for_agency(agency_rows[agency_id])
            hours = working_hours_between(received_at, finished_at, calendar=calendars[agency_id])
            tenths = int((Decimal(hours) * 10 / 8).to_integral_value())
        facts.append(
            DossierFact(
                dossier_id=pk,
                code=code or "",
                agency_id=agency_id,
                tier_id=agency_rows[agency_id].tier_id,
                procedure_id=procedure_id,
                field_id=field_id,
                level=level or 0,
                channel=channel,
                submitted_at=submitted_at,
                received_at=received_at,
                due_at=due_at,
                overdue_since=overdue_since(due_at=due_at, finished_at=finished_at, events=events)
                if received_at is not None
                else None,
                finished_at=finished_at,
                outcome=outcome,
                on_time_class=frozen if outcome in ("returned", "stopped") else "",
                return_method=return_method,
                completion_returned_at=completion_at,
                apology_at=apology_at,
                processing_tenths=tenths,
                fee_paid_online=paid.get(pk),
            )
        )
    return facts


def _store(ids: list[int]) -> int:
    facts = build_facts(ids)
    DossierFact.objects.filter(dossier_id__in=ids).delete()
    DossierFact.objects.bulk_create(facts, batch_size=BATCH)
    return len(facts)


def facts_refresh(
    *, full: bool = False, progress: Callable[[int, int], None] | None = None
) -> FactsState:
    """Bring the facts up to date (all of them with ``full``). Returns the state with the new data version.

    Side effects: rewrites the changed rows of ``DossierFact`` and the single ``FactsState`` row, in one
    transaction holding the state row's lock."""

    started = timezone.now()
    FactsState.objects.get_or_create(pk=1)
    with transaction.atomic():
        # One refresh at a time: the row lock orders concurrent refreshes (a page and the periodic job).
        state = FactsState.objects.select_for_update().get(pk=1)
        return _refresh(state, started=started, full=full, progress=progress)


def facts_refresh_if_stale(
    *, max_age: timedelta = timedelta(minutes=1), max_rows: int = 5000
) -> FactsState | None:
    """Refresh unless a refresh ran within ``max_age`` or one is running now (then the page reads the
    facts as they are; the running refresh will finish them). More than ``max_rows`` changed dossiers
    (a bulk import) are left to the periodic job, so a page never does a long rebuild."""

    state = FactsState.objects.filter(pk=1).first()
    if (
        state is not None
        and state.updated_through
        and timezone.now() - state.updated_through < max_age
    ):
        return state
    try:
        with transaction.atomic():
            locked = FactsState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
            if locked is None and state is not None:
                return state
            return _refresh(
                locked or FactsState.objects.get_or_create(pk=1)[0],
                started=timezone.now(),
                full=False,
                progress=None,
                max_rows=max_rows,
            )
    except DatabaseError:
        return state


def _refresh(
    state: FactsState, *, started, full: bool, progress, max_rows: int | None = None
) -> FactsState:

    changed = Dossier.objects.filter(submitted_at__isnull=False)
    if not full and state.updated_through is not None:
        changed = changed.filter(updated_at__gte=state.updated_through - MARGIN)
    ids = list(changed.order_by("pk").values_list("pk", flat=True))
    if max_rows is not None and len(ids) > max_rows:
        return state
    done = 0
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        _store(chunk)
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    if ids:
        state.version += 1
        state.rows = DossierFact.objects.count()
    state.updated_through = started
    state.save()
    return state


def data_version(state: FactsState | None = None) -> str:
    """The version of the facts a report was counted from, as the report (always in Vietnamese, like
    its files) and its page show it: ``facts-v6 (8 dòng)``."""
    state = state or FactsState.objects.filter(pk=1).first()
    if state is None:
        return "facts-v0"
    return f"facts-v{state.version} ({state.rows} dòng)"
