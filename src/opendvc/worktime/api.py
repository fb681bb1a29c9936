"""Public API of the working-time engine: deadlines and the calendar, computed by the same functions
as everywhere else. Bad input → problem+json 400 with a stable ``code`` and, as every problem of the
API about its input, an ``errors`` list naming the query parameter at fault (``path``) with the
message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _
from ninja import Router, Schema

from opendvc.core.problems import ProblemError

from .calendar import (
    UNITS,
    WorktimeError,
    check_year,
    explain_add,
    format_hours,
    format_instant,
    parse_instant,
    working_hours_between,
)
from .selectors import agency_by_code, calendar_for_agency, default_calendar

router = Router(tags=["Thời gian làm việc"])


class ExplanationOut(Schema):
    date: str
    kind: str
    reason: str


class AddOut(Schema):
    start: str
    due: str
    unit: str
    amount: str
    rule: str
    calendar_version: int
    explanation: list[ExplanationOut]


class BetweenOut(Schema):
    start: str
    end: str
    working_hours: str
    calendar_version: int


class DayOut(Schema):
    date: str
    kind: str
    name: str
    source: str


class CalendarOut(Schema):
    year: int
    calendar_version: int
    days: list[DayOut]


def _problem(code: str, message: str, paths: list[str]) -> ProblemError:
    return ProblemError(
        code,
        message,
        status=400,
        extra={"errors": [{"path": path, "message": message} for path in paths]},
    )


@contextmanager
def _refused_at(path: str, **paths_by_code: str) -> Iterator[None]:
    """The engine's refusal inside, as a problem naming the parameter at fault: ``path``, or the one
    ``paths_by_code`` gives for the refusal's code."""
    try:
        yield
    except WorktimeError as exc:
        raise _problem(exc.code, exc.message, [paths_by_code.get(exc.code, path)]) from exc


def _instant(path: str, value: str):
    """A query parameter's instant, within the calendar's years."""
    with _refused_at(path):
        instant = parse_instant(value)
        check_year(instant)
    return instant


def _calendar(agency: str | None):
    if agency:
        return calendar_for_agency(agency_by_code(agency))
    return default_calendar()


@router.get("/add", response=AddOut, auth=None, summary="Tính thời hạn")
def add(
    request,
    start: str,
    working_days: str | None = None,
    working_hours: str | None = None,
    calendar_days: str | None = None,
    rule: str = "working-hours",
    agency: str | None = None,
):
    """Thời hạn tính từ `start` (ISO 8601; không có múi giờ thì hiểu là giờ Việt Nam) theo đúng một
    trong `working_days`, `working_hours`, `calendar_days`; `rule` = `working-hours` (mặc định) hoặc
    `end-of-day` (Bộ luật Dân sự 2015, Điều 147–148); `agency` = mã cơ quan để dùng giờ làm việc riêng."""
    given = {
        u: v
        for u, v in zip(UNITS, (working_hours, working_days, calendar_days), strict=False)
        if v not in (None, "")
    }
    if len(given) != 1:
        raise _problem(
            "invalid_unit",
            _("Cần đúng một trong các tham số working_days, working_hours, calendar_days."),
            list(given) or list(UNITS),
        )
    ((unit, amount),) = given.items()
    with _refused_at("agency"):
        calendar = _calendar(agency)
    begin = _instant("start", start)
    # What is left to refuse is the amount (or a result past the calendar's years), or the rule.
    with _refused_at(unit, invalid_rule="rule"):
        result = explain_add(begin, amount, unit, rule=rule, calendar=calendar)
    return {
        "start": format_instant(result.start),
        "due": format_instant(result.due),
        "unit": unit,
        "amount": amount.strip(),
        "rule": rule,
        "calendar_version": calendar.version,
        "explanation": [item.as_dict() for item in result.items],
    }


@router.get(
    "/between", response=BetweenOut, auth=None, summary="Số giờ làm việc giữa hai thời điểm"
)
def between(request, start: str, end: str, agency: str | None = None):
    with _refused_at("agency"):
        calendar = _calendar(agency)
    a, b = _instant("start", start), _instant("end", end)
    with _refused_at(""):
        hours = working_hours_between(a, b, calendar=calendar)
    return {
        "start": format_instant(a),
        "end": format_instant(b),
        "working_hours": format_hours(hours),
        "calendar_version": calendar.version,
    }


@router.get(
    "/calendar",
    response=CalendarOut,
    auth=None,
    summary="Ngày nghỉ và ngày làm việc bù của một năm",
)
def calendar_year(request, year: str):
    with _refused_at("year"):
        if not year.strip().isdigit():
            raise WorktimeError(
                "invalid_year", _("Năm không hợp lệ: %(year)s.") % {"year": repr(year)}
            )
        year_number = int(year)
        calendar = default_calendar()
        days = calendar.overrides_in_year(year_number)
    return {
        "year": year_number,
        "calendar_version": calendar.version,
        "days": [
            {"date": d.day.isoformat(), "kind": d.kind, "name": d.name, "source": d.source}
            for d in days
        ],
    }
