"""The appointment printed on the receipt (*ngày hẹn trả kết quả*, Decree 61/2018/NĐ-CP Art. 19).

A procedure with a statutory time gets its appointment from the working-time engine
(``due_for``); the officer cannot change it. A procedure whose legal text states no time
(many do, e.g. certifications) needs the receiving officer to set the appointment: the engine proposes
one (``DOSSIER_APPOINTMENT_DEFAULT_WORKING_DAYS`` working days after intake, configurable) and refuses
an instant that is not inside office hours of a working day (Regulation Art. 13.4; Labour Code 2019
Art. 112) or not after the intake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting
from opendvc.worktime import (
    WorktimeError,
    add_working_time,
    calendar_for_agency,
    parse_instant,
    same_day_due,
    to_local,
)
from opendvc.worktime.calendar import MAX_YEAR, MIN_YEAR

from .models import CHANNEL_METHOD, Dossier

# "16:00 09/12/2026" (the way pages show an instant) besides what ``worktime.parse_instant`` reads.
_TIME_FIRST = re.compile(r"^(\d{1,2}):(\d{2})\s+(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4})$")
_DATE_ONLY = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})$")


def due_for(dossier: Dossier, received_at: datetime) -> tuple[datetime | None, int]:
    """The appointment for a dossier received at ``received_at``: the procedure version's time for the
    dossier's channel, counted on the receiving agency's calendar (worktime). ``None`` when the
    procedure states no time.

    A time in working days follows the procedure's ``working_day_rule``: N × 8 working hours from the
    intake (the default), or the close of the N-th working day after the day of intake (Civil Code 2015
    Art. 147: the first day is not counted; Art. 148: the period ends at the end of its last day). A
    fraction of a working day has no "end of day" and is always counted in working hours."""
    calendar = calendar_for_agency(dossier.receiving_agency)
    snapshot = dossier.procedure_version.snapshot if dossier.procedure_version_id else {}
    methods = snapshot.get("methods") or [
        {
            "method": m.method,
            "time_amount": m.time_amount,
            "time_unit": m.time_unit,
            "cutoff": m.cutoff.strftime("%H:%M") if m.cutoff else None,
        }
        for m in dossier.procedure.methods.all()
    ]
    wanted = CHANNEL_METHOD.get(dossier.channel, "online")
    timed = [m for m in methods if m.get("time_amount") is not None and m.get("time_unit")]
    method = next((m for m in timed if m.get("method") == wanted), None) or (
        timed[0] if timed else None
    )
    if method is None:
        return None, calendar.version
    amount = Decimal(str(method["time_amount"]))
    if amount == 0:
        return same_day_due(
            received_at, cutoff=method.get("cutoff") or time(15, 0), calendar=calendar
        ), calendar.version
    whole = amount == amount.to_integral_value()
    value = int(amount) if whole else amount
    rule = dossier.procedure.working_day_rule if whole else "working-hours"
    return add_working_time(
        received_at, value, method["time_unit"], rule=rule, calendar=calendar
    ), calendar.version


@dataclass(frozen=True)
class Appointment:
    """The appointment proposed for a dossier received at ``at``: ``statutory`` when it comes from the
    procedure's time (fixed), else a default the officer may change."""

    due_at: datetime
    statutory: bool
    calendar_version: int

    @property
    def text(self) -> str:
        """As the input field takes it back: ``dd/mm/yyyy HH:MM`` in local time."""
        return to_local(self.due_at).strftime("%d/%m/%Y %H:%M")


def _calendar(dossier):
    return calendar_for_agency(dossier.receiving_agency)


def appointment_propose(*, dossier, at: datetime) -> Appointment:
    """The appointment for ``dossier`` received at ``at``: the statutory one, or the default
    (``appointment_default``)."""
    due, version = due_for(dossier, at)
    if due is not None:
        return Appointment(due, True, version)
    return Appointment(appointment_default(agency=dossier.receiving_agency, at=at), False, version)


def appointment_default(*, agency, at: datetime) -> datetime:
    """The proposal when the procedure states no time: ``DOSSIER_APPOINTMENT_DEFAULT_WORKING_DAYS``
    working days after ``at`` on ``agency``'s calendar, to the minute."""
    days = settings.DOSSIER_APPOINTMENT_DEFAULT_WORKING_DAYS
    due = add_working_time(at, days, "working_days", calendar=calendar_for_agency(agency))
    return to_local(due).replace(second=0, microsecond=0)


def _problem(message: str, path: str = "due_at") -> ProblemError:
    return ProblemError(
        "validation_error", message, extra={"errors": [{"path": path, "message": message}]}
    )


def _hours_text(calendar) -> str:
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in calendar.periods)


def local_in_range(value: datetime) -> datetime | None:
    """``value`` in Asia/Ho_Chi_Minh, or ``None`` when it falls outside the years the working calendar
    covers (``MIN_YEAR``–``MAX_YEAR``): no appointment can be counted or printed there, and an instant
    such as 31/12/9999 23:59 UTC is not even a date in local time."""
    try:
        local = to_local(value)
    except ValueError:
        # ``WorktimeError("date_out_of_range")``: Vietnam's time of it is not a datetime at all.
        return None
    return local if MIN_YEAR <= local.year <= MAX_YEAR else None


def _out_of_range(path: str) -> ProblemError:
    return _problem(
        _("Ngày hẹn trả phải nằm trong khoảng từ năm %(min)s đến năm %(max)s.")
        % {"min": MIN_YEAR, "max": MAX_YEAR},
        path,
    )


def appointment_parse(*, value: Any, dossier, path: str = "due_at") -> datetime:
    """The instant the officer typed: ``dd/mm/yyyy HH:MM``, ``HH:MM dd/mm/yyyy`` or ISO 8601; a date
    alone means the close of office hours that day. 422 ``validation_error`` (at ``path``: the receipt's
    ``due_at``, the apology's ``new_due_at``) when it cannot be read or lies outside the years of the
    working calendar (also when the API already read it as a datetime)."""
    if isinstance(value, datetime):
        local = local_in_range(value)
        if local is None:
            raise _out_of_range(path)
        return local
    text = " ".join(str(value or "").split())
    try:
        local = _parse_text(text, dossier)
    except WorktimeError as exc:
        if exc.code == "date_out_of_range":
            # An ISO instant whose offset carries it past year 9999 (or before year 1) in local time,
            # as the working calendar tells it (``worktime.to_local``).
            raise _out_of_range(path) from exc
        raise _unreadable(text, path) from exc
    except ValueError as exc:
        raise _unreadable(text, path) from exc
    if local_in_range(local) is None:
        raise _out_of_range(path)
    return local


def _unreadable(text: str, path: str) -> ProblemError:
    return _problem(
        _(
            "Không đọc được ngày hẹn trả “%(value)s”; nhập theo dạng dd/mm/yyyy (hẹn lúc hết giờ làm "
            "việc ngày đó) hoặc dd/mm/yyyy giờ:phút, ví dụ 09/12/2026 hoặc 09/12/2026 16:00."
        )
        % {"value": text[:40]},
        path,
    )


def _parse_text(text: str, dossier) -> datetime:
    match = _TIME_FIRST.match(text)
    if match:
        hh, mi, day = match.groups()
        return parse_instant(f"{day} {int(hh):02d}:{mi}")
    if _DATE_ONLY.match(text):
        close = _calendar(dossier).periods[-1][1]
        day = parse_instant(text)
        return day.replace(hour=close.hour, minute=close.minute)
    return parse_instant(text)


def appointment_check(*, due_at: datetime, dossier, at: datetime) -> None:
    """Refuse an appointment not after ``at`` or outside working time of the receiving agency
    (``appointment_working_check``). 422 ``validation_error`` with a Vietnamese message (path
    ``due_at``)."""
    local = to_local(due_at)
    if local <= to_local(at):
        raise _problem(
            _("Ngày hẹn trả %(when)s đã qua; phải sau thời điểm tiếp nhận (%(now)s).")
            % {
                "when": local.strftime("%H:%M %d/%m/%Y"),
                "now": to_local(at).strftime("%H:%M %d/%m/%Y"),
            }
        )
    appointment_working_check(due_at=due_at, dossier=dossier)


def appointment_working_check(*, due_at: datetime, dossier, path: str = "due_at") -> None:
    """Refuse an appointment outside working time of the receiving agency: a weekend, a public holiday
    or compensatory day off, outside office hours (Regulation Art. 13.4; Labour Code 2019 Art. 112). The
    receipt's appointment and the apology's new one (Decree 61/2018/NĐ-CP Art. 19) are both days the
    applicant comes to the office. 422 ``validation_error`` with a Vietnamese message at ``path``."""
    calendar = _calendar(dossier)
    local = to_local(due_at)
    when = local.strftime("%H:%M %d/%m/%Y")
    try:
        info = calendar.day_info(local.date())
    except (WorktimeError, ValueError, IndexError) as exc:
        raise _problem(
            _("Ngày hẹn trả %(when)s nằm ngoài phạm vi lịch làm việc.") % {"when": when}, path
        ) from exc
    if not info.working:
        raise _problem(
            quoting(
                _("Ngày %(day)s là ngày nghỉ (%(reason)s); hãy hẹn trả vào một ngày làm việc."),
                # The calendar names its days off in Vietnamese (a holiday, a weekday).
                {"reason": info.reason},
                {"day": local.strftime("%d/%m/%Y")},
            ),
            path,
        )
    if not calendar.is_working_instant(local):
        raise _problem(
            _(
                "%(time)s ngày %(day)s nằm ngoài giờ làm việc (%(hours)s); hãy hẹn trả trong giờ làm "
                "việc."
            )
            % {
                "time": local.strftime("%H:%M"),
                "day": local.strftime("%d/%m/%Y"),
                "hours": _hours_text(calendar),
            },
            path,
        )


def appointment_for_receipt(*, dossier, at: datetime, given: Any = None) -> Appointment:
    """The appointment a receipt at ``at`` prints: the statutory one (``given`` is ignored), or the
    officer's ``given`` instant once checked. 422 when the procedure has no time and ``given`` is empty,
    unreadable or outside working time."""
    proposal = appointment_propose(dossier=dossier, at=at)
    if proposal.statutory:
        return proposal
    if given in (None, ""):
        raise ProblemError(
            "validation_error",
            _(
                "Thủ tục chưa quy định thời hạn giải quyết; hãy nhập ngày hẹn trả kết quả (đề xuất: %(proposal)s)."
            )
            % {"proposal": proposal.text},
            extra={
                "errors": [{"path": "due_at", "message": _("Phải nhập ngày hẹn trả kết quả.")}],
                "proposal": proposal.due_at.isoformat(),
            },
        )
    due = appointment_parse(value=given, dossier=dossier)
    appointment_check(due_at=due, dossier=dossier, at=at)
    return Appointment(due, False, proposal.calendar_version)


__all__ = [
    "Appointment",
    "appointment_check",
    "appointment_default",
    "appointment_for_receipt",
    "appointment_parse",
    "appointment_propose",
    "appointment_working_check",
    "local_in_range",
]
