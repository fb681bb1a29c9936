from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opendvc.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu, tệp đính kèm và điểm kiểm tra nhật ký vào một thư mục có manifest SHA-256."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="thư mục chứa bản sao lưu (mặc định BACKUP_DIR)"
        )

    def handle(self, *args, output=None, **options):
        try:
            path = backup_create(output_dir=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Đã sao lưu vào {path}"))
        self.stdout.write(str(path))
