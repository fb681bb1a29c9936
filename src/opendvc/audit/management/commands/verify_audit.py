from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from opendvc.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Kiểm tra chuỗi nhật ký kiểm toán (HMAC-SHA256 nối chuỗi) và so với các điểm kiểm tra đã ký "
        "lưu ngoài cơ sở dữ liệu (AUDIT_CHECKPOINT_DIR)."
    )

    def handle(self, *args, **options):
        report = audit_verify_chain()
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if report.ok:
            cp = report.checkpoint
            since = (
                f"; khớp điểm kiểm tra lúc {timezone.localtime(cp.at):%d/%m/%Y %H:%M} ({cp.count} bản ghi)"
                if cp is not None
                else "; chưa có điểm kiểm tra nào"
            )
            self.stdout.write(
                self.style.SUCCESS(f"OK: {report.checked} bản ghi, chuỗi nguyên vẹn{since}.")
            )
            return
        where = f"bản ghi #{report.broken_id}" if report.broken_id else "cuối chuỗi"
        raise CommandError(
            f"[{report.kind}] Chuỗi nhật ký bị phá vỡ tại {where} sau {report.checked} bản ghi hợp lệ: {report.reason}."
        )
