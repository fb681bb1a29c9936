"""Late handling: the apology with a new appointment (DOMAIN.md "Late dossiers").

The agency apologises before (or, failing that, after) the due instant passes, giving the reason and a
new date — chosen, or computed from the time the remaining process steps are allotted. The dossier keeps
its original ``due_at`` for statistics (late is late); the applicant sees ``appointment_at``. Decree
61/2018/NĐ-CP Art. 19.4 (Phiếu xin lỗi và hẹn lại ngày trả kết quả).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record
from opendvc.core.links import absolute_url
from opendvc.core.problems import ProblemError

from .lifecycle import FINISHING_STATES, Action, Document, Role, State
from .models import Dossier, DossierDocument, DossierEvent

APOLOGY_ROLES = frozenset({Role.LEADER, Role.RECEIVING_OFFICER})


def computed_appointment(dossier: Dossier, *, now: datetime) -> datetime:
    """Now plus the working time the open step and the later steps of the process are allotted."""
    from opendvc.workflow.services import HUNDRED, _total_hours, open_run, process_for
    from opendvc.worktime import add_working_time, calendar_for_agency

    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    run = open_run(dossier)
    start = run.position if run is not None else 0
    total = _total_hours(dossier)
    hours = sum((s.hours if s.hours is not None else total * (s.share or 0) / HUNDRED)
                for s in spec.steps[start:]) or Decimal(8)
    return add_working_time(now, hours, "working_hours", calendar=calendar_for_agency(dossier.receiving_agency))


def dossier_apologise(*, dossier: Dossier, actor, reason: str, new_due_at: datetime | str | None = None,
                      request=None) -> Dossier:
    """Issue the apology with a new appointment.

    Side effects in one transaction: ``appointment_at`` set (``due_at`` unchanged), a history line
    (``apology``), the PDF, the audit entry and the applicant's notification. Raises 403 for anyone but
    the agency's leaders and one-stop officers, 409 when the dossier is not open, 422 without a reason
    or with a new date not after the current appointment."""
    from opendvc.worktime import parse_instant, to_local

    from .documents import issue_document
    from .services import actor_roles

    reason = (reason or "").strip()
    errors = []
    if not reason:
        errors.append({"path": "reason", "message": _("Phải nêu lý do chậm trả kết quả.")})
    given = None
    if new_due_at not in (None, ""):
        try:
            given = to_local(new_due_at) if isinstance(new_due_at, datetime) else parse_instant(str(new_due_at))
        except (ValueError, TypeError, Exception):
            errors.append({"path": "new_due_at", "message": _("Ngày hẹn mới không hợp lệ (dd/mm/yyyy hoặc ISO 8601).")})
    issued: list[DossierDocument] = []
    try:
        with transaction.atomic():
            locked = Dossier.objects.select_for_update(of=("self",)).select_related(
                "procedure", "receiving_agency", "applicant").get(pk=dossier.pk)
            if not (actor_roles(dossier=locked, actor=actor) & APOLOGY_ROLES):
                raise ProblemError("permission_denied", _("Chỉ lãnh đạo hoặc bộ phận một cửa của cơ quan mới được "
                                                          "xin lỗi và hẹn lại ngày trả."), status=403)
            if locked.status in FINISHING_STATES or locked.due_at is None or locked.status in (
                    State.DRAFT, State.SUBMITTED, State.RETURNED_FOR_COMPLETION):
                raise ProblemError("conflict", _("Hồ sơ %(code)s không còn đang giải quyết; không thể hẹn lại.")
                                   % {"code": locked.code or ""}, status=409, extra={"state": locked.status})
            now = timezone.now()
            current = locked.appointment_at or locked.due_at
            if given is not None and given <= max(current, now):
                errors.append({"path": "new_due_at", "message": _("Ngày hẹn mới phải sau ngày hẹn hiện tại (%(d)s).")
                               % {"d": to_local(current).strftime("%H:%M %d/%m/%Y")}})
            if errors:
                raise ProblemError("validation_error", _("Thiếu hoặc sai thông tin của phiếu xin lỗi."),
                                   extra={"errors": errors})
            new = given or max(computed_appointment(locked, now=now), current)
            locked.appointment_at = new
            locked.save(update_fields=["appointment_at", "updated_at"])
            event = DossierEvent.objects.create(
                dossier=locked, at=now, actor=actor, actor_label=(actor.full_name or str(actor))[:200],
                actor_role=sorted(actor_roles(dossier=locked, actor=actor) & APOLOGY_ROLES)[0],
                action=Action.APOLOGY, from_state=locked.status, to_state=locked.status, note=reason,
                data={"reason": reason, "original_due_at": locked.due_at.isoformat(), "new_due_at": new.isoformat(),
                      "previous_appointment": current.isoformat(), "after_due": now > locked.due_at,
                      "chosen": given is not None},
            )
            issued.append(issue_document(dossier=locked, event=event, kind=Document.APOLOGY))
            audit_record(actor=actor, action="dossier.apology", target=locked,
                         changes={"appointment_at": new.isoformat(), "due_at": locked.due_at.isoformat()},
                         request=request)
            _notify_apology(locked, event, new)
    except BaseException:
        for doc in issued:
            doc.file.delete(save=False)
        raise
    return locked


def _notify_apology(dossier: Dossier, event: DossierEvent, new: datetime) -> None:
    from opendvc.notifications.services import notify
    from opendvc.worktime import to_local

    notify(template="dossier_apology", recipient=dossier.applicant, context={
        "code": dossier.code or "", "procedure": dossier.procedure.name, "agency": dossier.receiving_agency.name,
        "reason": event.note, "new_due_at": to_local(new).strftime("%H:%M %d/%m/%Y"),
        "url": absolute_url("dossiers:mine_detail", args=[dossier.public_id]),
    })
