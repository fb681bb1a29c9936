"""Load the demo data: agencies, accounts for every role, the calendar and the real procedures.

Idempotent: running it again changes nothing. Each app owns its part in ``<app>/demo.py: seed(stdout)``.
"""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Order matters: accounts need agencies, the catalog needs agencies.
DEMO_MODULES = [
    "opendvc.agencies.demo",
    "opendvc.accounts.demo",
    "opendvc.worktime.demo",
    "opendvc.catalog.demo",
]


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (chạy lại nhiều lần không tạo trùng)."

    def handle(self, *args, **options):
        for dotted in DEMO_MODULES:
            try:
                module = import_module(dotted)
            except ModuleNotFoundError as exc:
                if exc.name == dotted:
                    continue
                raise
            self.stdout.write(f"→ {dotted.split('.')[1]}")
            with transaction.atomic():
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Dữ liệu mẫu đã sẵn sàng."))
