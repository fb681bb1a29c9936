"""Reads of the calendar: the cached default calendar, agency calendars and the yearly overview."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from opendvc.agencies.models import Agency

from .calendar import (
    MAX_YEAR,
    MIN_YEAR,
    DayOverride,
    WorkCalendar,
    WorktimeError,
    parse_office_hours,
)
from .models import CalendarDay, CalendarVersion, SeededYear

VERSION_CACHE_KEY = "worktime:calendar-version"
VERSION_CACHE_SECONDS = 30

_lock = threading.Lock()
_cached: dict[str, Any] = {"version": None, "calendar": None, "agencies": {}}


def calendar_version() -> int:
    """The current calendar version (shared cache first, then the database)."""
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        row = CalendarVersion.objects.filter(id=1).values_list("version", flat=True).first()
        version = row or 0
        cache.set(VERSION_CACHE_KEY, version, VERSION_CACHE_SECONDS)
    return version


def invalidate_cache() -> None:
    """Forget the cached calendars and version (called by every change of the calendar)."""
    cache.delete(VERSION_CACHE_KEY)
    with _lock:
        _cached["version"] = None
        _cached["calendar"] = None
        _cached["agencies"] = {}


def build_calendar(*, version: int | None = None) -> WorkCalendar:
    """A fresh calendar from the database rows (no cache)."""
    seeded = list(SeededYear.objects.values_list("year", flat=True))
    overrides = [
        DayOverride(row.date, row.kind, row.name, row.reason, row.source)
        for row in CalendarDay.objects.all().only("date", "kind", "name", "reason", "source")
    ]
    if version is None:
        version = (
            CalendarVersion.objects.filter(id=1).values_list("version", flat=True).first() or 0
        )
    return WorkCalendar(overrides=overrides, seeded_years=seeded, version=version)


def default_calendar() -> WorkCalendar:
    """The portal's calendar with the default office hours, rebuilt when the version changes."""
    version = calendar_version()
    current = _cached["calendar"]
    if current is not None and _cached["version"] == version:
        return current
    calendar = build_calendar(version=version)
    with _lock:
        _cached["version"] = version
        _cached["calendar"] = calendar
        _cached["agencies"] = {}
    return calendar


def calendar_for_agency(agency: Any) -> WorkCalendar:
    """The portal's calendar with the agency's own office hours (``Agency.office_hours``; empty → default).

    Raises :class:`WorktimeError` ``invalid_office_hours`` when the agency's hours are malformed.
    """
    base = default_calendar()
    hours = getattr(agency, "office_hours", None) or []
    if not hours:
        return base
    key = tuple(tuple(p) for p in hours)
    agencies = _cached["agencies"]
    found = agencies.get(key)
    if found is not None and found.version == base.version:
        return found
    calendar = base.with_office_hours(parse_office_hours(hours))
    agencies[key] = calendar
    return calendar


def agency_by_code(code: str):
    """The active agency with that code, or :class:`WorktimeError` ``unknown_agency``."""
    agency = Agency.objects.filter(code=(code or "").strip()).first()
    if agency is None:
        raise WorktimeError(
            "unknown_agency", _("Không tìm thấy cơ quan có mã %(code)s.") % {"code": repr(code)}
        )
    return agency


@dataclass(frozen=True)
class DayCell:
    day: date
    working: bool
    weekend: bool
    name: str
    source: str  # "week", "rules", "seed" or "admin"
    reason: str


@dataclass(frozen=True)
class MonthView:
    month: int
    leading_blanks: int  # Monday-first grid
    days: list[DayCell]

    @property
    def blanks(self) -> range:
        return range(self.leading_blanks)


def year_overview(year: int, *, calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """Everything the yearly calendar page shows: months of day cells, the special days with their
    origin (seeded, edited, or computed from the rules because the year was never seeded)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WorktimeError(
            "date_out_of_range",
            _("Năm phải nằm trong khoảng %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    cal = calendar or default_calendar()
    rows = {
        r.date: r for r in CalendarDay.objects.filter(date__year=year).select_related("updated_by")
    }
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        cells = []
        day = first
        while day.month == month:
            info = cal.day_info(day)
            row = rows.get(day)
            cells.append(
                DayCell(
                    day=day,
                    working=info.working,
                    weekend=day.weekday() >= 5,
                    name=info.name,
                    source=row.source if row else ("rules" if info.source == "rules" else "week"),
                    reason=row.reason if row else "",
                )
            )
            day += timedelta(days=1)
        months.append(MonthView(month, first.weekday(), cells))
    specials = list(cal.overrides_in_year(year))
    return {
        "year": year,
        "seeded": year in cal.seeded_years,
        "months": months,
        "specials": specials,
        "rows": rows,
        "working_days": sum(1 for m in months for c in m.days if c.working),
        "version": cal.version,
    }
