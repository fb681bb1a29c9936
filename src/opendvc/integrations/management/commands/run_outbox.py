"""Deliver the outbox from cron: ``manage.py run_outbox [--loop] [--budget SECONDS]``."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from opendvc.integrations.outbox import outbox_relay


class Command(BaseCommand):
    help = "Deliver the due messages of the integrations outbox (safe to run several at once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--budget",
            type=float,
            default=None,
            help="Stop after this many seconds (default OUTBOX_RELAY_BUDGET_SECONDS).",
        )
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep relaying, pausing OUTBOX_RELAY_INTERVAL_SECONDS when idle.",
        )
        parser.add_argument(
            "--destination", action="append", default=None, help="Only this destination."
        )

    def handle(self, *args, budget, loop, destination, **options):
        while True:
            result = outbox_relay(budget_seconds=budget, destinations=destination)
            self.stdout.write(" ".join(f"{k}={v}" for k, v in result.as_dict().items()))
            if not loop:
                return
            if not result.claimed:
                time.sleep(settings.OUTBOX_RELAY_INTERVAL_SECONDS)
