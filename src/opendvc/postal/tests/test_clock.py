"""The 24-hour hand-over rule (Regulation QĐ 31/2020/QĐ-UBND Art. 15.2; QĐ 45/2016/QĐ-TTg) on the
portal's real working calendar: the hours of days off (weekends, Tết) do not count."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import translation

from opendvc.postal import clock
from opendvc.worktime import VN_TZ, default_calendar, is_working_day

pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_friday_afternoon_is_due_monday_at_the_same_hour():
    ready = at(2026, 12, 4, 15, 0)  # a Friday
    assert not is_working_day(date(2026, 12, 5), calendar=default_calendar()) and not is_working_day(date(2026, 12, 6), calendar=default_calendar())
    assert clock.return_due(ready_at=ready, inside_province=True) == at(2026, 12, 7, 15, 0)


def test_a_weekday_result_is_due_the_next_day():
    assert clock.return_due(ready_at=at(2026, 12, 2, 9, 30), inside_province=True) == at(
        2026, 12, 3, 9, 30
    )


def test_the_day_before_tet_is_due_after_the_holiday():
    # Tết Bính Ngọ: the calendar has 14–22/02/2026 off; a result ready on Friday 13/02 at 10:00 has 14
    # hours that day and 10 on the first working day after Tết.
    assert all(not is_working_day(date(2026, 2, d), calendar=default_calendar()) for d in range(14, 23))
    assert is_working_day(date(2026, 2, 23), calendar=default_calendar())
    assert clock.return_due(ready_at=at(2026, 2, 13, 10, 0), inside_province=True) == at(
        2026, 2, 23, 10, 0
    )


def test_ready_on_a_day_off_starts_on_the_next_working_day():
    # Saturday 05/12/2026: the clock starts Monday 00:00 and ends at the close of Monday.
    due = clock.return_due(ready_at=at(2026, 12, 5, 10, 0), inside_province=True)
    assert due == at(2026, 12, 8, 0, 0)


def test_outside_the_province_follows_its_own_setting(settings):
    ready = at(2026, 12, 4, 15, 0)
    assert clock.return_due(ready_at=ready, inside_province=False) == at(2026, 12, 9, 15, 0)  # 72 h
    settings.POSTAL_OUTSIDE_RETURN_HOURS = 0
    assert clock.return_due(ready_at=ready, inside_province=False) is None


def test_the_clock_state_alert_and_overdue_mark():
    due = at(2026, 12, 7, 15, 0)
    assert clock.clock_state(due_at=due, now=at(2026, 12, 4, 16, 0)) == "on_time"
    # Saturday and Sunday do not count: on Friday at 23:00 there are still 16 hours left.
    assert clock.hours_left(due_at=due, now=at(2026, 12, 4, 23, 0)) == 16
    assert clock.clock_state(due_at=due, now=at(2026, 12, 7, 12, 0)) == "due_soon"
    assert clock.clock_state(due_at=due, now=at(2026, 12, 7, 15, 1)) == "overdue"
    assert clock.describe_left(due_at=due, now=at(2026, 12, 7, 16, 5)) == "quá hạn 1 giờ 05 phút"
    with translation.override("en"):
        assert clock.describe_left(due_at=due, now=at(2026, 12, 7, 16, 5)) == "overdue by 1 h 05 min"
    assert (
        clock.clock_state(due_at=due, now=at(2026, 12, 8, 9), finished_at=at(2026, 12, 7, 14))
        == "on_time"
    )
    assert (
        clock.clock_state(due_at=due, now=at(2026, 12, 8, 9), finished_at=at(2026, 12, 7, 16))
        == "late"
    )
