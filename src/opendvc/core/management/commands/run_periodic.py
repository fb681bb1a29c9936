from django.core.management.base import BaseCommand, CommandError

from opendvc.core.periodic import current_name, discover, run_all


class Command(BaseCommand):
    help = "Chạy các công việc định kỳ (dùng với cron). Ví dụ: */5 * * * * manage.py run_periodic"

    def add_arguments(self, parser):
        parser.add_argument("--job", action="append", help="chỉ chạy công việc này (lặp lại được)")
        parser.add_argument("--list", action="store_true", help="liệt kê các công việc")

    def handle(self, *args, **opts):
        jobs = discover()
        if opts["list"]:
            for name in sorted(jobs):
                self.stdout.write(name)
            return
        unknown = sorted(n for n in opts["job"] or [] if current_name(n) not in jobs)
        if unknown:
            raise CommandError(
                f"Không có công việc: {', '.join(unknown)}. Có: {', '.join(sorted(jobs))}"
            )
        results = run_all(opts["job"])
        failed = False
        for name, outcome in results.items():
            self.stdout.write(f"{name}: {outcome}")
            failed = failed or outcome.startswith("error")
        if failed:
            raise CommandError("Có công việc định kỳ bị lỗi.")
