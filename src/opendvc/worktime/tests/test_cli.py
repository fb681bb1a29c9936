"""``manage.py workdays``: exactly one line for ``add``, exit code 2 for bad input."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from opendvc.agencies.models import Agency, Tier
from opendvc.worktime.models import CalendarDay
from opendvc.worktime.services import seed_years

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def seeded():
    seed_years(years=range(2024, 2029))


def run(*args) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


def test_add_working_days_prints_one_iso_line(seeded):
    assert run("add", "2027-02-03T10:00", "--working-days", "3") == "2027-02-15T10:00:00+07:00\n"


def test_add_end_of_day_rule(seeded):
    assert (
        run("add", "2027-02-03T10:00", "--working-days", "3", "--rule", "end-of-day")
        == "2027-02-15T17:00:00+07:00\n"
    )


def test_add_working_hours_and_calendar_days(seeded):
    assert run("add", "2027-03-01T11:00", "--working-hours", "1") == "2027-03-01T13:30:00+07:00\n"
    assert run("add", "2027-03-01T10:00", "--calendar-days", "5") == "2027-03-08T17:00:00+07:00\n"


def test_add_explain_adds_reasons_after_the_line(seeded):
    lines = run("add", "2027-02-03T10:00", "--working-days", "3", "--explain").splitlines()
    assert lines[0] == "2027-02-15T10:00:00+07:00"
    assert any("Tết Nguyên Đán" in line for line in lines[1:])
    assert any("Chủ nhật" in line for line in lines[1:])


def test_add_with_agency_hours(seeded):
    tier = Tier.objects.create(code="xa", name="Cấp xã", rank=2)
    Agency.objects.create(
        code="000.21.00.H19",
        name="Phường Biên Hòa",
        tier=tier,
        office_hours=[["08:00", "12:00"], ["13:30", "17:30"]],
    )
    assert (
        run("add", "2027-03-01T07:00", "--working-hours", "4", "--agency", "000.21.00.H19")
        == "2027-03-01T12:00:00+07:00\n"
    )


def test_between_prints_decimal_hours(seeded):
    assert run("between", "2027-03-01T16:00", "2027-03-02T08:00") == "1.5\n"
    assert run("between", "2027-03-01T08:00", "2027-03-01T15:30") == "6\n"


def test_calendar_lists_days_off_and_make_up_days(seeded):
    lines = run("calendar", "--year", "2025").splitlines()
    assert "2025-04-26\tworking_day\tLàm việc bù (cho ngày nghỉ 02/05/2025)" in lines
    assert any(line.startswith("2025-01-29\tday_off\t") for line in lines)


def test_set_day_saves_and_changes_results(seeded):
    out = run("set-day", "2027-03-03", "--day-off", "--name", "Nghỉ đột xuất")
    assert out.startswith("2027-03-03\tday_off")
    assert CalendarDay.objects.get(date="2027-03-03").source == "admin"
    assert run("add", "2027-03-02T10:00", "--working-days", "1") == "2027-03-04T10:00:00+07:00\n"


@pytest.mark.parametrize(
    "args",
    [
        ("add", "not-a-date", "--working-days", "3"),
        ("add", "2027-03-01", "--working-days", "-3"),
        ("add", "2027-03-01", "--working-days", "99999"),
        ("add", "2027-03-01", "--calendar-days", "1.5"),
        ("add", "2027-03-01", "--working-days", "3", "--agency", "999.99.99.X99"),
        ("between", "2027-03-01", "hôm qua"),
        ("calendar", "--year", "1800"),
        ("set-day", "2027-02-30", "--day-off", "--name", "x"),
        ("set-day", "2027-03-03", "--day-off", "--name", "   "),
    ],
)
def test_bad_input_exit_code_2(seeded, args):
    with pytest.raises(CommandError) as err:
        run(*args)
    assert err.value.returncode == 2
    assert str(err.value)


def test_unknown_rule_rejected_by_argument_parser(seeded):
    with pytest.raises(CommandError):
        run("add", "2027-03-01", "--working-days", "3", "--rule", "next-day")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell")
def test_exit_code_2_from_the_shell(tmp_path):
    # The real entry point, as an operator runs it (SQLite in a temporary folder, no migrations needed:
    # the input is rejected before the database is read).
    env = {
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.test",
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "workdays", "add", "nonsense", "--working-days", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Không đọc được thời điểm" in result.stderr
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "workdays",
            "add",
            "2027-03-01",
            "--working-days",
            "3",
            "--rule",
            "x",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
