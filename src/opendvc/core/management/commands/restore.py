from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opendvc.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu vào cơ sở dữ liệu TRỐNG và thư mục tệp trống; kiểm tra SHA-256, số dòng "
        "và chuỗi nhật ký kiểm toán."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="thư mục bản sao lưu (có manifest.json)")

    def handle(self, *args, source, **options):
        try:
            report = backup_restore(source=source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Đã khôi phục {report.rows} dòng trong {report.tables} bảng và {report.files} tệp."
        )
        if report.mismatches:
            raise CommandError("Khôi phục không khớp bản sao lưu: " + "; ".join(report.mismatches))
        if not report.audit_ok:
            raise CommandError(
                f"Chuỗi nhật ký kiểm toán không hợp lệ sau khi khôi phục: {report.audit_message}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: số dòng và tệp khớp; nhật ký kiểm toán: {report.audit_message}."
            )
        )
