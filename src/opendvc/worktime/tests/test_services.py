"""The calendar as data: seeding, administrators' edits, audit, version and cache."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.cache import cache

from opendvc.agencies.models import Agency, Tier
from opendvc.audit.models import AuditEntry
from opendvc.audit.services import audit_verify_chain
from opendvc.worktime import (
    add_working_time,
    calendar_for_agency,
    default_calendar,
    demo,
    is_working_day,
)
from opendvc.worktime.calendar import WorktimeError
from opendvc.worktime.models import CalendarDay, CalendarVersion, SeededYear
from opendvc.worktime.selectors import VERSION_CACHE_KEY, calendar_version, year_overview
from opendvc.worktime.services import remove_day, seed_years, set_day

from .conftest import vn

pytestmark = pytest.mark.django_db


def test_seed_writes_rules_once_and_audits_each_year():
    assert seed_years(years=range(2025, 2028)) == [2025, 2026, 2027]
    assert SeededYear.objects.count() == 3
    row = CalendarDay.objects.get(date=date(2025, 4, 26))
    assert row.kind == "working_day" and row.source == "seed"
    assert (
        CalendarDay.objects.get(date=date(2026, 4, 27)).name == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    )
    assert AuditEntry.objects.filter(action="worktime.calendar.seed_year").count() == 3
    assert calendar_version() == 1
    # Idempotent: nothing new, no version bump.
    assert seed_years(years=range(2025, 2028)) == []
    assert calendar_version() == 1
    assert audit_verify_chain().ok


def test_seed_keeps_days_an_administrator_set_before():
    set_day(day=date(2027, 2, 4), kind="working_day", name="Làm việc", reason="thử")
    seed_years(years=[2027])
    row = CalendarDay.objects.get(date=date(2027, 2, 4))
    assert row.kind == "working_day" and row.source == "admin"


def test_default_calendar_follows_the_database():
    seed_years(years=range(2026, 2029))
    cal = default_calendar()
    assert cal.version == 1
    assert add_working_time(
        vn(2027, 2, 3, 10), 3, "working_days", calendar=default_calendar()
    ) == vn(2027, 2, 15, 10)
    assert default_calendar() is cal  # cached


def test_set_day_is_audited_bumps_version_and_invalidates_cache():
    seed_years(years=[2027])
    before = default_calendar()
    assert is_working_day(date(2027, 3, 3), calendar=default_calendar())
    row = set_day(
        day=date(2027, 3, 3), kind="day_off", name="Nghỉ đột xuất", reason="Quyết định số 1/QĐ-UBND"
    )
    assert row.source == "admin"
    after = default_calendar()
    assert after is not before and after.version == before.version + 1
    assert not is_working_day(date(2027, 3, 3), calendar=default_calendar())
    assert add_working_time(
        vn(2027, 3, 2, 10), 1, "working_days", calendar=default_calendar()
    ) == vn(2027, 3, 4, 10)
    entry = AuditEntry.objects.filter(action="worktime.calendar.set_day").get()
    assert entry.changes["before"] is None
    assert entry.changes["after"]["name"] == "Nghỉ đột xuất"
    assert entry.target_id == "2027-03-03"


def test_editing_a_seeded_day_records_before_and_after():
    seed_years(years=[2026])
    set_day(
        day=date(2026, 11, 24),
        kind="working_day",
        name="Ngày Văn hóa Việt Nam (không nghỉ)",
        reason="thử",
    )
    entry = AuditEntry.objects.filter(action="worktime.calendar.set_day").get()
    assert entry.changes["before"]["source"] == "seed"
    assert entry.changes["after"]["kind"] == "working_day"
    assert is_working_day(date(2026, 11, 24), calendar=default_calendar())


def test_removing_a_seeded_day_makes_it_a_plain_weekday_and_stays_removed():
    seed_years(years=[2026])
    remove_day(day=date(2026, 11, 24), reason="không áp dụng")
    assert is_working_day(date(2026, 11, 24), calendar=default_calendar())
    entry = AuditEntry.objects.filter(action="worktime.calendar.remove_day").get()
    assert entry.changes["before"]["name"] == "Ngày Văn hóa Việt Nam"
    seed_years(years=[2026])
    assert not CalendarDay.objects.filter(date=date(2026, 11, 24)).exists()
    assert calendar_version() == 2


def test_removing_unknown_day_rejected_without_change():
    with pytest.raises(WorktimeError) as err:
        remove_day(day=date(2027, 3, 3))
    assert err.value.code == "day_not_found"
    assert calendar_version() == 0


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"kind": "holiday", "name": "x"}, "invalid_kind"),
        ({"kind": "day_off", "name": "  "}, "name_required"),
        ({"kind": "day_off", "name": "x" * 201}, "name_too_long"),
        ({"kind": "day_off", "name": "x", "reason": "y" * 501}, "reason_too_long"),
    ],
)
def test_bad_set_day_rejected_and_nothing_saved(kwargs, code):
    with pytest.raises(WorktimeError) as err:
        set_day(day=date(2027, 3, 3), **kwargs)
    assert err.value.code == code
    assert not CalendarDay.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="worktime").exists()


def test_set_day_outside_supported_years_rejected():
    with pytest.raises(WorktimeError) as err:
        set_day(day=date(1990, 1, 2), kind="day_off", name="x")
    assert err.value.code == "date_out_of_range"


def test_unseeded_year_computed_from_rules_with_warning_and_admin_days_applied(caplog):
    seed_years(years=[2027])
    set_day(day=date(2040, 2, 9), kind="day_off", name="Nghỉ thêm trước Tết", reason="thử")
    with caplog.at_level(logging.WARNING, logger="opendvc.worktime"):
        assert add_working_time(
            vn(2040, 2, 8, 10), 1, "working_days", calendar=default_calendar()
        ) == vn(2040, 2, 17, 10)
    assert any("2040" in r.getMessage() for r in caplog.records)


def test_agency_calendar_uses_its_office_hours():
    tier = Tier.objects.create(code="tinh", name="Cấp tỉnh", rank=1)
    agency = Agency.objects.create(
        code="000.00.32.H19",
        name="Sở Tư pháp",
        tier=tier,
        office_hours=[["08:00", "12:00"], ["13:30", "17:30"]],
    )
    seed_years(years=[2027])
    cal = calendar_for_agency(agency)
    assert cal.day_us == 8 * 3_600_000_000
    assert add_working_time(vn(2027, 3, 1, 7), 4, "working_hours", calendar=cal) == vn(
        2027, 3, 1, 12
    )
    assert calendar_for_agency(agency) is cal
    default_agency = Agency.objects.create(code="000.00.33.H19", name="Sở Xây dựng", tier=tier)
    assert calendar_for_agency(default_agency) is default_calendar()


def test_year_overview_marks_seeded_and_edited_days():
    seed_years(years=[2026])
    set_day(day=date(2026, 3, 3), kind="day_off", name="Nghỉ đột xuất", reason="thử")
    overview = year_overview(2026)
    cells = {c.day: c for m in overview["months"] for c in m.days}
    assert cells[date(2026, 2, 17)].source == "seed" and not cells[date(2026, 2, 17)].working
    assert cells[date(2026, 3, 3)].source == "admin"
    assert cells[date(2026, 3, 4)].source == "week" and cells[date(2026, 3, 4)].working
    assert overview["seeded"] is True
    assert overview["working_days"] == sum(
        1 for d in cells if is_working_day(d, calendar=default_calendar())
    )


def test_version_row_created_on_first_change():
    assert not CalendarVersion.objects.exists()
    set_day(day=date(2027, 3, 3), kind="day_off", name="x")
    assert CalendarVersion.objects.get().version == 1


def test_demo_seed_idempotent():
    demo.seed()
    count = CalendarDay.objects.count()
    demo.seed()
    assert CalendarDay.objects.count() == count
    assert list(SeededYear.objects.values_list("year", flat=True)) == list(range(2020, 2036))


def test_change_made_by_another_process_seen_once_the_shared_version_expires():
    seed_years(years=[2027])
    cal = default_calendar()
    # Another process edits the table and bumps the version; this process' cache entry expires.
    CalendarDay.objects.create(date=date(2027, 3, 3), kind="day_off", name="Nghỉ", source="admin")
    CalendarVersion.objects.filter(id=1).update(version=7)
    assert default_calendar() is cal  # still within the shared cache's lifetime
    cache.delete(VERSION_CACHE_KEY)
    fresh = default_calendar()
    assert fresh.version == 7 and not fresh.is_working_day(date(2027, 3, 3))
