"""Print the current TOTP code of a demo staff account (for trying the back office without a phone).

Refuses in production: it reads the stored secret.
"""

from __future__ import annotations

import time

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opendvc.accounts.models import User


def current_code(user, *, at: float | None = None) -> str:
    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_adapter().decrypt(auth.data["secret"])
    period = 30
    try:
        from allauth.mfa import app_settings

        period = app_settings.TOTP_PERIOD
    except AttributeError:  # pragma: no cover
        pass
    return format_hotp_value(
        hotp_value(secret, int(at if at is not None else time.time()) // period)
    )


class Command(BaseCommand):
    help = "In mã TOTP hiện tại của một tài khoản cán bộ demo (không dùng trong môi trường production)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if settings.DJANGO_ENV == "production":
            raise CommandError("Lệnh này chỉ dùng cho dữ liệu demo, không chạy trong production.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Không có tài khoản {email}.")
        try:
            code = current_code(user)
        except Authenticator.DoesNotExist:
            raise CommandError(f"{email} chưa bật ứng dụng xác thực.") from None
        self.stdout.write(code)
