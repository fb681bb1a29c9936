"""Delete, by hand, what the retention jobs ``integrations.purge_refused_inbound`` and
``payments.purge_unmatched_messages`` delete: the refused requests to the peers' webhooks (but those
the one-stop software signed), and the payment gateways' messages that matched no payment, older than their retention
(``INBOUND_REFUSED_RETENTION_DAYS``, ``PAYMENT_UNMATCHED_RETENTION_DAYS``). For a first run on a log
that grew for long, or to see with ``--dry-run`` what would go."""

from django.core.management.base import BaseCommand

from opendvc.core.progress import add_progress_argument, progress_bar
from opendvc.core.retention import PURGE_BATCH_SIZE
from opendvc.integrations.inbound import inbound_refused_purge
from opendvc.payments.services import gateway_unmatched_purge

ACTOR = "manage.py purge_refused_messages"


class Command(BaseCommand):
    help = (
        "Xóa các yêu cầu bị từ chối gửi đến địa chỉ nhận của bên liên thông (trừ yêu cầu có chữ ký "
        "hợp lệ của phần mềm một cửa) và các thông điệp của cổng thanh toán không khớp giao dịch nào, quá thời hạn lưu."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ đếm và báo cáo, không xóa gì"
        )
        parser.add_argument(
            "--batch-size", type=int, default=PURGE_BATCH_SIZE, help="số dòng xóa mỗi lượt"
        )
        add_progress_argument(parser)

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        counts = {}
        for label, purge in (
            ("Yêu cầu bị từ chối của bên liên thông", inbound_refused_purge),
            ("Thông điệp cổng thanh toán không khớp giao dịch", gateway_unmatched_purge),
        ):
            with progress_bar(options=options, desc=label, unit=" dòng") as bar:
                counts[label] = purge(
                    batch_size=max(options["batch_size"], 1),
                    dry_run=dry_run,
                    progress=bar.update,
                    actor=ACTOR,
                )
        verb = "sẽ xóa" if dry_run else "đã xóa"
        for label, n in counts.items():
            self.stdout.write(f"{label}: {verb} {n}.")
        if dry_run:
            self.stdout.write("Chạy thử, không xóa gì.")
