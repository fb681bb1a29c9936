"""Load the demo data: agencies, accounts for every role, the calendar and the real procedures.

Idempotent: running it again changes nothing. Each app owns its part in ``<app>/demo.py: seed(stdout)``.
"""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from opendvc.accounts.demo import DEMO_PASSWORD
from opendvc.accounts.models import User

# Order matters: accounts need agencies, the catalog needs agencies; the reports' facts come last, once
# every demo that files dossiers has run (otherwise a second run would add the later ones' facts).
DEMO_MODULES = [
    "opendvc.agencies.demo",
    "opendvc.accounts.demo",
    "opendvc.worktime.demo",
    # The wards' police and social insurance offices, before the catalog links procedures to them.
    "opendvc.linked.demo_offices",
    "opendvc.catalog.demo",
    "opendvc.eforms.demo",
    "opendvc.dossiers.demo",
    "opendvc.postal.demo",
    "opendvc.payments.demo",
    "opendvc.linked.demo",
    # Feedback items at the demo department, and the surveys of returned dossiers (before the
    # reports' facts: their dossiers are facts too).
    "opendvc.feedback.demo",
    "opendvc.surveys.demo",
    "opendvc.reports.demo",
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
        self._print_accounts()

    def _print_accounts(self) -> None:
        """List the demo accounts with their roles, so `make run` shows how to sign in."""
        users = User.objects.filter(email__endswith="@demo.opendvc.vn").prefetch_related(
            "staff_roles__agency"
        )
        if not users:
            return
        self.stdout.write(
            f"\nTài khoản demo (mật khẩu chung: {DEMO_PASSWORD}; chi tiết: docs/demo-accounts.md)"
        )
        for user in users.order_by("-is_staff", "email"):
            roles = ", ".join(
                f"{r.get_role_display()} — {r.agency.short_name or r.agency.name}"
                for r in user.staff_roles.all()
            )
            self.stdout.write(f"  {user.email:<40} {roles or 'Công dân'}")
        self.stdout.write(
            "  Cán bộ đăng nhập cần mã TOTP: .venv/bin/python manage.py demo_totp <email>"
        )
