"""Remove, by hand, what the periodic job ``core.sweep_orphan_files`` removes: stored files that no
row refers to, in every folder the portal writes to (``core.orphans.STORAGE_AREAS``). With ``--all``
every folder is looked at whole (after the job did not run for days, or a first run); ``--dry-run``
lists what would go and removes nothing."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from opendvc.core.orphans import (
    STORAGE_AREAS,
    SWEEP_BATCH_SIZE,
    SWEEP_DAYS,
    orphan_files_sweep,
)
from opendvc.core.progress import add_progress_argument, progress_bar

ACTOR = "manage.py sweep_orphan_files"


class Command(BaseCommand):
    help = (
        "Xóa các tệp đã lưu mà không dòng dữ liệu nào tham chiếu (do một thao tác lỗi giữa chừng để "
        "lại), trong mọi thư mục cổng ghi tệp."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ liệt kê các tệp sẽ xóa, không xóa gì"
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="xem toàn bộ các thư mục (mặc định: chỉ các thư mục theo ngày của mấy ngày gần đây)",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=SWEEP_DAYS,
            help=f"số ngày thư mục theo ngày được xem trước mốc thời gian (mặc định {SWEEP_DAYS})",
        )
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=None,
            help="chỉ xóa tệp ghi trước ngần ấy giờ (mặc định DOSSIER_UPLOAD_TTL_HOURS)",
        )
        parser.add_argument(
            "--folder",
            action="append",
            help="chỉ thư mục này (lặp lại được), ví dụ vault/",
        )
        parser.add_argument(
            "--batch-size", type=int, default=SWEEP_BATCH_SIZE, help="số tệp kiểm tra mỗi lượt"
        )
        add_progress_argument(parser)

    def handle(self, *args, **options):
        hours = options["older_than_hours"]
        if hours is None:
            hours = settings.DOSSIER_UPLOAD_TTL_HOURS
        if hours < 1:
            raise CommandError("--older-than-hours phải từ 1 trở lên.")
        if options["days"] < 0:
            raise CommandError("--days không được âm.")
        areas = list(STORAGE_AREAS)
        if options["folder"]:
            known = {a.prefix: a for a in STORAGE_AREAS}
            wanted = [f if f.endswith("/") else f"{f}/" for f in options["folder"]]
            unknown = [f for f in wanted if f not in known]
            if unknown:
                raise CommandError(
                    f"Không có thư mục: {', '.join(unknown)}. Có: {', '.join(sorted(known))}"
                )
            areas = [known[f] for f in wanted]
        dry_run = options["dry_run"]
        verbose = options["verbosity"] > 1 or dry_run
        older_than = timezone.now() - timedelta(hours=hours)

        def found(name, written):
            if verbose:
                self.stdout.write(f"{name}\t{written:%Y-%m-%d %H:%M}")

        with progress_bar(options=options, desc="Tệp đã xem", unit=" tệp") as bar:
            result = orphan_files_sweep(
                older_than=older_than,
                days=None if options["all"] else options["days"],
                batch_size=options["batch_size"],
                dry_run=dry_run,
                areas=areas,
                found=found,
                progress=bar.update,
                actor=ACTOR,
            )
        verb = "sẽ xóa" if dry_run else "đã xóa"
        for prefix, n in result.removed.items():
            kept = result.referenced.get(prefix, 0)
            self.stdout.write(f"{prefix}: {verb} {n}, giữ {kept} tệp còn được tham chiếu.")
        self.stdout.write(f"Đã xem {result.looked_at} tệp; {verb} {result.total}.")
        if result.failed:
            self.stdout.write(f"Không xóa được {result.failed} tệp (kho tệp từ chối); thử lại sau.")
        if dry_run:
            self.stdout.write("Chạy thử, không xóa gì.")
