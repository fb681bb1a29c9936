"""A citizen's phone number and SMS notices: the code sent to verify the number (rate limited), its
confirmation (the verified flag on the person's profile), the opt-in to dossier notices by SMS, and the
SMS copy of a dossier notice (queued in the outbox in the notice's own transaction, so a provider that
is down delays the text — retried by the relay — and never the email).

Decree 13/2023/NĐ-CP: the number is personal data; it is kept encrypted (account, outbox) and texts
go only to a number the person proved they hold, with their consent (the opt-in)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.accounts import crypto
from opendvc.accounts.models import PersonProfile, User
from opendvc.accounts.validators import normalize_phone
from opendvc.audit.services import audit_record
from opendvc.core.problems import ProblemError

from .client import phone_verification_check, phone_verification_start, sms_send

PENDING = "sms-verify-pending:{user}"
SENDS = "sms-verify-sends:{key}"


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except Exception as exc:  # noqa: BLE001 - any malformed number gets the same answer
        raise ProblemError(
            "validation_error",
            _("Số điện thoại không hợp lệ."),
            extra={"errors": [{"path": "phone", "message": _("Nhập số điện thoại Việt Nam.")}]},
        ) from exc


def _rate_limit(key: str) -> None:
    """At most ``SMS_VERIFY_MAX_PER_HOUR`` codes an hour per account and per number."""
    cache_key = SENDS.format(key=key)
    cache.add(cache_key, 0, 3600)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, 3600)
        count = 1
    if count > settings.SMS_VERIFY_MAX_PER_HOUR:
        raise ProblemError(
            "rate_limited",
            _("Bạn đã yêu cầu quá nhiều mã xác minh; hãy thử lại sau một giờ."),
            status=429,
        )


def phone_verification_send(*, user: User, phone: str) -> None:
    """Send a code to ``phone`` for ``user`` to confirm (``phone_verification_confirm``). A number that
    is not one is told first, whether or not the SMS service is configured."""
    phone = _phone(phone)
    if not settings.SMS_URL:
        raise ProblemError(
            "service_unavailable", _("Chưa cấu hình dịch vụ tin nhắn SMS."), status=503
        )
    taken = User.objects.filter(phone_hash=crypto.lookup_hash(phone)).exclude(pk=user.pk).exists()
    if taken:
        raise ProblemError(
            "validation_error",
            _("Số điện thoại này đã gắn với một tài khoản khác."),
            extra={"errors": [{"path": "phone", "message": _("Dùng số điện thoại khác.")}]},
        )
    _rate_limit(f"u{user.pk}")
    _rate_limit(crypto.lookup_hash(phone) or phone)
    with transaction.atomic():
        phone_verification_start(phone=phone)
    cache.set(PENDING.format(user=user.pk), crypto.encrypt(phone), settings.SMS_CODE_SECONDS)


def phone_verification_confirm(*, user: User, code: str) -> PersonProfile:
    """Check ``code``; on success the number becomes the account's and is marked verified."""
    held = cache.get(PENDING.format(user=user.pk))
    phone = crypto.decrypt(held) if held else ""
    if not phone or not phone_verification_check(phone=phone, code=code):
        raise ProblemError(
            "validation_error",
            _("Mã xác minh không đúng hoặc đã hết hạn."),
            extra={"errors": [{"path": "code", "message": _("Nhập đúng mã 6 chữ số vừa nhận.")}]},
        )
    cache.delete(PENDING.format(user=user.pk))
    with transaction.atomic():
        user.phone = phone
        user.save(update_fields=["phone_ciphertext", "phone_hash"])
        profile, _created = PersonProfile.objects.get_or_create(user=user)
        profile.phone_verified_hash = user.phone_hash or ""
        profile.phone_verified_at = timezone.now()
        profile.save(update_fields=["phone_verified_hash", "phone_verified_at", "updated_at"])
        audit_record(actor=user, action="accounts.phone_verified", target=profile)
    return profile


def sms_notices_set(*, user: User, enabled: bool) -> PersonProfile:
    """Opt in or out of dossier notices by SMS; opting in needs a verified number."""
    profile, _created = PersonProfile.objects.get_or_create(user=user)
    if enabled and not profile.phone_verified:
        raise ProblemError(
            "validation_error",
            _("Hãy xác minh số điện thoại trước khi đăng ký nhận thông báo qua SMS."),
            extra={
                "errors": [{"path": "sms_notices", "message": _("Chưa xác minh số điện thoại.")}]
            },
        )
    profile.sms_notices = enabled
    profile.save(update_fields=["sms_notices", "updated_at"])
    audit_record(
        actor=user, action="accounts.sms_notices", target=profile, changes={"enabled": enabled}
    )
    return profile


def sms_notice_copy(*, recipient: Any, template: str, subject: str, **kwargs: Any) -> None:
    """The SMS copy of a dossier notice, for a recipient who opted in with a verified number."""
    if not settings.SMS_URL or recipient is None or not template.startswith("dossier_"):
        return
    profile = PersonProfile.objects.filter(user_id=recipient.pk).select_related("user").first()
    if profile is None or not profile.sms_notices or not profile.phone_verified:
        return
    sms_send(phone=profile.user.phone, text=f"{settings.PORTAL_NAME}: {subject}")
