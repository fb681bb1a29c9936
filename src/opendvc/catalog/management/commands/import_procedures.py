"""python manage.py import_procedures FILE [--format json|csv|xlsx] [--partial] [--report FILE]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opendvc.catalog.services import import_records
from opendvc.catalog.transfer import (
    FORMATS,
    FileFormatError,
    check_file,
    detect_format,
    read_rows,
    write_report,
)
from opendvc.core.progress import add_progress_argument, progress_bar


class Command(BaseCommand):
    help = (
        "Nhập thủ tục hành chính từ tệp JSON, CSV hoặc XLSX (lược đồ: docs/catalog-import.md). "
        "Kiểm tra từng dòng; tệp có lỗi không được nhập, trừ khi dùng --partial. Nhập lại không tạo trùng."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="mặc định: theo phần mở rộng của tệp")
        parser.add_argument(
            "--partial", action="store_true", help="nhập các dòng hợp lệ, ghi dòng lỗi ra báo cáo"
        )
        parser.add_argument(
            "--report", type=Path, help="tệp CSV báo cáo dòng lỗi (mặc định: FILE.errors.csv)"
        )
        add_progress_argument(parser)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        try:
            fmt = detect_format(path, options["format"])
            checked = check_file(path, fmt)
        except FileFormatError as exc:
            raise CommandError(str(exc)) from exc

        def progress(rows):
            return progress_bar(
                rows, options=options, desc="Nhập thủ tục", unit="thủ tục", hide_when_quiet=False
            )

        result = import_records(
            checked=checked, actor=None, partial=options["partial"], progress=progress
        )
        for row in result.rejected:
            for err in row.errors:
                self.stderr.write(f"Lỗi {err}")
        if result.rejected and not options["partial"]:
            raise CommandError(
                f"{len(result.rejected)} dòng có lỗi; không nhập dòng nào. "
                "Sửa lỗi rồi nhập lại, hoặc dùng --partial để nhập các dòng hợp lệ."
            )
        if result.rejected:
            report = options["report"] or path.with_name(path.name + ".errors.csv")
            raw = dict(read_rows(path, fmt))
            write_report(result.rejected, raw, report)
            self.stderr.write(f"{len(result.rejected)} dòng lỗi đã ghi vào {report}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Tạo mới {result.created}, cập nhật {result.updated}, không đổi {result.unchanged}, "
                f"bỏ qua {len(result.rejected)} dòng lỗi."
            )
        )
