"""``manage.py reconcile_payments``: ask the gateways about attempts pending for more than 15 minutes,
settle paid orders left unsettled, send approved refunds and confirm sent ones, issue receipts still
without their PDF (the same job Celery beat runs)."""

from django.core.management.base import BaseCommand

from opendvc.payments.receipts import receipts_pending
from opendvc.payments.services import orders_unsettled, reconcile_due, refunds_pending


class Command(BaseCommand):
    help = "Reconcile pending online payments and refunds with the gateways."

    def handle(self, *args, **options):
        counts = {
            **reconcile_due(),
            "settled": orders_unsettled(),
            **refunds_pending(),
            "receipts": receipts_pending(),
        }
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
