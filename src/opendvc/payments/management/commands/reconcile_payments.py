"""``manage.py reconcile_payments``: ask the gateways about attempts pending for more than 15 minutes,
send approved refunds and confirm sent ones (the same job Celery beat runs)."""

from django.core.management.base import BaseCommand

from opendvc.payments.services import reconcile_due, refunds_pending


class Command(BaseCommand):
    help = "Reconcile pending online payments and refunds with the gateways."

    def handle(self, *args, **options):
        counts = {**reconcile_due(), **refunds_pending()}
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
