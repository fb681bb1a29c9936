"""Working time: every deadline of the portal is computed here and nowhere else.

Import the functions from here::

    from opendvc.worktime import add_working_time, working_hours_between, is_working_day, next_opening

Every computation takes the calendar from its caller (``calendar=`` is required; nothing here reads
the database on its own): ``default_calendar()`` is the portal's calendar from the database (cached,
refreshed when an administrator changes a day), ``calendar_for_agency(agency)`` adds an agency's
office hours.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .calendar import (
    DEFAULT_OFFICE_HOURS,
    RULES,
    UNITS,
    VN_TZ,
    DayInfo,
    DayOverride,
    Explanation,
    ExplanationItem,
    WorkCalendar,
    WorktimeError,
    add_working_time,
    explain_add,
    is_working_day,
    next_opening,
    parse_instant,
    same_day_due,
    to_local,
    working_day_count,
    working_hours_between,
)

if TYPE_CHECKING:
    from opendvc.agencies.models import Agency


def timeliness(*, done_at: datetime, due_at: datetime) -> str:
    """The one rule of "trước hạn / đúng hạn / trễ hạn" (``early`` / ``on_time`` / ``late``) of work done
    at ``done_at`` against its due instant ``due_at``: late after the due instant; early when done on an
    earlier day than the due day; on time otherwise. Days are read in Asia/Ho_Chi_Minh whatever zone the
    instants carry (a dossier due 16:00 and finished 06:30 the same local day is on time, although 06:30
    is still the previous day in UTC). Dossiers, their internal steps, the lists, the public results and
    the figures all take the class from here (DOMAIN: frozen when handling ends)."""
    if done_at > due_at:
        return "late"
    return "early" if to_local(done_at).date() < to_local(due_at).date() else "on_time"


def default_calendar() -> WorkCalendar:
    """The portal's calendar (database overrides + holidays rules + default office hours)."""
    # The rules above are imported while settings and models load; the database-backed calendar only
    # once the app registry is ready.
    from .selectors import default_calendar as _default

    return _default()


def calendar_for_agency(agency: Agency | Any) -> WorkCalendar:
    """The portal's calendar with ``agency.office_hours`` (or the default hours when it has none)."""
    # Once the app registry is ready (see default_calendar above).
    from .selectors import calendar_for_agency as _for_agency

    return _for_agency(agency)


__all__ = [
    "timeliness",
    "DEFAULT_OFFICE_HOURS",
    "RULES",
    "UNITS",
    "VN_TZ",
    "DayInfo",
    "DayOverride",
    "Explanation",
    "ExplanationItem",
    "WorkCalendar",
    "WorktimeError",
    "add_working_time",
    "calendar_for_agency",
    "default_calendar",
    "explain_add",
    "is_working_day",
    "next_opening",
    "parse_instant",
    "same_day_due",
    "to_local",
    "working_day_count",
    "working_hours_between",
]
