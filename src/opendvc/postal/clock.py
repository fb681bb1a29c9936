"""The postal hand-over clock (Regulation QĐ 31/2020/QĐ-UBND Art. 15.2; QĐ 45/2016/QĐ-TTg): the postal
service hands the result to the applicant within 24 hours of the result being ready for postal return.

The hours are counted on working days only, round the clock: the time of days off (weekends, Tết and the
other holidays, as the portal's working calendar says) does not count, the rest of a working day does.
A result ready on Friday at 15:00 is due on Monday at 15:00; one ready the day before Tết is due after
the holiday. Addresses outside the province get ``POSTAL_OUTSIDE_RETURN_HOURS`` on the same clock (0: no
deadline). The arithmetic is the working-time engine's (``opendvc.worktime``) on a calendar whose
"office hours" are the whole day.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.conf import settings

from opendvc.worktime import (
    WorkCalendar,
    add_working_time,
    default_calendar,
    timeliness,
    working_hours_between,
)

WHOLE_DAY = ((time(0, 0), time.max),)


_cache: dict[str, WorkCalendar] = {}


def postal_calendar() -> WorkCalendar:
    """The portal's working days, each worked for 24 hours (rebuilt when the calendar changes)."""
    base = default_calendar()
    found = _cache.get("calendar")
    if found is None or found.version != base.version:
        found = _cache["calendar"] = base.with_office_hours(WHOLE_DAY)
    return found


def allowed_hours(*, inside_province: bool) -> int:
    return int(
        settings.POSTAL_RETURN_HOURS if inside_province else settings.POSTAL_OUTSIDE_RETURN_HOURS
    )


def return_due(*, ready_at: datetime, inside_province: bool) -> datetime | None:
    """When a result ready at ``ready_at`` must be delivered; None when no deadline applies."""
    hours = allowed_hours(inside_province=inside_province)
    if hours <= 0:
        return None
    return add_working_time(ready_at, hours, "working_hours", calendar=postal_calendar())


def hours_left(*, due_at: datetime, now: datetime) -> Decimal:
    """Hours of the clock left until ``due_at`` (negative once overdue)."""
    return working_hours_between(now, due_at, calendar=postal_calendar())


def due_soon_threshold(now: datetime) -> datetime:
    """Deadlines up to this instant are "due soon": ``POSTAL_DUE_SOON_HOURS`` of the clock after ``now``."""
    return add_working_time(
        now, int(settings.POSTAL_DUE_SOON_HOURS), "working_hours", calendar=postal_calendar()
    )


def clock_state(
    *,
    due_at: datetime | None,
    now: datetime,
    finished_at: datetime | None = None,
    on_time_class: str = "",
    status: str = "",
) -> str:
    """``""`` without a deadline; ``early``/``on_time``/``late`` once delivered (frozen); while open
    ``overdue`` past the deadline, ``due_soon`` within ``POSTAL_DUE_SOON_HOURS`` of it, else ``on_time``.

    The deadline is one of delivering the result: an order that ended without delivery (``status``, the
    order's final state) has no on-time class — ``undelivered`` when the post returned the result to the
    one-stop office, ``""`` when the order was cancelled."""
    if due_at is None:
        return ""
    if finished_at is not None:
        if status == "returned_to_office":
            return "undelivered"
        if status and status != "delivered":
            return ""
        return on_time_class or timeliness(done_at=finished_at, due_at=due_at)
    if now > due_at:
        return "overdue"
    if due_at <= due_soon_threshold(now):
        return "due_soon"
    return "on_time"


def describe_left(*, due_at: datetime, now: datetime) -> str:
    """ "còn 5 giờ 30 phút" / "quá hạn 2 giờ 05 phút" — the clock as the queue shows it."""
    from django.utils.translation import gettext as _

    left = hours_left(due_at=due_at, now=now)
    minutes = int((abs(left) * 60).to_integral_value())
    h, m = divmod(minutes, 60)
    amount = _("%(h)d giờ %(m)02d phút") % {"h": h, "m": m}
    if left < 0:
        return _("quá hạn %(amount)s") % {"amount": amount}
    return _("còn %(amount)s") % {"amount": amount}
