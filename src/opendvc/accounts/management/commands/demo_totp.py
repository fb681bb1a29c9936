"""Print the current TOTP code of a demo staff account (for trying the back office without a phone),
with the seconds it stays valid.

Refuses in production: it reads the stored secret.
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opendvc.accounts.models import User


def current_code(user, *, at: float | None = None) -> str:
    """The code an authenticator app shows for ``user`` at ``at`` (now by default)."""
    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_adapter().decrypt(auth.data["secret"])
    now = int(at if at is not None else time.time())
    return format_hotp_value(hotp_value(secret, now // app_settings.TOTP_PERIOD))


def seconds_left(*, at: float | None = None) -> int:
    """Seconds before the code shown now is replaced by the next one (1…period)."""
    now = int(at if at is not None else time.time())
    period = app_settings.TOTP_PERIOD
    return period - now % period


class Command(BaseCommand):
    help = "In mã TOTP hiện tại của một tài khoản cán bộ demo (không dùng trong môi trường production)."
    requires_system_checks: list[str] = []  # answer at once: the code changes every 30 s
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if settings.DJANGO_ENV == "production":
            raise CommandError("Lệnh này chỉ dùng cho dữ liệu demo, không chạy trong production.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Không có tài khoản {email}.")
        now = time.time()
        try:
            code = current_code(user, at=now)
        except Authenticator.DoesNotExist:
            raise CommandError(f"{email} chưa bật ứng dụng xác thực.") from None
        left = seconds_left(at=now)
        accepted = left + app_settings.TOTP_TOLERANCE * app_settings.TOTP_PERIOD
        self.stdout.write(code)
        self.stdout.write(
            f"Mã đổi sau {left} giây; vẫn được nhận trong {accepted} giây, mỗi mã chỉ dùng một lần."
        )
