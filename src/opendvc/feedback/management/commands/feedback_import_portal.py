"""Import feedback items from an export of nguoidan.chinhphu.vn / doanhnghiep.chinhphu.vn:
``manage.py feedback_import_portal FILE``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opendvc.feedback.portal_import import import_records, read_records


class Command(BaseCommand):
    help = (
        "Nhập phản ánh, kiến nghị từ tệp xuất của hệ thống nguoidan.chinhphu.vn / doanhnghiep.chinhphu.vn "
        "(JSON hoặc xlsx; LoaiDoiTuong 2 = doanh nghiệp)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        try:
            records = read_records(content=file.read_bytes(), filename=file.name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = import_records(records)
        self.stdout.write(
            f"Tạo mới: {report.created}; đã có: {report.unchanged}; lỗi: {len(report.errors)}"
        )
        for index, message in report.errors:
            self.stdout.write(f"  dòng {index}: {message}")
