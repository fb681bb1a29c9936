"""Known deadlines worked out by hand from the published calendar; each test says why it holds."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from opendvc.worktime.calendar import (
    VN_TZ,
    DayOverride,
    WorkCalendar,
    WorktimeError,
    add_working_time,
    explain_add,
    is_working_day,
    next_opening,
    rule_days,
    same_day_due,
    working_day_count,
    working_hours_between,
)

from .conftest import vn


def days(cal, start, n, rule="working-hours"):
    return add_working_time(start, n, "working_days", rule=rule, calendar=cal)


def hours(cal, start, n):
    return add_working_time(start, n, "working_hours", calendar=cal)


# -- Tết -------------------------------------------------------------------------------------------


def test_tet_2027_seven_days_off_are_skipped(vn_calendar):
    # 29 Tết (Thu 04/02) to Mùng năm (Wed 10/02/2027) are off; then Thu 11, Fri 12, Mon 15.
    assert days(vn_calendar, vn(2027, 2, 3, 10), 3) == vn(2027, 2, 15, 10)


def test_tet_2025_from_the_friday_before_lands_after_the_holiday_week(vn_calendar):
    # Sat 25 and Sun 26/01, Tết 27/01–01/02/2025 (Mùng bốn on Saturday), Sun 02/02 → Mon 03/02.
    assert days(vn_calendar, vn(2025, 1, 24, 9), 1) == vn(2025, 2, 3, 9)


def test_tet_explanation_names_every_skipped_day(vn_calendar):
    result = explain_add(vn(2027, 2, 3, 10), 3, "working_days", calendar=vn_calendar)
    reasons = {item.day: item.reason for item in result.skipped}
    assert result.due == vn(2027, 2, 15, 10)
    assert "Tết Nguyên Đán" in reasons[date(2027, 2, 8)]
    assert reasons[date(2027, 2, 4)] == "29 Tết"
    assert reasons[date(2027, 2, 13)] == "Thứ Bảy"
    assert reasons[date(2027, 2, 14)] == "Chủ nhật"
    assert date(2027, 2, 11) not in reasons and date(2027, 2, 12) not in reasons


# -- swapped Saturdays ------------------------------------------------------------------------------


def test_swapped_saturday_26_april_2025_is_a_working_day(vn_calendar):
    # Sat 26/04/2025 was worked in exchange for Fri 02/05/2025 off.
    assert is_working_day(date(2025, 4, 26), calendar=vn_calendar)
    assert not is_working_day(date(2025, 5, 2), calendar=vn_calendar)
    assert days(vn_calendar, vn(2025, 4, 25, 10), 1) == vn(2025, 4, 26, 10)


def test_swapped_friday_2_may_2025_extends_the_reunification_break(vn_calendar):
    # 30/04, 01/05 holidays, 02/05 swapped day off, 03–04/05 weekend → Mon 05/05.
    assert days(vn_calendar, vn(2025, 4, 29, 10), 1) == vn(2025, 5, 5, 10)


def test_swapped_saturday_explained_as_a_make_up_day(vn_calendar):
    result = explain_add(vn(2026, 8, 21, 10), 2, "working_days", calendar=vn_calendar)
    # Sat 22/08/2026 worked (for Mon 31/08): Fri 21 → Sat 22 → Mon 24.
    assert result.due == vn(2026, 8, 24, 10)
    make_up = [i for i in result.items if i.kind == "make_up"]
    assert [i.day for i in make_up] == [date(2026, 8, 22)]
    assert "31/08/2026" in make_up[0].reason


def test_swapped_saturday_5_january_2019_for_new_year_eve_2018(vn_calendar):
    cal = WorkCalendar.from_rules(years=range(2018, 2020))
    assert not cal.is_working_day(date(2018, 12, 31))
    assert days(cal, vn(2018, 12, 28, 10), 1) == vn(2019, 1, 2, 10)
    assert days(cal, vn(2019, 1, 4, 10), 1) == vn(2019, 1, 5, 10)


# -- observed (compensatory) days ------------------------------------------------------------------


def test_observed_hung_kings_day_2026_sunday_moves_to_monday(vn_calendar):
    # Giỗ Tổ on Sun 26/04/2026 → nghỉ bù Mon 27/04.
    assert not is_working_day(date(2026, 4, 27), calendar=vn_calendar)
    result = explain_add(vn(2026, 4, 24, 10), 1, "working_days", calendar=vn_calendar)
    assert result.due == vn(2026, 4, 28, 10)
    assert "nghỉ bù" in {i.day: i.reason for i in result.skipped}[date(2026, 4, 27)]


def test_observed_labour_day_2027_saturday_moves_to_monday(vn_calendar):
    # 30/04/2027 Fri holiday, 01/05 Sat holiday → nghỉ bù Mon 03/05; Thu 29/04 + 1 day → Tue 04/05.
    assert days(vn_calendar, vn(2027, 4, 29, 10), 1) == vn(2027, 5, 4, 10)


def test_observed_new_year_2033_saturday_moves_to_monday(vn_calendar):
    assert days(vn_calendar, vn(2032, 12, 31, 9), 1) == vn(2033, 1, 4, 9)


def test_national_day_has_its_adjacent_day_off(vn_calendar):
    # 2027: Thu 02/09 and Fri 03/09 off.
    assert not is_working_day(date(2027, 9, 3), calendar=vn_calendar)
    assert days(vn_calendar, vn(2027, 9, 1, 8), 1) == vn(2027, 9, 6, 8)


# -- year ends -------------------------------------------------------------------------------------


def test_year_end_new_year_day_skipped(vn_calendar):
    assert days(vn_calendar, vn(2025, 12, 31, 15), 1) == vn(2026, 1, 2, 15)


def test_year_end_end_of_day_rule_crosses_into_january(vn_calendar):
    assert days(vn_calendar, vn(2025, 12, 31, 15), 1, rule="end-of-day") == vn(2026, 1, 2, 17)


def test_year_end_thirty_working_days_from_december(vn_calendar):
    # December 2026 has 23 working days; 31/12 start + 30 days = 2027 count in days, checked by count.
    due = days(vn_calendar, vn(2026, 12, 1, 9), 30)
    assert working_day_count(date(2026, 12, 1), due.date(), calendar=vn_calendar) == 30
    assert due.time() == time(9)


# -- lunch breaks and office hours -----------------------------------------------------------------


def test_lunch_break_not_counted(vn_calendar):
    assert hours(vn_calendar, vn(2027, 3, 1, 11), 1) == vn(2027, 3, 1, 13, 30)


def test_lunch_break_start_counts_from_afternoon_opening(vn_calendar):
    assert hours(vn_calendar, vn(2027, 3, 1, 12, 15), 2) == vn(2027, 3, 1, 15)


def test_lunch_break_end_on_morning_close_is_that_close(vn_calendar):
    assert hours(vn_calendar, vn(2027, 3, 1, 7, 30), 4) == vn(2027, 3, 1, 11, 30)


def test_end_of_afternoon_is_17h_not_next_morning(vn_calendar):
    assert hours(vn_calendar, vn(2027, 3, 1, 7, 30), 8) == vn(2027, 3, 1, 17)
    assert days(vn_calendar, vn(2027, 3, 1, 7, 30), 1) == vn(2027, 3, 1, 17)


def test_evening_start_counts_from_next_morning(vn_calendar):
    assert hours(vn_calendar, vn(2027, 3, 1, 18, 30), 1) == vn(2027, 3, 2, 8, 30)


def test_feedback_limits_8h_and_48h(vn_calendar):
    # Received Fri 16:00: 8 working hours → Mon 16:00; 48 h = 6 working days → Tue of the week after.
    start = vn(2027, 3, 5, 16)
    assert hours(vn_calendar, start, 8) == vn(2027, 3, 8, 16)
    assert hours(vn_calendar, start, 48) == vn(2027, 3, 15, 16)


def test_lunch_break_between(vn_calendar):
    assert (
        working_hours_between(vn(2027, 3, 1, 11), vn(2027, 3, 1, 13, 30), calendar=vn_calendar) == 1
    )
    assert working_hours_between(
        vn(2027, 3, 1, 16), vn(2027, 3, 2, 8), calendar=vn_calendar
    ) == Decimal("1.5")
    assert working_hours_between(
        vn(2027, 3, 1, 8), vn(2027, 3, 1, 15, 30), calendar=vn_calendar
    ) == Decimal("6")
    assert working_hours_between(
        vn(2027, 3, 2, 8), vn(2027, 3, 1, 16), calendar=vn_calendar
    ) == Decimal("-1.5")


def test_next_opening_after_lunch_weekend_and_holiday(vn_calendar):
    assert next_opening(vn(2027, 3, 1, 9), calendar=vn_calendar) == vn(2027, 3, 1, 9)
    assert next_opening(vn(2027, 3, 1, 11, 30), calendar=vn_calendar) == vn(2027, 3, 1, 13)
    assert next_opening(vn(2027, 3, 5, 17), calendar=vn_calendar) == vn(2027, 3, 8, 7, 30)
    assert next_opening(vn(2027, 2, 3, 17, 1), calendar=vn_calendar) == vn(2027, 2, 11, 7, 30)


def test_agency_office_hours_used(vn_calendar):
    cal = vn_calendar.with_office_hours([["08:00", "12:00"], ["13:30", "17:30"]])
    assert hours(cal, vn(2027, 3, 1, 7), 4) == vn(2027, 3, 1, 12)
    assert hours(cal, vn(2027, 3, 1, 12), 1) == vn(2027, 3, 1, 14, 30)
    assert days(cal, vn(2027, 3, 1, 7), 1) == vn(2027, 3, 1, 17, 30)
    # The default calendar is untouched.
    assert hours(vn_calendar, vn(2027, 3, 1, 7), 4) == vn(2027, 3, 1, 11, 30)


def test_agency_office_hours_malformed_rejected(vn_calendar):
    for bad in (
        [["08:00"]],
        [["12:00", "08:00"]],
        [["08:00", "12:00"], ["11:00", "13:00"]],
        [["8h", "12:00"]],
    ):
        with pytest.raises(WorktimeError) as err:
            vn_calendar.with_office_hours(bad)
        assert err.value.code == "invalid_office_hours"


# -- both day rules --------------------------------------------------------------------------------


def test_both_day_rules_midweek(vn_calendar):
    assert days(vn_calendar, vn(2027, 3, 1, 10), 3) == vn(2027, 3, 4, 10)
    assert days(vn_calendar, vn(2027, 3, 1, 10), 3, rule="end-of-day") == vn(2027, 3, 4, 17)


def test_both_day_rules_from_friday_afternoon(vn_calendar):
    assert days(vn_calendar, vn(2027, 3, 5, 16), 1) == vn(2027, 3, 8, 16)
    assert days(vn_calendar, vn(2027, 3, 5, 16), 1, rule="end-of-day") == vn(2027, 3, 8, 17)


def test_both_day_rules_from_a_saturday(vn_calendar):
    # Working-hours rule counts from Monday 07:30; end-of-day: the first working day after Saturday.
    assert days(vn_calendar, vn(2027, 3, 6, 10), 1) == vn(2027, 3, 8, 17)
    assert days(vn_calendar, vn(2027, 3, 6, 10), 1, rule="end-of-day") == vn(2027, 3, 8, 17)


def test_end_of_day_rule_day_of_start_not_counted_even_at_7h(vn_calendar):
    # Civil Code Art. 147: the first day is not counted, however early the intake.
    assert days(vn_calendar, vn(2027, 3, 1, 7), 1, rule="end-of-day") == vn(2027, 3, 2, 17)


def test_half_day_by_working_hours_rule(vn_calendar):
    assert days(vn_calendar, vn(2027, 3, 1, 13), Decimal("0.5")) == vn(2027, 3, 1, 17)


# -- calendar days ---------------------------------------------------------------------------------


def test_calendar_days_same_clock_time(vn_calendar):
    assert add_working_time(vn(2027, 3, 1, 10), 3, "calendar_days", calendar=vn_calendar) == vn(
        2027, 3, 4, 10
    )


def test_calendar_days_ending_on_saturday_move_to_close_of_monday(vn_calendar):
    assert add_working_time(vn(2027, 3, 1, 10), 5, "calendar_days", calendar=vn_calendar) == vn(
        2027, 3, 8, 17
    )


def test_calendar_days_ending_in_tet_move_past_it(vn_calendar):
    assert add_working_time(vn(2027, 2, 1, 9), 5, "calendar_days", calendar=vn_calendar) == vn(
        2027, 2, 11, 17
    )


def test_calendar_days_from_sunday_evening_count_from_monday_opening(vn_calendar):
    assert add_working_time(vn(2027, 2, 28, 20), 3, "calendar_days", calendar=vn_calendar) == vn(
        2027, 3, 4, 7, 30
    )


# -- same-day procedures with the 15:00 cut-off ----------------------------------------------------


def test_same_day_cutoff_before_15h_is_today(vn_calendar):
    assert same_day_due(vn(2027, 3, 1, 14, 59), calendar=vn_calendar) == vn(2027, 3, 1, 17)


def test_same_day_cutoff_at_15h_is_next_working_day(vn_calendar):
    assert same_day_due(vn(2027, 3, 1, 15), calendar=vn_calendar) == vn(2027, 3, 2, 17)


def test_same_day_cutoff_on_friday_afternoon_is_monday(vn_calendar):
    assert same_day_due(vn(2027, 3, 5, 15, 30), calendar=vn_calendar) == vn(2027, 3, 8, 17)


def test_same_day_cutoff_received_on_holiday(vn_calendar):
    assert same_day_due(vn(2027, 4, 30, 9), calendar=vn_calendar) == vn(2027, 5, 4, 17)


def test_same_day_cutoff_configurable(vn_calendar):
    assert same_day_due(vn(2027, 3, 1, 15, 30), cutoff="16:00", calendar=vn_calendar) == vn(
        2027, 3, 1, 17
    )


# -- time zones and input --------------------------------------------------------------------------


def test_naive_input_read_in_vietnam_time(vn_calendar):
    assert hours(vn_calendar, datetime(2027, 3, 1, 10), 1) == vn(2027, 3, 1, 11)


def test_utc_input_converted_to_vietnam_time(vn_calendar):
    due = hours(vn_calendar, datetime(2027, 3, 1, 3, tzinfo=UTC), 1)
    assert due == vn(2027, 3, 1, 11) and due.tzinfo is VN_TZ
    assert due.isoformat() == "2027-03-01T11:00:00+07:00"


def test_string_input_accepted(vn_calendar):
    assert hours(vn_calendar, "2027-03-01T10:00", 1) == vn(2027, 3, 1, 11)
    assert hours(vn_calendar, "01/03/2027 10:00", 1) == vn(2027, 3, 1, 11)


@pytest.mark.parametrize(
    "amount, unit, rule, code",
    [
        (-1, "working_days", "working-hours", "invalid_amount"),
        (10_000, "working_days", "working-hours", "invalid_amount"),
        (float("nan"), "working_hours", "working-hours", "invalid_amount"),
        (float("inf"), "working_hours", "working-hours", "invalid_amount"),
        (True, "working_days", "working-hours", "invalid_amount"),
        ("ba", "working_days", "working-hours", "invalid_amount"),
        (Decimal("1.5"), "calendar_days", "working-hours", "invalid_amount"),
        (Decimal("1.5"), "working_days", "end-of-day", "invalid_amount"),
        (1, "weeks", "working-hours", "invalid_unit"),
        (1, "working_days", "next-day", "invalid_rule"),
    ],
)
def test_bad_amount_unit_or_rule_rejected(vn_calendar, amount, unit, rule, code):
    with pytest.raises(WorktimeError) as err:
        add_working_time(vn(2027, 3, 1, 10), amount, unit, rule=rule, calendar=vn_calendar)
    assert err.value.code == code
    assert err.value.message


@pytest.mark.parametrize("start", ["", "mai", "2027-13-01", "31/02/2027", "2027-02-30T10:00"])
def test_unparsable_start_rejected(vn_calendar, start):
    with pytest.raises(WorktimeError) as err:
        hours(vn_calendar, start, 1)
    assert err.value.code == "invalid_instant"


def test_dates_outside_supported_years_rejected(vn_calendar):
    with pytest.raises(WorktimeError) as err:
        hours(vn_calendar, vn(1900, 1, 2, 9), 1)
    assert err.value.code == "date_out_of_range"
    with pytest.raises(WorktimeError):
        days(vn_calendar, vn(2099, 12, 1, 9), 2000)


def test_zero_amount_returns_start_or_next_opening(vn_calendar):
    assert hours(vn_calendar, vn(2027, 3, 1, 10), 0) == vn(2027, 3, 1, 10)
    assert hours(vn_calendar, vn(2027, 3, 1, 17), 0) == vn(2027, 3, 1, 17)
    assert hours(vn_calendar, vn(2027, 3, 1, 18), 0) == vn(2027, 3, 2, 7, 30)


# -- outside the seeded span -----------------------------------------------------------------------


def test_year_outside_seeded_span_uses_holiday_rules_and_warns(caplog):
    cal = WorkCalendar.from_rules(years=range(2026, 2028))
    with caplog.at_level(logging.WARNING, logger="opendvc.worktime"):
        # Tết 2040: 29 Tết Fri 10/02 to Mùng năm Thu 16/02 → from Thu 09/02, 1 day = Fri 17/02.
        assert days(cal, vn(2040, 2, 9, 10), 1) == vn(2040, 2, 17, 10)
    assert any("2040" in r.getMessage() for r in caplog.records)
    assert not cal.is_working_day(date(2040, 1, 2))  # New Year on Sunday, nghỉ bù Monday


def test_addition_running_past_seeded_span_still_skips_holidays(caplog):
    cal = WorkCalendar.from_rules(years=[2035])
    with caplog.at_level(logging.WARNING, logger="opendvc.worktime"):
        due = days(cal, vn(2035, 12, 28, 10), 10)
    full = WorkCalendar.from_rules(years=[2035, 2036])
    assert due == days(full, vn(2035, 12, 28, 10), 10)
    assert any("2036" in r.getMessage() for r in caplog.records)


def test_overrides_beat_the_rules():
    cal = WorkCalendar.from_rules(
        years=[2027],
        overrides=[
            DayOverride(date(2027, 3, 3), "day_off", "Nghỉ đột xuất", source="admin"),
            DayOverride(date(2027, 3, 6), "working_day", "Làm việc bù", source="admin"),
        ],
    )
    assert days(cal, vn(2027, 3, 2, 10), 1) == vn(2027, 3, 4, 10)
    assert days(cal, vn(2027, 3, 5, 10), 1) == vn(2027, 3, 6, 10)


def test_rule_days_include_weekend_workdays_only_of_their_year():
    rules = {o.day: o for o in rule_days(2025)}
    assert rules[date(2025, 4, 26)].kind == "working_day"
    assert rules[date(2025, 5, 2)].kind == "day_off"
    assert all(d.year == 2025 for d in rules)


def test_explanation_of_end_of_day_rule_names_the_uncounted_start_day(vn_calendar):
    result = explain_add(
        vn(2027, 3, 1, 9), 1, "working_days", rule="end-of-day", calendar=vn_calendar
    )
    assert result.due == vn(2027, 3, 2, 17)
    assert [(i.day, i.kind) for i in result.items] == [(date(2027, 3, 1), "start_not_counted")]
    assert "Điều 147" in result.lines()[0]


def test_explanation_of_evening_start_says_where_counting_began(vn_calendar):
    result = explain_add(vn(2027, 3, 5, 18), 8, "working_hours", calendar=vn_calendar)
    assert result.due == vn(2027, 3, 8, 17)
    assert result.counted_from == vn(2027, 3, 8, 7, 30)
    kinds = [(i.day, i.kind) for i in result.items]
    assert kinds == [
        (date(2027, 3, 6), "skipped"),
        (date(2027, 3, 7), "skipped"),
        (date(2027, 3, 8), "start_moved"),
    ]
    assert "07:30 08/03/2027" in result.items[-1].reason


def test_explanation_of_calendar_days_starting_at_a_close_does_not_move_it(vn_calendar):
    result = explain_add(vn(2027, 3, 1, 17), 3, "calendar_days", calendar=vn_calendar)
    assert result.due == vn(2027, 3, 4, 17)
    assert result.items == [] and result.counted_from == vn(2027, 3, 1, 17)


def test_concurrent_extension_past_the_span_gives_consistent_answers():
    reference = WorkCalendar.from_rules(years=range(2027, 2061))
    cal = WorkCalendar.from_rules(years=[2027])
    starts = [vn(2027 + (i % 33), 1 + (i % 12), 1 + (i % 27), 8 + (i % 9)) for i in range(400)]

    def compute(t):
        return add_working_time(t, 1 + (t.day % 30), "working_days", calendar=cal)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(compute, starts))
    assert results == [
        add_working_time(t, 1 + (t.day % 30), "working_days", calendar=reference) for t in starts
    ]
