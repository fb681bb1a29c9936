"""Properties that must hold for every instant and amount (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from opendvc.worktime.calendar import (
    VN_TZ,
    WorkCalendar,
    add_working_time,
    next_opening,
    working_hours_between,
)


def naive_add_working_days(start: datetime, days: int, *, calendar: WorkCalendar) -> datetime:
    """An independent reference: walk day by day and period by period with timedeltas."""
    periods = [
        (
            datetime.combine(datetime.min, a) - datetime.min,
            datetime.combine(datetime.min, b) - datetime.min,
        )
        for a, b in calendar.periods
    ]
    remaining = sum((b - a for a, b in periods), timedelta()) * days
    day = start.date()
    clock = start - datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    while True:
        if calendar.is_working_day(day):
            for opening, closing in periods:
                begin = max(opening, clock)
                if begin >= closing:
                    continue
                if remaining <= closing - begin:
                    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ) + begin + remaining
                remaining -= closing - begin
        day += timedelta(days=1)
        clock = timedelta()


CAL = WorkCalendar.from_rules(years=range(2020, 2036))
AGENCY_CAL = CAL.with_office_hours([["07:00", "11:00"], ["13:30", "16:30"], ["18:00", "19:15"]])

EPOCH = datetime(2021, 1, 1, tzinfo=VN_TZ)
# Any minute of 2021–2033, with a bias towards the interesting clock times.
starts = st.one_of(
    st.integers(0, 13 * 365 * 24 * 60).map(lambda m: EPOCH + timedelta(minutes=m)),
    st.tuples(
        st.integers(0, 13 * 365),
        st.sampled_from([7 * 60 + 30, 11 * 60 + 30, 12 * 60, 13 * 60, 17 * 60]),
    ).map(lambda p: EPOCH + timedelta(days=p[0], minutes=p[1])),
)
# Quarter hours up to ~ 60 working days.
hour_amounts = st.integers(0, 480 * 4).map(lambda q: Fraction(q, 4))
calendars = st.sampled_from([CAL, AGENCY_CAL])

SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(calendars, starts, hour_amounts, hour_amounts)
def test_adding_a_then_b_equals_adding_a_plus_b(cal, t, a, b):
    once = add_working_time(t, a + b, "working_hours", calendar=cal)
    twice = add_working_time(
        add_working_time(t, a, "working_hours", calendar=cal), b, "working_hours", calendar=cal
    )
    assert once == twice


@SETTINGS
@given(calendars, starts, hour_amounts)
def test_between_start_and_added_is_the_amount(cal, t, h):
    due = add_working_time(t, h, "working_hours", calendar=cal)
    assert working_hours_between(t, due, calendar=cal) == Decimal(h.numerator) / Decimal(
        h.denominator
    )


@SETTINGS
@given(calendars, starts, hour_amounts.filter(lambda h: h > 0))
def test_result_is_inside_office_hours_or_a_period_close(cal, t, h):
    due = add_working_time(t, h, "working_hours", calendar=cal)
    assert cal.is_working_day(due.date())
    clock = due.timetz().replace(tzinfo=None)
    assert any(opening < clock <= closing for opening, closing in cal.periods)
    assert due > t


@SETTINGS
@given(calendars, starts, st.integers(0, 3 * 24 * 60), hour_amounts)
def test_monotonic_in_the_start(cal, t, later_minutes, h):
    t2 = t + timedelta(minutes=later_minutes)
    assert add_working_time(t, h, "working_hours", calendar=cal) <= add_working_time(
        t2, h, "working_hours", calendar=cal
    )


@SETTINGS
@given(calendars, starts, st.integers(1, 60))
def test_indexed_days_match_the_day_by_day_walk(cal, t, n):
    assert add_working_time(t, n, "working_days", calendar=cal) == naive_add_working_days(
        t, n, calendar=cal
    )


@SETTINGS
@given(starts, st.integers(1, 60))
def test_end_of_day_rule_ends_at_a_close_on_the_nth_working_day_after(t, n):
    due = add_working_time(t, n, "working_days", rule="end-of-day", calendar=CAL)
    assert due.timetz().replace(tzinfo=None) == CAL.periods[-1][1]
    day, counted = t.date(), 0
    while day < due.date():
        day += timedelta(days=1)
        counted += CAL.is_working_day(day)
    assert counted == n and CAL.is_working_day(due.date())


@SETTINGS
@given(starts, st.integers(0, 120))
def test_calendar_days_never_earlier_than_the_same_clock_time(t, n):
    due = add_working_time(t, n, "calendar_days", calendar=CAL)
    assert due >= t + timedelta(days=n)
    assert CAL.is_working_day(due.date())


@SETTINGS
@given(starts, starts)
def test_between_is_antisymmetric(a, b):
    assert working_hours_between(a, b, calendar=CAL) == -working_hours_between(b, a, calendar=CAL)


# Mondays of 2021–2034 (2021-01-04 is one).
mondays = st.integers(0, 13 * 52).map(lambda w: date(2021, 1, 4) + timedelta(weeks=w))


@SETTINGS
@given(calendars, mondays, st.integers(1, 120), st.sampled_from(["working-hours", "end-of-day"]))
def test_a_time_limit_in_working_hours_does_not_depend_on_the_monday_it_is_counted_from(
    cal, monday, days, rule
):
    """``workflow.services.statutory_hours`` turns a procedure's time limit into working hours by
    counting it from the opening of one fixed Monday (``REFERENCE_MONDAY``, 9 March 2026), so that the
    total does not change with the day the process is edited. A fixed date is right, not a shortcut:
    any Monday gives the same total, holidays, Tết, make-up days and the end-of-day rule included,
    because the deadline and the hours between skip the same days."""

    def total(day: date) -> Decimal:
        start = next_opening(day, calendar=cal)
        end = add_working_time(start, days, "working_days", rule=rule, calendar=cal)
        return working_hours_between(start, end, calendar=cal)

    assert total(monday) == total(date(2026, 3, 9))
