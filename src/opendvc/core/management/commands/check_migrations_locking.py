"""List the migrations that would lock a big table or break the running release; fail on any that
the allow-list does not name (docs/adr/0004-zero-downtime-deploys.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from opendvc.core.migration_safety import ALLOWED, migration_findings


class Command(BaseCommand):
    help = "Lists migrations that would lock a big table or break the release still running."

    def add_arguments(self, parser):
        parser.add_argument(
            "--unapplied",
            action="store_true",
            help="only the migrations not yet applied to this database",
        )
        parser.add_argument(
            "--show-allowed", action="store_true", help="also list the allowed ones"
        )

    def handle(self, *args, unapplied=False, show_allowed=False, **options):
        findings = migration_findings(
            unapplied_only=unapplied, connection=connection if unapplied else None
        )
        refused = [f for f in findings if f.migration not in ALLOWED]
        if show_allowed:
            for f in findings:
                if f.migration in ALLOWED:
                    self.stdout.write(f"allowed  {f}  ({ALLOWED[f.migration]})")
        for f in refused:
            self.stdout.write(f"LOCKING  {f}")
        if refused:
            raise CommandError(
                f"{len(refused)} thao tác di trú có thể khóa bảng lớn hoặc làm hỏng phiên bản đang chạy; "
                "tách thành các bước mở rộng/thu gọn (docs/adr/0004-zero-downtime-deploys.md)."
            )
        self.stdout.write(f"Không có di trú nào khóa bảng lớn ({len(findings)} đã được duyệt).")
