"""Record the size of the documents in the citizens' stores that were filed without it (results and
receipts filed before the size was recorded, and those the data migration
``0002_online_return_at_issuance`` placed there): the store's list and the API showed them as 0 bytes,
and an upload without its size was not counted in the quota (``vault.services.document_sizes_fill``).

Run once after upgrading (docs/operations.md, Upgrades): it reads each object's size from the storage
(a HEAD request per object on S3), which a migration during a deploy must not do. Idempotent: a second
run finds nothing left but the objects that are missing, which it reports again and leaves alone.
"""

from django.core.management.base import BaseCommand

from opendvc.core.progress import add_progress_argument, progress_bar
from opendvc.vault.services import document_sizes_fill, unsized_documents


class Command(BaseCommand):
    help = (
        "Ghi kích thước cho giấy tờ trong kho dữ liệu được lưu khi chưa ghi kích thước (hiện 0 byte), "
        "đọc từ nơi lưu tệp. Chạy một lần sau khi nâng cấp."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ đọc và báo cáo, không ghi gì vào cơ sở dữ liệu"
        )
        parser.add_argument("--batch-size", type=int, default=500, help="số giấy tờ mỗi lượt")
        add_progress_argument(parser)

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        with progress_bar(
            options=options,
            total=unsized_documents().count(),
            desc="Kích thước giấy tờ trong kho",
            unit=" giấy tờ",
        ) as bar:
            done = document_sizes_fill(
                batch_size=max(options["batch_size"], 1), dry_run=dry_run, progress=bar.update
            )
        for public_id, name in done.missing:
            self.stderr.write(f"Không còn tệp trong nơi lưu trữ: giấy tờ {public_id} ({name})")
        for public_id, name, reason in done.unreadable:
            self.stderr.write(f"Không đọc được tệp: giấy tờ {public_id} ({name}): {reason}")
        verb = "sẽ ghi" if dry_run else "đã ghi"
        self.stdout.write(
            f"{'Chạy thử, không ghi gì. ' if dry_run else ''}Đã đọc {done.checked} giấy tờ; "
            f"{verb} kích thước cho {done.filled}; không còn tệp: {len(done.missing)}; "
            f"không đọc được: {len(done.unreadable)}."
        )
