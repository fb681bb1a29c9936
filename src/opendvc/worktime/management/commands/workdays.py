"""``manage.py workdays``: deadlines and the calendar from the command line.

    workdays add START --working-days N [--rule working-hours|end-of-day] [--agency CODE] [--explain]
    workdays add START --working-hours N
    workdays add START --calendar-days N
    workdays between START END
    workdays calendar --year YYYY
    workdays set-day DATE --day-off|--working-day --name TEXT [--reason TEXT]

Bad input exits with code 2 and a message on stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from opendvc.worktime.calendar import (
    RULES,
    WorktimeError,
    add_working_time,
    explain_add,
    format_hours,
    format_instant,
    parse_instant,
    working_hours_between,
)
from opendvc.worktime.selectors import agency_by_code, calendar_for_agency, default_calendar
from opendvc.worktime.services import set_day


class Command(BaseCommand):
    help = "Tính thời hạn theo ngày, giờ làm việc và xem, sửa lịch làm việc."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        add = sub.add_parser("add", help="Thời hạn tính từ START")
        add.add_argument("start", help="Thời điểm bắt đầu (ISO 8601, ví dụ 2027-02-10T08:00)")
        amount = add.add_mutually_exclusive_group(required=True)
        amount.add_argument("--working-days", dest="working_days", metavar="N")
        amount.add_argument("--working-hours", dest="working_hours", metavar="N")
        amount.add_argument("--calendar-days", dest="calendar_days", metavar="N")
        add.add_argument("--rule", choices=RULES, default="working-hours")
        add.add_argument("--agency", metavar="CODE", help="Dùng giờ làm việc của cơ quan có mã này")
        add.add_argument(
            "--explain", action="store_true", help="In thêm giải thích các ngày không tính"
        )

        between = sub.add_parser("between", help="Số giờ làm việc giữa hai thời điểm")
        between.add_argument("start")
        between.add_argument("end")
        between.add_argument("--agency", metavar="CODE")

        cal = sub.add_parser("calendar", help="Ngày nghỉ và ngày làm việc bù của một năm")
        cal.add_argument("--year", type=int, required=True)

        set_day = sub.add_parser("set-day", help="Đặt một ngày là ngày nghỉ hoặc ngày làm việc")
        set_day.add_argument("date")
        kind = set_day.add_mutually_exclusive_group(required=True)
        kind.add_argument("--day-off", dest="kind", action="store_const", const="day_off")
        kind.add_argument("--working-day", dest="kind", action="store_const", const="working_day")
        set_day.add_argument("--name", required=True)
        set_day.add_argument("--reason", default="")

    def handle(self, *args, **options):
        actions = {
            "add": self.do_add,
            "between": self.do_between,
            "calendar": self.do_calendar,
            "set-day": self.do_set_day,
        }
        try:
            actions[options["action"]](options)
        except WorktimeError as exc:
            raise CommandError(exc.message, returncode=2) from exc

    def _work_calendar(self, options):
        if options.get("agency"):
            return calendar_for_agency(agency_by_code(options["agency"]))
        return default_calendar()

    def do_add(self, options):
        start = parse_instant(options["start"])
        for unit in ("working_days", "working_hours", "calendar_days"):
            if options.get(unit) is not None:
                amount = options[unit]
                break
        calendar = self._work_calendar(options)
        rule = options["rule"]
        if options["explain"]:
            explanation = explain_add(start, amount, unit, rule=rule, calendar=calendar)
            self.stdout.write(format_instant(explanation.due))
            for line in explanation.lines():
                self.stdout.write(line)
            return
        self.stdout.write(
            format_instant(add_working_time(start, amount, unit, rule=rule, calendar=calendar))
        )

    def do_between(self, options):
        a, b = parse_instant(options["start"]), parse_instant(options["end"])
        self.stdout.write(
            format_hours(working_hours_between(a, b, calendar=self._work_calendar(options)))
        )

    def do_calendar(self, options):
        for override in default_calendar().overrides_in_year(options["year"]):
            self.stdout.write(f"{override.day.isoformat()}\t{override.kind}\t{override.name}")

    def do_set_day(self, options):
        day = parse_instant(options["date"])
        row = set_day(
            day=day.date(),
            kind=options["kind"],
            name=options["name"],
            reason=options["reason"],
            actor="manage.py workdays",
        )
        self.stdout.write(f"{row.date.isoformat()}\t{row.kind}\t{row.name}")
