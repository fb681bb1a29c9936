"""Writes of the internal processes and the step engine.

* ``process_save`` — a new version of a procedure's steps (refused when the allotments cannot fit the
  statutory total, Regulation Art. 4.6 and 13.8).
* ``steps_start`` / ``steps_finish`` / ``steps_pause`` / ``steps_resume`` — called by the dossier
  actions' handlers inside the engine's transaction; they never change a status.
* ``step_claim`` / ``step_forward`` / ``step_send_back`` — the hand-overs between steps, each recorded
  with who, when and whether it was early, on time or late. They run as rows of the dossier's action
  table (the engine locks the dossier, checks ``holds_turn`` and writes the audit entry); they never
  lock a dossier themselves.

Every deadline is computed with the working-time engine on the receiving agency's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opendvc.agencies.models import StaffRole
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.audit.services import audit_record
from opendvc.core.links import absolute_url
from opendvc.core.prepared import PreparedRead, first_row, row_insert, row_update
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting
from opendvc.notifications.services import notify
from opendvc.worktime import (
    add_working_time,
    calendar_for_agency,
    default_calendar,
    next_opening,
    timeliness,
    to_local,
    working_hours_between,
)

from .models import ClockOnWait, Process, ProcessStep, StepRole, StepRun
from .selectors import due_soon_threshold

HUNDRED = Decimal(100)
# Statutory totals are counted from the opening of a Monday followed by weeks without public holidays,
# so that a procedure's total in working hours does not depend on the day its process is edited.
REFERENCE_MONDAY = date(2026, 3, 9)


@dataclass(frozen=True)
class StepSpec:
    position: int
    name: str
    role: str
    department_id: int | None
    hours: Decimal | None
    share: Decimal | None


@dataclass(frozen=True)
class ProcessSpec:
    process: Process | None
    steps: tuple[StepSpec, ...]
    clock_on_wait: str


def default_steps() -> tuple[StepSpec, ...]:
    """The default process when a procedure has none: one-stop office → specialist → leader approval →
    one-stop office, sharing the total time 10 / 60 / 20 / 10 %."""
    return (
        StepSpec(
            0,
            _("Bộ phận một cửa chuyển hồ sơ"),
            StepRole.RECEIVING_OFFICER,
            None,
            None,
            Decimal(10),
        ),
        StepSpec(
            1,
            _("Chuyên viên thẩm định, xử lý"),
            StepRole.PROCESSING_OFFICER,
            None,
            None,
            Decimal(60),
        ),
        StepSpec(2, _("Lãnh đạo phê duyệt"), StepRole.LEADER, None, None, Decimal(20)),
        StepSpec(
            3, _("Bộ phận một cửa trả kết quả"), StepRole.RECEIVING_OFFICER, None, None, Decimal(10)
        ),
    )


# The reads of every processing action (the process of the dossier, its steps, the open step), built
# once per process (``core.prepared``) instead of by the ORM at every action.
_PROCESSES_FOR_AGENCY = PreparedRead(
    lambda procedure_id, agency_id: Process.objects.filter(
        Q(agency__isnull=True) | Q(agency=agency_id), procedure=procedure_id, is_current=True
    ),
    1,
    2,
)
_PROCESSES_FOR_ALL = PreparedRead(
    lambda procedure_id: Process.objects.filter(
        agency__isnull=True, procedure=procedure_id, is_current=True
    ),
    1,
)
_STEPS_OF = PreparedRead(
    lambda process_id: ProcessStep.objects.filter(process=process_id).order_by("position"), 1
)


_OPEN_RUN = PreparedRead(
    lambda dossier_id: first_row(StepRun.objects.filter(dossier=dossier_id, left_at__isnull=True)),
    1,
)
_OPEN_RUN_LOCKED = PreparedRead(
    lambda dossier_id: first_row(
        StepRun.objects.filter(dossier=dossier_id, left_at__isnull=True).select_for_update()
    ),
    1,
)


def current_process(*, procedure, agency) -> Process | None:
    """The current version for (procedure, agency), else the procedure's version for every agency."""
    found = None
    procedure_id = getattr(procedure, "pk", procedure)
    if agency is not None:
        processes = _PROCESSES_FOR_AGENCY.list(procedure_id, getattr(agency, "pk", agency))
    else:
        processes = _PROCESSES_FOR_ALL.list(procedure_id)
    for p in processes:
        if p.agency_id is not None:
            return p
        found = p
    return found


def process_for(*, procedure, agency) -> ProcessSpec:
    process = current_process(procedure=procedure, agency=agency)
    if process is None:
        return ProcessSpec(None, default_steps(), ClockOnWait.PAUSE)
    steps = tuple(
        StepSpec(s.position, s.name, s.role, s.department_id, s.hours, s.share)
        for s in _STEPS_OF.list(process.pk)
    )
    return ProcessSpec(process, steps, process.clock_on_wait)


def statutory_hours(*, procedure) -> Decimal | None:
    """The procedure's time limit (online method, else the first one with a time) in working hours,
    counted from the opening of ``REFERENCE_MONDAY`` on the portal calendar; ``None`` when the
    procedure states none."""
    methods = [m for m in procedure.methods.all() if m.time_amount is not None and m.time_unit]
    method = next((m for m in methods if m.method == "online"), None) or (
        methods[0] if methods else None
    )
    if method is None:
        return None
    amount = Decimal(str(method.time_amount))
    if amount == 0:
        return Decimal(8)
    calendar = default_calendar()
    start = next_opening(REFERENCE_MONDAY, calendar=calendar)
    whole = amount == amount.to_integral_value()
    end = add_working_time(
        start,
        int(amount) if whole else amount,
        method.time_unit,
        rule=procedure.working_day_rule if whole else "working-hours",
        calendar=calendar,
    )
    return working_hours_between(start, end, calendar=calendar)


def check_steps(
    *, steps: list[dict[str, Any]], total_hours: Decimal | None
) -> list[dict[str, str]]:
    """Errors of a step list (empty when it is valid): each step named, with a known role and exactly one
    positive allotment (hours or percent); hours plus shares of the total must fit the total."""
    errors: list[dict[str, str]] = []
    if not steps:
        errors.append({"path": "steps", "message": _("Quy trình phải có ít nhất một bước.")})
    used = Decimal(0)
    for i, s in enumerate(steps):
        path = f"steps.{i}"
        if not str(s.get("name") or "").strip():
            errors.append(
                {"path": f"{path}.name", "message": _("Bước %(n)d: nhập tên bước.") % {"n": i + 1}}
            )
        if s.get("role") not in StepRole.values:
            errors.append(
                {
                    "path": f"{path}.role",
                    "message": _("Bước %(n)d: chọn vai trò thực hiện.") % {"n": i + 1},
                }
            )
        hours, share = s.get("hours"), s.get("share")
        try:
            hours = Decimal(str(hours)) if hours not in (None, "") else None
            share = Decimal(str(share)) if share not in (None, "") else None
        except ArithmeticError:
            errors.append(
                {
                    "path": f"{path}.hours",
                    "message": _("Bước %(n)d: thời gian phải là một số.") % {"n": i + 1},
                }
            )
            continue
        if (hours is None) == (share is None):
            errors.append(
                {
                    "path": f"{path}.hours",
                    "message": _(
                        "Bước %(n)d: nhập số giờ làm việc hoặc tỷ lệ phần trăm tổng thời gian (một trong hai)."
                    )
                    % {"n": i + 1},
                }
            )
            continue
        value = hours if hours is not None else share
        if not value.is_finite() or value <= 0:
            errors.append(
                {
                    "path": f"{path}.hours",
                    "message": _("Bước %(n)d: thời gian phải lớn hơn 0.") % {"n": i + 1},
                }
            )
            continue
        if share is not None and share > HUNDRED:
            errors.append(
                {
                    "path": f"{path}.share",
                    "message": _("Bước %(n)d: tỷ lệ không quá 100%%.") % {"n": i + 1},
                }
            )
            continue
        if hours is not None:
            used += hours
        elif total_hours is not None:
            used += total_hours * share / HUNDRED
        s["hours"], s["share"] = hours, share
    if not errors and total_hours is not None and used > total_hours:
        errors.append(
            {
                "path": "steps",
                "message": _(
                    "Tổng thời gian các bước (%(used)s giờ làm việc) vượt thời hạn giải quyết theo quy định "
                    "(%(total)s giờ làm việc)."
                )
                % {"used": _fmt(used), "total": _fmt(total_hours)},
            }
        )
    if not errors and total_hours is None and any(s.get("share") is not None for s in steps):
        errors.append(
            {
                "path": "steps",
                "message": _(
                    "Thủ tục chưa quy định thời hạn giải quyết; chỉ dùng số giờ làm việc cho từng bước."
                ),
            }
        )
    return errors


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


def process_save(
    *,
    procedure,
    agency,
    steps: list[dict[str, Any]],
    clock_on_wait: str = ClockOnWait.PAUSE,
    actor,
    note: str = "",
    request=None,
) -> Process:
    """Save a new version of the process of ``procedure`` at ``agency`` (``None``: every agency).

    Raises 422 ``validation_error`` (nothing saved) when a step is incomplete or the allotments cannot
    fit the statutory total. Side effects: the new version becomes current, the previous one is kept,
    an audit entry."""
    steps = [dict(s) for s in steps]
    errors = check_steps(steps=steps, total_hours=statutory_hours(procedure=procedure))
    if clock_on_wait not in ClockOnWait.values:
        errors.append(
            {"path": "clock_on_wait", "message": _("Chọn cách tính thời hạn khi chờ bổ sung.")}
        )
    if errors:
        raise ProblemError(
            "validation_error",
            _("Quy trình chưa hợp lệ; xem danh sách lỗi."),
            extra={"errors": errors},
        )
    with transaction.atomic():
        previous = list(
            Process.objects.select_for_update(of=("self",))
            .filter(procedure=procedure, agency=agency)
            .order_by("pk")
        )
        version = max((p.version for p in previous), default=0) + 1
        Process.objects.filter(pk__in=[p.pk for p in previous]).update(is_current=False)
        process = Process.objects.create(
            procedure=procedure,
            agency=agency,
            version=version,
            is_current=True,
            clock_on_wait=clock_on_wait,
            note=note,
            created_by=actor,
        )
        ProcessStep.objects.bulk_create(
            [
                ProcessStep(
                    process=process,
                    position=i,
                    name=str(s["name"]).strip(),
                    role=s["role"],
                    department_id=s.get("department_id") or None,
                    hours=s["hours"],
                    share=s["share"],
                )
                for i, s in enumerate(steps)
            ]
        )
        audit_record(
            actor=actor,
            action="workflow.process_save",
            target=process,
            changes={
                "procedure": procedure.code,
                "agency": getattr(agency, "code", None),
                "version": version,
                "steps": [
                    [s["name"], s["role"], str(s["hours"] or ""), str(s["share"] or "")]
                    for s in steps
                ],
            },
            request=request,
        )
    return process


# ---------------------------------------------------------------------------------------------
# The step engine
# ---------------------------------------------------------------------------------------------


def _calendar(dossier):
    return calendar_for_agency(dossier.receiving_agency)


def total_hours(dossier) -> Decimal:
    if dossier.received_at and dossier.due_at and dossier.due_at > dossier.received_at:
        return working_hours_between(
            dossier.received_at, dossier.due_at, calendar=_calendar(dossier)
        )
    return Decimal(8)


def _enter(*, dossier, spec: ProcessSpec, position: int, now: datetime, assignee=None) -> StepRun:
    step = spec.steps[position]
    hours = (
        step.hours if step.hours is not None else total_hours(dossier) * (step.share or 0) / HUNDRED
    )
    hours = max(hours, Decimal("0.0001"))
    due = add_working_time(now, hours, "working_hours", calendar=_calendar(dossier))
    run = StepRun(
        dossier=dossier,
        process=spec.process,
        position=position,
        name=step.name,
        role=step.role,
        department_id=step.department_id or dossier.receiving_agency_id,
        allotted_hours=hours,
        entered_at=now,
        due_at=due,
        assignee=assignee,
        claimed_at=now if assignee else None,
    )
    # One INSERT built once per process (nothing listens to a step's save signals).
    row_insert(run)
    return run


def open_run(dossier, *, lock: bool = False) -> StepRun | None:
    return (_OPEN_RUN_LOCKED if lock else _OPEN_RUN).first(dossier.pk)


def _leave(run: StepRun, *, now: datetime, actor, outcome: str, note: str = "") -> StepRun:
    run.left_at = now
    run.left_by = actor
    run.left_by_label = (
        (getattr(actor, "full_name", "") or str(actor))[:200] if actor else _("Hệ thống")
    )
    run.outcome = outcome
    run.timing = timeliness(done_at=now, due_at=run.due_at)
    run.note = note
    row_update(run, ["left_at", "left_by", "left_by_label", "outcome", "timing", "note"])
    return run


def steps_start(*, dossier, now: datetime, actor=None) -> StepRun:
    """Enter the first step of the dossier's process (called when processing starts)."""
    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    first = _enter(dossier=dossier, spec=spec, position=0, now=now)
    if actor is not None and spec.steps[0].role == StepRole.RECEIVING_OFFICER:
        first.assignee, first.claimed_at = actor, now
        first.save(update_fields=["assignee", "claimed_at"])
    return first


def steps_advance_to(*, dossier, role: str, now: datetime, actor) -> StepRun | None:
    """Close the open step and, when the process has a later step for ``role`` (e.g. the one-stop
    office after approval), enter it. Used by the approve action."""
    run = open_run(dossier, lock=True)
    if run is None:
        return None
    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    _leave(run, now=now, actor=actor, outcome=StepRun.Outcome.FORWARDED)
    later = [s.position for s in spec.steps if s.position > run.position and s.role == role]
    if later and later[0] < len(spec.steps):
        return _enter(dossier=dossier, spec=spec, position=later[0], now=now)
    return None


def steps_finish(*, dossier, now: datetime, actor, outcome: str = StepRun.Outcome.FINISHED) -> None:
    """Close the open step, if any (result returned, processing stopped)."""
    run = open_run(dossier, lock=True)
    if run is not None:
        if run.paused_at is not None:
            run.paused_at = None
            run.save(update_fields=["paused_at"])
        _leave(run, now=now, actor=actor, outcome=outcome)


def steps_pause(*, dossier, now: datetime) -> None:
    """Mark the open step paused while the applicant is asked for something."""
    StepRun.objects.filter(dossier=dossier, left_at__isnull=True).update(paused_at=now)


def steps_resume(*, dossier, now: datetime, shift_hours: Decimal, restart: bool) -> None:
    """Resume the open step: its due instant moves by the paused working time, or (restart) it gets
    its full allotment again from ``now``."""
    run = open_run(dossier, lock=True)
    if run is None:
        return
    cal = _calendar(dossier)
    if restart:
        run.due_at = add_working_time(now, run.allotted_hours, "working_hours", calendar=cal)
    elif shift_hours > 0:
        run.due_at = add_working_time(run.due_at, shift_hours, "working_hours", calendar=cal)
    run.paused_at = None
    run.reminded_at = None
    run.escalated_at = None
    run.save(update_fields=["due_at", "paused_at", "reminded_at", "escalated_at"])


def clock_on_wait_for(dossier) -> str:
    return process_for(procedure=dossier.procedure, agency=dossier.receiving_agency).clock_on_wait


# ---------------------------------------------------------------------------------------------
# Hand-overs
# ---------------------------------------------------------------------------------------------


def can_work_on(*, user, run: StepRun) -> bool:
    """The assignee, or (unassigned) anyone holding the step's role at its department, or a leader of
    that department (or above it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if run.assignee_id == user.pk:
        return True
    leaders = visible_agency_ids(user, roles={StepRole.LEADER, "head"})
    if leaders is None or run.department_id in leaders:
        return True
    if run.assignee_id is None:
        ids = visible_agency_ids(user, roles={run.role})
        return ids is None or run.department_id in ids
    return False


def holds_turn(*, user, run: StepRun | None, claiming: bool = False) -> bool:
    """Whether ``user`` may act on the open step ``run``. ``True`` when there is no open step or (when
    ``claiming``) someone else holds it, so that the hand-over then answers 409 rather than 403."""
    if run is None:
        return True
    if claiming and run.assignee_id is not None and run.assignee_id != getattr(user, "pk", None):
        return True
    return can_work_on(user=user, run=run)


def _open_step(dossier, step=None) -> StepRun:
    """The open step of ``dossier`` (locked by the caller). ``step``: the id of the step the officer's
    page showed; another open step means that one was handed over meanwhile (the button pressed twice,
    or a colleague) and the hand-over is refused (409) rather than applied to the next step."""
    run = open_run(dossier, lock=True)
    if run is None:
        raise ProblemError(
            "conflict", _("Hồ sơ không ở bước xử lý nào; không thể chuyển bước."), status=409
        )
    if step not in (None, "") and str(step) != str(run.pk):
        raise ProblemError(
            "conflict",
            quoting(
                _(
                    "Bước bạn thao tác đã được xử lý xong (có thể do bấm nút hai lần); hồ sơ đang ở "
                    "bước “%(step)s”. Trang đã hiển thị tình trạng mới, không có gì được thực hiện "
                    "thêm."
                ),
                {"step": run.name},
            ),
            status=409,
        )
    return run


def step_claim(*, dossier, actor, now: datetime, step=None) -> dict[str, Any]:
    """Take the open step of ``dossier`` (locked by the caller) from the department queue. 409 when
    someone else has it already. Returns the audit changes."""
    run = _open_step(dossier, step)
    if run.assignee_id is not None and run.assignee_id != actor.pk:
        raise ProblemError("conflict", _("Bước này đã có người nhận xử lý."), status=409)
    run.assignee, run.claimed_at = actor, now
    run.save(update_fields=["assignee", "claimed_at"])
    return {"step": run.name, "position": run.position}


def is_approval_step(*, spec: ProcessSpec, position: int) -> bool:
    """Whether step ``position`` of ``spec`` is where the result is decided: the process's last step
    for a leader (earlier leader steps, e.g. a department head's review, hand over to the next one).
    The competent person decides the result before it goes back to the one-stop office (Decree
    61/2018/NĐ-CP, giải quyết thủ tục hành chính): that step is left by the ``approve`` action, which
    enters the return step, or by sending back, asking a supplement or stopping — never by a plain
    forward, which would bring the dossier to the return step with no result."""
    if not 0 <= position < len(spec.steps) or spec.steps[position].role != StepRole.LEADER:
        return False
    return not any(s.role == StepRole.LEADER for s in spec.steps[position + 1 :])


def forward_refusal(*, spec: ProcessSpec, run: StepRun) -> str | None:
    """Why the open step ``run`` cannot be handed to the next step by ``forward`` (a Vietnamese
    sentence), or ``None`` when it can. The processing page offers the forward only when this is
    ``None``; ``step_forward`` refuses with it."""
    if run.position + 1 >= len(spec.steps):
        return _("Đây là bước cuối của quy trình; không còn bước để chuyển.")
    if is_approval_step(spec=spec, position=run.position):
        # The step's name is the agency's Vietnamese, marked as such in a sentence of another language.
        return quoting(
            _(
                "Bước “%(step)s” chỉ kết thúc khi lãnh đạo phê duyệt kết quả (hồ sơ chuyển sang bước "
                "trả kết quả), trả lại bước trước, yêu cầu bổ sung hoặc dừng xử lý; không thể chuyển "
                "bước khi chưa phê duyệt."
            ),
            {"step": run.name},
        )
    return None


def can_forward(*, dossier, run: StepRun | None) -> bool:
    """Whether the open step ``run`` of ``dossier`` can be forwarded (see ``forward_refusal``)."""
    if run is None or run.paused_at is not None:
        return False
    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    return forward_refusal(spec=spec, run=run) is None


def step_forward(
    *, dossier, actor, now: datetime, note: str = "", assignee=None, step=None
) -> dict[str, Any]:
    """Hand ``dossier`` (locked by the caller) to the next step (optionally to a named person). The last
    step and the approval step cannot be forwarded (409, ``forward_refusal``): the result is approved or
    returned by the dossier actions instead. Returns the audit changes."""
    run = _open_step(dossier, step)
    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    nxt = run.position + 1
    refusal = forward_refusal(spec=spec, run=run)
    if refusal is not None:
        raise ProblemError("conflict", refusal, status=409)
    if run.paused_at is not None:
        raise ProblemError(
            "conflict", _("Hồ sơ đang chờ người nộp bổ sung hoặc nộp phí."), status=409
        )
    _leave(run, now=now, actor=actor, outcome=StepRun.Outcome.FORWARDED, note=(note or "").strip())
    new = _enter(dossier=dossier, spec=spec, position=nxt, now=now, assignee=assignee)
    return {"from": run.name, "to": new.name, "timing": run.timing}


def step_send_back(
    *, dossier, actor, now: datetime, reason: str, to_position: int | None = None, step=None
) -> dict[str, Any]:
    """Send ``dossier`` (locked by the caller) back to an earlier step (the previous one by default)
    with a reason; the earlier step is entered again with its full allotment and goes to whoever did
    it before. Returns the audit changes."""
    run = _open_step(dossier, step)
    target = run.position - 1 if to_position is None else to_position
    if target < 0 or target >= run.position:
        raise ProblemError(
            "validation_error",
            _("Chỉ trả lại được một bước trước đó."),
            extra={"errors": [{"path": "to_position", "message": _("Bước không hợp lệ.")}]},
        )
    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    before = (
        StepRun.objects.filter(dossier=dossier, position=target)
        .exclude(left_by=None)
        .order_by("-left_at")
        .first()
    )
    _leave(run, now=now, actor=actor, outcome=StepRun.Outcome.SENT_BACK, note=reason)
    new = _enter(
        dossier=dossier,
        spec=spec,
        position=target,
        now=now,
        assignee=before.left_by if before else None,
    )
    return {"from": run.name, "to": new.name, "reason": reason}


# ---------------------------------------------------------------------------------------------
# Reminders and escalation (periodic job)
# ---------------------------------------------------------------------------------------------

CHUNK = 10_000
LISTED = 20


def remind_and_escalate(*, now: datetime | None = None) -> dict[str, int]:
    """One pass of the periodic job, set-based on the partial index of open steps.

    * Open, not paused, assigned steps due between now and the "due soon" threshold, not yet reminded:
      each assignee gets one message listing their steps; ``reminded_at`` is set on all of them.
    * Open, not paused steps past their due instant, not yet escalated: the leaders of each department
      get one message listing the newly overdue steps; ``escalated_at`` is set on all of them.
    The steps are selected and locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and marked in the
    transaction that queues the messages, so each reminder is sent once even with two workers. Messages
    are rows written here; delivery (with its retries) happens after commit. Returns the counts."""
    now = now or timezone.now()
    soon = due_soon_threshold(now)
    base = StepRun.objects.filter(left_at__isnull=True, paused_at__isnull=True)
    with transaction.atomic():
        rows = list(
            base.filter(
                reminded_at__isnull=True, assignee__isnull=False, due_at__gte=now, due_at__lte=soon
            )
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "assignee_id", "name", "due_at", "dossier__code")
            .order_by("due_at")
        )
        by_user: dict[int, list] = {}
        for row in rows:
            by_user.setdefault(row[1], []).append(row)
        send_grouped(template="step_due_soon", recipients={k: [k] for k in by_user}, groups=by_user)
        reminded = _mark([r[0] for r in rows], reminded_at=now)
    with transaction.atomic():
        rows = list(
            base.filter(escalated_at__isnull=True, due_at__lt=now)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "department_id", "name", "due_at", "dossier__code")
            .order_by("due_at")
        )
        by_department: dict[int, list] = {}
        for row in rows:
            by_department.setdefault(row[1], []).append(row)
        leaders = leader_ids_by_department(set(by_department))
        send_grouped(template="step_overdue", recipients=leaders, groups=by_department)
        escalated = _mark([r[0] for r in rows], escalated_at=now)
    return {"reminded": reminded, "escalated": escalated}


def _mark(ids: list[int], **fields) -> int:
    done = 0
    for start in range(0, len(ids), CHUNK):
        done += StepRun.objects.filter(pk__in=ids[start : start + CHUNK]).update(**fields)
    return done


def _due_lines(rows: list, language: str) -> str:
    """``- code: step (due HH:MM dd/mm/yyyy)`` for the first ``LISTED`` rows, in ``language``."""
    with translation.override(language):
        return "\n".join(
            f"- {code}: {name} ("
            + _("hạn %(at)s") % {"at": to_local(due).strftime("%H:%M %d/%m/%Y")}
            + ")"
            for _row, _step, name, due, code in rows[:LISTED]
        )


def send_grouped(
    *,
    template: str,
    recipients: dict[int, list[int]],
    groups: dict[int, list],
    totals: dict[int, int] | None = None,
) -> None:
    """One message per recipient and group: the first ``LISTED`` rows and how many more (``totals``
    when the group holds only the first rows)."""
    users = get_user_model().objects.in_bulk({u for ids in recipients.values() for u in ids})
    base = absolute_url("workflow:queue")
    for key, rows in groups.items():
        # The list in each recipient's language (the names are the catalogue's, in Vietnamese).
        lines_in: dict[str, str] = {}
        if template == "dossier_overdue":
            url = absolute_url("dossiers:inbox", query={"han": "qua-han", "co-quan": key})
        elif template == "step_due_soon":
            url = f"{base}?xem=due_soon"
        else:
            url = f"{base}?co-quan={key}"
        total = totals[key] if totals else len(rows)
        context = {"count": total, "more": max(0, total - LISTED), "url": url}
        for user_id in recipients.get(key, []):
            if user_id in users:
                language = users[user_id].language or settings.LANGUAGE_CODE
                if language not in lines_in:
                    lines_in[language] = _due_lines(rows, language)
                notify(
                    template=template,
                    recipient=users[user_id],
                    context={**context, "steps": lines_in[language]},
                    channels=("in_app", "email"),
                )


def leader_ids_by_department(department_ids: set[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for agency_id, user_id in StaffRole.objects.filter(
        agency_id__in=department_ids, is_active=True, role__in=[StepRole.LEADER, "head"]
    ).values_list("agency_id", "user_id"):
        out.setdefault(agency_id, []).append(user_id)
    return out
