"""What the department actions do besides changing the state.

These handlers run inside the engine's transaction with the dossier row locked; each is the
``handler`` column of its row in ``transitions.ACTIONS``. They never set the state themselves.

* start_processing — the first step of the internal process is entered (``opendvc.workflow``).
* request_supplement / require_payment — the clock pauses (``paused_at``; the open step too).
* supply / pay — the clock resumes: the remaining time continues (``pause``) or the full time starts
  again (``restart``), per the procedure's process setting; due dates move, the event records the pause.
* stop — the open step closes; the on-time class is frozen.
* approve — result documents (made from the result template and/or uploaded); the leader's step closes
  and the one-stop office's last step is entered. The applicant is told how the result reaches them
  (at the one-stop office, by post); a result that goes back online is announced once, when it is
  issued into their store (``vault.services.result_issue``), not also here.
* return_result — delivered by a registered method (``returns``); the on-time class is frozen.

Regulation Art. 4.6 (time allotted to each phase), Art. 6.4 (ways of returning results); Decree
61/2018/NĐ-CP Art. 16, 19, 20.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting
from opendvc.core.statemachine import Outcome
from opendvc.workflow.models import ClockOnWait, StepRole, StepRun
from opendvc.workflow.services import (
    can_work_on,
    clock_on_wait_for,
    open_run,
    steps_advance_to,
    steps_finish,
    steps_pause,
    steps_resume,
    steps_start,
)
from opendvc.worktime import (
    add_working_time,
    calendar_for_agency,
    parse_instant,
    timeliness,
    working_hours_between,
)

from ..lifecycle import Document, Role
from ..models import DossierDocument, Payment, Upload
from ..payments import compute_fees, filed_on, method_for_role
from ..returns import method_for, return_method_default
from .filing import due_for


def on_time_class(*, finished_at: datetime, due_at: datetime | None) -> str:
    """Early / on time / late against the original due instant (DOMAIN.md: frozen at the end)."""
    if due_at is None:
        return ""
    return timeliness(done_at=finished_at, due_at=due_at)


def on_start_processing(dossier, inputs, *, now, role, actor):
    run = steps_start(dossier=dossier, now=now, actor=None if role == Role.SYSTEM else actor)
    return Outcome({}, {"step": run.name, "step_due_at": run.due_at.isoformat()})


def _pause(dossier, now) -> dict[str, Any]:
    steps_pause(dossier=dossier, now=now)
    return {"paused_at": now}


def _resume(dossier, now) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fields and event data of resuming the clock paused at ``dossier.paused_at``."""
    fields: dict[str, Any] = {"paused_at": None}
    data: dict[str, Any] = {}
    if dossier.paused_at is None or dossier.due_at is None:
        steps_resume(dossier=dossier, now=now, shift_hours=Decimal(0), restart=False)
        return fields, data
    cal = calendar_for_agency(dossier.receiving_agency)
    paused = max(working_hours_between(dossier.paused_at, now, calendar=cal), Decimal(0))
    mode = clock_on_wait_for(dossier)
    if mode == ClockOnWait.RESTART:
        total = working_hours_between(dossier.received_at, dossier.due_at, calendar=cal) if dossier.received_at else None
        new_due = due_for(dossier, now)[0] or (add_working_time(now, total, "working_hours", calendar=cal)
                                              if total else dossier.due_at)
        shift = working_hours_between(dossier.due_at, new_due, calendar=cal)
    else:
        new_due = add_working_time(dossier.due_at, paused, "working_hours", calendar=cal) if paused else dossier.due_at
        shift = paused
    fields["due_at"] = new_due
    if dossier.appointment_at is not None and shift > 0:
        fields["appointment_at"] = add_working_time(dossier.appointment_at, shift, "working_hours", calendar=cal)
    steps_resume(dossier=dossier, now=now, shift_hours=paused, restart=mode == ClockOnWait.RESTART)
    data.update({"paused_from": dossier.paused_at.isoformat(), "paused_hours": str(paused), "clock": str(mode),
                 "due_at_before": dossier.due_at.isoformat(), "due_at": new_due.isoformat()})
    return fields, data


def _check_turn(dossier, role, actor) -> None:
    """A processing officer acts only on the step they hold (or may claim); leaders of the agency may
    act at any step (they direct the processing); the system is not bound to a step."""
    if role != Role.PROCESSING_OFFICER:
        return
    run = open_run(dossier)
    if run is not None and not can_work_on(user=actor, run=run):
        raise ProblemError("permission_denied",
                           quoting(_("Hồ sơ đang ở bước “%(step)s”, không do bạn xử lý; chưa thể thực hiện "
                                     "thao tác này."), {"step": run.name}), status=403)


# The processing officer's actions bound to the step they hold (``_check_turn``).
TURN_BOUND = frozenset({"request_supplement", "require_payment"})


def turn_allows(*, dossier, actor, spec, roles) -> bool:
    """Whether ``actor`` holding ``roles`` may take ``spec`` now as far as the steps go: the rule of
    ``_check_turn``, so that what a dossier offers (``allowed_actions`` of the API, the pages) is what
    will not then be refused with 403 "không do bạn xử lý"."""
    if spec.action not in TURN_BOUND or (spec.roles & roles) - {Role.PROCESSING_OFFICER}:
        return True
    run = open_run(dossier)
    return run is None or can_work_on(user=actor, run=run)


def on_request_supplement(dossier, inputs, *, now, role, actor):
    _check_turn(dossier, role, actor)
    fields = _pause(dossier, now)
    fields["completion_items"] = inputs["items"]
    return Outcome(fields, {})


def on_supply(dossier, inputs, *, now, role, actor):
    fields, data = _resume(dossier, now)
    fields["completion_items"] = []
    return Outcome(fields, data)


def on_require_payment(dossier, inputs, *, now, role, actor):

    _check_turn(dossier, role, actor)
    lines, total = compute_fees(procedure=dossier.procedure, fees=inputs["fees"], on=filed_on(dossier))
    Payment.objects.filter(dossier=dossier, state=Payment.State.PENDING).update(state=Payment.State.CANCELLED)
    Payment.objects.create(dossier=dossier, items=lines, total_vnd=total)
    return Outcome(_pause(dossier, now), {"fees": lines, "total_vnd": total})


def on_pay(dossier, inputs, *, now, role, actor):

    payment = Payment.objects.select_for_update().filter(dossier=dossier, state=Payment.State.PENDING).last()
    if payment is None:
        raise ProblemError("conflict", _("Hồ sơ không có khoản phí nào đang chờ thanh toán."), status=409)
    method = method_for_role(role, procedure=dossier.procedure)
    payment.state = Payment.State.PAID
    payment.method = method.key
    payment.receipt_number = str(inputs["receipt_number"])[:60]
    payment.paid_at = now
    payment.recorded_by = None if role == Role.SYSTEM else actor
    payment.save(update_fields=["state", "method", "receipt_number", "paid_at", "recorded_by"])
    fields, data = _resume(dossier, now)
    data.update({"payment": {"items": payment.items, "total_vnd": payment.total_vnd, "method": method.key}})
    return Outcome(fields, data)


def on_stop(dossier, inputs, *, now, role, actor):

    steps_finish(dossier=dossier, now=now, actor=actor, outcome=StepRun.Outcome.STOPPED)
    cls = on_time_class(finished_at=now, due_at=dossier.due_at)
    return Outcome({"on_time_class": cls, "paused_at": None}, {"on_time_class": cls})


def on_approve(dossier, inputs, *, now, role, actor):

    uploaded = _claim_result_files(dossier, inputs.get("result_files") or [], actor)
    run = steps_advance_to(dossier=dossier, role=StepRole.RECEIVING_OFFICER, now=now, actor=actor)
    data = {"result_files": uploaded}
    if run is not None:
        data["step"] = run.name
    how = return_method_default(dossier=dossier)
    notice = None if how == "online" else {"return_method": how}
    return Outcome({}, data, notice=notice)


def _claim_result_files(dossier, ids: list, actor) -> list[str]:
    """Uploaded result files (``POST /files`` ids of the approving leader) become result documents."""

    if not isinstance(ids, list | tuple):
        ids = [ids]
    wanted = [str(i) for i in ids if str(i).strip()]
    if not wanted:
        return []
    uploads = list(Upload.objects.select_for_update().filter(public_id__in=wanted, owner=actor,
                                                             claimed_at__isnull=True))
    if len(uploads) != len(set(wanted)):
        raise ProblemError("validation_error", _("Tệp kết quả không tồn tại hoặc đã được dùng."),
                           extra={"errors": [{"path": "result_files", "message": _("Tải lên lại tệp kết quả.")}]})
    for u in uploads:
        if u.content_type != "application/pdf":
            raise ProblemError("validation_error", _("Tệp kết quả phải là PDF: %(name)s") % {"name": u.original_name},
                               extra={"errors": [{"path": "result_files", "message": u.original_name}]})
        DossierDocument.objects.create(dossier=dossier, kind=Document.RESULT, file=u.file.name, sha256=u.sha256)
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).update(claimed_at=timezone.now())
    return [u.original_name for u in uploads]


def returned_at(dossier, record: dict[str, Any], *, now: datetime) -> datetime:
    """When the result reached the applicant: the delivery instant the method recorded (the post's
    delivery, recorded after the round or by a late tracking update), else now. Never later than now,
    never before the dossier was received."""
    if not record.get("delivered_at"):
        return now
    delivered = parse_instant(record["delivered_at"])
    if delivered >= now:
        return now
    floor = dossier.received_at or dossier.created_at
    return max(delivered, floor) if floor is not None else delivered


def on_return_result(dossier, inputs, *, now, role, actor):

    method = method_for(key=inputs["method"], role=role)
    record = method.clean(dossier=dossier, inputs=inputs, role=role)
    # The return is timed when the result reached the applicant: a result delivered on time by the
    # post stays on time when the delivery is recorded later (Regulation Art. 6.4, 15.2).
    at = returned_at(dossier, record, now=now)
    steps_finish(dossier=dossier, now=at, actor=None if role == Role.SYSTEM else actor)
    cls = on_time_class(finished_at=at, due_at=dossier.due_at)
    fields: dict[str, Any] = {"on_time_class": cls}
    if at != now:
        fields["finished_at"] = at
    return Outcome(fields, {**record, "on_time_class": cls})
