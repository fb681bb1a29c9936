"""Working time: every deadline of the portal is computed here and nowhere else.

Import the functions from here::

    from opendvc.worktime import add_working_time, working_hours_between, is_working_day, next_opening

``calendar=None`` uses the portal's calendar from the database (cached, refreshed when an
administrator changes a day); pass ``calendar_for_agency(agency)`` for an agency's office hours.
"""

from __future__ import annotations

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


def default_calendar() -> WorkCalendar:
    """The portal's calendar (database overrides + holidays rules + default office hours)."""
    from .selectors import default_calendar as _default

    return _default()


def calendar_for_agency(agency: Agency | Any) -> WorkCalendar:
    """The portal's calendar with ``agency.office_hours`` (or the default hours when it has none)."""
    from .selectors import calendar_for_agency as _for_agency

    return _for_agency(agency)


__all__ = [
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
