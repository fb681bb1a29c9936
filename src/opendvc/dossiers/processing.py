"""What the department actions do besides changing the status (DOMAIN.md "Dossier states", part 2).

These handlers run inside ``services.dossier_transition`` (one transaction, dossier row locked); the
services module registers them in its ``HANDLERS``. They never set the status themselves.

* start_processing — the first step of the internal process is entered (``opendvc.workflow``).
* request_supplement / require_payment — the clock pauses (``paused_at``; the open step too).
* supply / pay — the clock resumes: the remaining time continues (``pause``) or the full time starts
  again (``restart``), per the procedure's process setting; due dates move, the event records the pause.
* stop — the open step closes; the on-time class is frozen.
* approve — result documents (made from the result template and/or uploaded); the leader's step closes
  and the one-stop office's last step is entered.
* return_result — delivered by a registered method (``returns``); the on-time class is frozen.

Regulation Art. 4.6 (time allotted to each phase), Art. 6.4 (ways of returning results); Decree
61/2018/NĐ-CP Art. 16, 19, 20.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from opendvc.core.problems import ProblemError

from .lifecycle import Action, Document, Role


def _outcome(fields: dict[str, Any], data: dict[str, Any], note: str = ""):
    from .services import _Outcome

    return _Outcome(fields, data, note)


def on_time_class(*, finished_at: datetime, due_at: datetime | None) -> str:
    """Early / on time / late against the original due instant (DOMAIN.md: frozen at the end)."""
    if due_at is None:
        return ""
    from .selectors import timeliness

    return timeliness(done_at=finished_at, due_at=due_at)


def _on_start_processing(dossier, inputs, *, now, role, actor):
    from opendvc.workflow.services import steps_start

    run = steps_start(dossier=dossier, now=now, actor=None if role == Role.SYSTEM else actor)
    return _outcome({}, {"step": run.name, "step_due_at": run.due_at.isoformat()})


def _pause(dossier, now) -> dict[str, Any]:
    from opendvc.workflow.services import steps_pause

    steps_pause(dossier=dossier, now=now)
    return {"paused_at": now}


def _resume(dossier, now) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fields and event data of resuming the clock paused at ``dossier.paused_at``."""
    from opendvc.workflow.models import ClockOnWait
    from opendvc.workflow.services import clock_on_wait_for, steps_resume
    from opendvc.worktime import add_working_time, calendar_for_agency, working_hours_between

    fields: dict[str, Any] = {"paused_at": None}
    data: dict[str, Any] = {}
    if dossier.paused_at is None or dossier.due_at is None:
        steps_resume(dossier=dossier, now=now, shift_hours=Decimal(0), restart=False)
        return fields, data
    cal = calendar_for_agency(dossier.receiving_agency)
    paused = max(working_hours_between(dossier.paused_at, now, calendar=cal), Decimal(0))
    mode = clock_on_wait_for(dossier)
    if mode == ClockOnWait.RESTART:
        from .services import due_for

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
    from opendvc.workflow.services import can_work_on, open_run

    run = open_run(dossier)
    if run is not None and not can_work_on(user=actor, run=run):
        raise ProblemError("permission_denied",
                           _("Hồ sơ đang ở bước “%(step)s”, không do bạn xử lý; chưa thể thực hiện thao tác này.")
                           % {"step": run.name}, status=403)


def _on_request_supplement(dossier, inputs, *, now, role, actor):
    _check_turn(dossier, role, actor)
    fields = _pause(dossier, now)
    fields["completion_items"] = inputs["items"]
    return _outcome(fields, {})


def _on_supply(dossier, inputs, *, now, role, actor):
    fields, data = _resume(dossier, now)
    fields["completion_items"] = []
    return _outcome(fields, data)


def _on_require_payment(dossier, inputs, *, now, role, actor):
    from .payments import compute_fees
    from .processing_models import Payment

    _check_turn(dossier, role, actor)
    lines, total = compute_fees(procedure=dossier.procedure, fees=inputs["fees"])
    Payment.objects.filter(dossier=dossier, state=Payment.State.PENDING).update(state=Payment.State.CANCELLED)
    Payment.objects.create(dossier=dossier, items=lines, total_vnd=total)
    return _outcome(_pause(dossier, now), {"fees": lines, "total_vnd": total})


def _on_pay(dossier, inputs, *, now, role, actor):
    from .payments import method_for_role
    from .processing_models import Payment

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
    return _outcome(fields, data)


def _on_stop(dossier, inputs, *, now, role, actor):
    from opendvc.workflow.models import StepRun
    from opendvc.workflow.services import steps_finish

    steps_finish(dossier=dossier, now=now, actor=actor, outcome=StepRun.Outcome.STOPPED)
    cls = on_time_class(finished_at=now, due_at=dossier.due_at)
    return _outcome({"on_time_class": cls, "paused_at": None}, {"on_time_class": cls})


def _on_approve(dossier, inputs, *, now, role, actor):
    from opendvc.workflow.models import StepRole
    from opendvc.workflow.services import steps_advance_to

    uploaded = _claim_result_files(dossier, inputs.get("result_files") or [], actor)
    run = steps_advance_to(dossier=dossier, role=StepRole.RECEIVING_OFFICER, now=now, actor=actor)
    data = {"result_files": uploaded}
    if run is not None:
        data["step"] = run.name
    return _outcome({}, data)


def _claim_result_files(dossier, ids: list, actor) -> list[str]:
    """Uploaded result files (``POST /files`` ids of the approving leader) become result documents."""
    from django.utils import timezone

    from .models import DossierDocument, Upload

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


def _on_return_result(dossier, inputs, *, now, role, actor):
    from opendvc.workflow.services import steps_finish

    from .returns import method_for

    method = method_for(key=inputs["method"], role=role)
    record = method.clean(dossier=dossier, inputs=inputs, role=role)
    steps_finish(dossier=dossier, now=now, actor=None if role == Role.SYSTEM else actor)
    cls = on_time_class(finished_at=now, due_at=dossier.due_at)
    return _outcome({"on_time_class": cls}, {**record, "on_time_class": cls})


HANDLERS = {
    Action.START_PROCESSING: _on_start_processing,
    Action.REQUEST_SUPPLEMENT: _on_request_supplement,
    Action.SUPPLY: _on_supply,
    Action.REQUIRE_PAYMENT: _on_require_payment,
    Action.PAY: _on_pay,
    Action.STOP: _on_stop,
    Action.APPROVE: _on_approve,
    Action.RETURN_RESULT: _on_return_result,
}

NOTIFY_TEMPLATES = {
    Action.REQUEST_SUPPLEMENT: "dossier_supplement_requested",
    Action.REQUIRE_PAYMENT: "dossier_payment_required",
    Action.STOP: "dossier_stopped",
    Action.APPROVE: "dossier_result_ready",
}

PDF_DOCUMENTS = frozenset({Document.SUPPLEMENT_NOTICE, Document.PAYMENT_RECEIPT, Document.STOP_NOTICE,
                           Document.RESULT, Document.DELIVERY_RECORD})

PDF_TEMPLATES = {
    Document.SUPPLEMENT_NOTICE: "dossiers/pdf/supplement_notice.html",
    Document.PAYMENT_RECEIPT: "dossiers/pdf/payment_receipt.html",
    Document.STOP_NOTICE: "dossiers/pdf/stop_notice.html",
    Document.RESULT: "dossiers/pdf/result.html",
    Document.DELIVERY_RECORD: "dossiers/pdf/delivery_record.html",
    Document.APOLOGY: "dossiers/pdf/apology.html",
}


def register() -> None:
    """Plug the part-2 handlers, notifications and documents into the transition service."""
    from . import documents, services

    services.HANDLERS.update(HANDLERS)
    services.NOTIFY_TEMPLATES.update(NOTIFY_TEMPLATES)
    services.PDF_DOCUMENTS = services.PDF_DOCUMENTS | PDF_DOCUMENTS
    documents.TEMPLATES.update(PDF_TEMPLATES)
    if document_extras not in documents.CONTEXT_EXTRAS:
        documents.CONTEXT_EXTRAS.append(document_extras)


def result_template(procedure) -> str:
    """The HTML template of a procedure's result: ``dossiers/results/<procedure code>.html`` when the
    portal ships or an agency adds one (e.g. the layout of a certificate), else the default."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    name = f"dossiers/results/{procedure.code}.html"
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return "dossiers/results/default.html"
    return name


def document_extras(*, dossier, event) -> dict[str, Any]:
    """Context of the part-2 documents: the delivery method's label, the apology's dates."""
    from opendvc.worktime import parse_instant

    from .returns import METHODS

    data = event.data or {}
    out: dict[str, Any] = {}
    method = METHODS.get(data.get("method") or "")
    if method is not None:
        out["method_label"] = method.label
    if event.action == Action.APPROVE:
        out["result_template"] = result_template(dossier.procedure)
    for key in ("original_due_at", "new_due_at"):
        if data.get(key):
            out[key] = parse_instant(data[key])
    return out
