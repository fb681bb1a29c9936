"""Late handling: the apology with a new appointment (DOMAIN.md "Late dossiers").

The agency apologises before (or, failing that, after) the due instant passes, giving the reason and a
new date — chosen, or computed from the time the remaining process steps are allotted. The dossier keeps
its original ``due_at`` for statistics (late is late); the applicant sees ``appointment_at``. Decree
61/2018/NĐ-CP Art. 19.4 (Phiếu xin lỗi và hẹn lại ngày trả kết quả). The apology is the ``apology`` row
of the action table (``transitions``): it does not move the state.

The appointment is set again at most once (Decree 61/2018/NĐ-CP Art. 19 as amended by Decree
107/2021/NĐ-CP: "việc hẹn lại ngày trả kết quả được thực hiện không quá một lần"): a dossier that has
its new appointment (``appointment_at``, set only here) cannot be apologised for again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import Outcome
from opendvc.workflow.models import JobMark
from opendvc.workflow.services import (
    HUNDRED,
    LISTED,
    leader_ids_by_department,
    open_run,
    process_for,
    send_grouped,
    total_hours,
)
from opendvc.worktime import add_working_time, calendar_for_agency, to_local

from ..appointments import appointment_parse, appointment_working_check
from ..lifecycle import OPEN_STATES, Role
from ..models import Dossier

APOLOGY_ROLES = frozenset({Role.LEADER, Role.RECEIVING_OFFICER})


def computed_appointment(dossier, *, now: datetime) -> datetime:
    """Now plus the working time the open step and the later steps of the process are allotted."""
    spec = process_for(procedure=dossier.procedure, agency=dossier.receiving_agency)
    run = open_run(dossier)
    start = run.position if run is not None else 0
    total = total_hours(dossier)
    hours = sum(
        (s.hours if s.hours is not None else total * (s.share or 0) / HUNDRED)
        for s in spec.steps[start:]
    ) or Decimal(8)
    return add_working_time(
        now, hours, "working_hours", calendar=calendar_for_agency(dossier.receiving_agency)
    )


def apologised(dossier) -> bool:
    """Whether the dossier already has its one new appointment (``appointment_at`` is set only by the
    apology, and moved with the clock's pauses)."""
    return dossier.appointment_at is not None


def apology_refused(dossier) -> ProblemError:
    """409: the appointment was already set again once (Decree 107/2021/NĐ-CP)."""
    return ProblemError(
        "conflict",
        _(
            "Hồ sơ %(code)s đã được hẹn lại ngày trả kết quả (%(at)s). Việc hẹn lại chỉ được thực hiện "
            "không quá một lần (Nghị định 107/2021/NĐ-CP)."
        )
        % {"code": dossier.code or "", "at": to_local(dossier.appointment_at).strftime("%H:%M %d/%m/%Y")},
        status=409,
        extra={"state": dossier.status, "appointment_at": dossier.appointment_at.isoformat()},
    )


def _new_date(value, dossier) -> datetime:
    # Read as the receipt's appointment is: a date alone is the close of office hours that day.
    return appointment_parse(value=value, dossier=dossier, path="new_due_at")


def check_apology(dossier, inputs, *, now) -> list[dict[str, str]]:
    """The new date, when one is chosen, must be readable, within the years of the working calendar,
    after the current appointment, and inside the receiving agency's working time — the applicant comes
    back for the result that day, as on the receipt's appointment (``appointment_working_check``:
    no weekend, public holiday or hour outside office hours; Decree 61/2018/NĐ-CP Art. 19). A second
    apology is refused in ``on_apology`` (409), whatever its inputs."""
    if apologised(dossier):
        return []
    value = inputs.get("new_due_at")
    if value is None:
        return []
    try:
        given = _new_date(value, dossier)
        current = dossier.appointment_at or dossier.due_at
        if current is not None and given <= max(current, now):
            return [
                {
                    "path": "new_due_at",
                    "message": _("Ngày hẹn mới phải sau ngày hẹn hiện tại (%(d)s).")
                    % {"d": to_local(current).strftime("%H:%M %d/%m/%Y")},
                }
            ]
        appointment_working_check(due_at=given, dossier=dossier, path="new_due_at")
    except ProblemError as exc:
        return exc.extra["errors"]
    return []


def on_apology(dossier, inputs, *, now, role, actor) -> Outcome:
    """Set ``appointment_at`` (``due_at`` unchanged): the chosen date (``check_apology``) or the
    computed one. 409 when the dossier has no due date, or already has its one new appointment."""
    if apologised(dossier):
        raise apology_refused(dossier)
    if dossier.due_at is None:
        raise ProblemError(
            "conflict",
            _("Hồ sơ %(code)s không còn đang giải quyết; không thể hẹn lại.")
            % {"code": dossier.code or ""},
            status=409,
            extra={"state": dossier.status},
        )
    current = dossier.appointment_at or dossier.due_at
    given = (
        _new_date(inputs["new_due_at"], dossier) if inputs.get("new_due_at") is not None else None
    )
    new = given or max(computed_appointment(dossier, now=now), current)
    return Outcome(
        fields={"appointment_at": new},
        data={
            "reason": inputs["reason"],
            "original_due_at": dossier.due_at.isoformat(),
            "new_due_at": new.isoformat(),
            "previous_appointment": current.isoformat(),
            "after_due": now > dossier.due_at,
            "chosen": given is not None,
        },
        audit={"appointment_at": new.isoformat(), "due_at": dossier.due_at.isoformat()},
        notice={"new_due_at": to_local(new).strftime("%H:%M %d/%m/%Y")},
    )


def dossiers_escalate_overdue(*, now: datetime | None = None) -> int:
    """Open dossiers (received, processing, result ready — not paused) whose due instant passed since the
    previous pass: the leaders of each receiving agency get one message (the count and the most overdue
    ones). Each due instant passes once, so each dossier is told once per due date — again only if its
    due date moved later (the clock resumed after a pause) and passes again. Nothing is written on the
    dossiers: the pass keeps one time mark (``JobMark``), locked so that two workers do not both send.
    The first pass looks back ``FIRST_LOOKBACK``. Returns how many dossiers were reported."""
    now = now or timezone.now()
    with transaction.atomic():
        mark, _ = JobMark.objects.get_or_create(
            name="dossiers_overdue", defaults={"at": now - FIRST_LOOKBACK}
        )
        mark = JobMark.objects.select_for_update(skip_locked=True).filter(pk=mark.pk).first()
        if mark is None or mark.at >= now:
            return 0
        due = Dossier.objects.filter(
            status__in=list(OPEN_STATES),
            due_at__gt=mark.at,
            due_at__lte=now,
            paused_at__isnull=True,
        )
        counts = dict(
            due.order_by()
            .values_list("receiving_agency_id")
            .annotate(n=Count("id"))
            .values_list("receiving_agency_id", "n")
        )
        groups = {
            agency_id: list(
                due.filter(receiving_agency_id=agency_id)
                .order_by("due_at")
                .values_list("pk", "receiving_agency_id", "procedure__name", "due_at", "code")[
                    :LISTED
                ]
            )
            for agency_id in counts
        }
        send_grouped(
            template="dossier_overdue",
            recipients=leader_ids_by_department(set(counts)),
            groups=groups,
            totals=counts,
        )
        mark.at = now
        mark.save(update_fields=["at"])
    return sum(counts.values())


FIRST_LOOKBACK = timedelta(days=30)
