from django.core.management.base import BaseCommand, CommandError

from opendvc.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = "Kiểm tra tính toàn vẹn của chuỗi nhật ký kiểm toán (hash SHA-256 nối chuỗi)."

    def handle(self, *args, **options):
        report = audit_verify_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {report.checked} bản ghi, chuỗi nguyên vẹn."))
            return
        where = f"bản ghi #{report.broken_id}" if report.broken_id else "cuối chuỗi"
        raise CommandError(
            f"Chuỗi nhật ký bị phá vỡ tại {where} sau {report.checked} bản ghi hợp lệ: {report.reason}."
        )
