"""Text messages (SMS): a provider interface, the configurable HTTP provider, and the services that
use it through the outbox — a phone number's verification code and the notices a citizen opts into.

The phone number is personal data and the text may hold a verification code or what a dossier is
about: both are kept encrypted in the outbox (as the phone on the account) and decrypted only when
sent, so that neither the outbox page nor a copy of the database shows them. The provider gets the message id as ``X-Idempotency-Key`` so a text sent
twice by the relay reaches the phone once.

HTTP provider: ``POST <SMS_URL>/send`` with ``{"to", "text", "reference"}`` and
``Authorization: Bearer <SMS_TOKEN>`` → ``{"id": <provider id>, "status": "accepted"}``; delivery
reports are read with ``GET <SMS_URL>/reports/<id>`` → ``{"id", "status": "delivered"|"failed"|…}``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from opendvc.accounts import crypto
from opendvc.accounts.validators import normalize_phone
from opendvc.core.problems import ProblemError

from ..outbox import outbox_enqueue
from ..transport import (
    DeliveryError,
    http_client,
    json_answer,
    register_sender,
    transport_error,
)

KIND = "sms.send"


class SmsProvider(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str: ...

    def delivery_report(self, provider_id: str) -> str: ...


class HttpSmsProvider:
    def __init__(self, base_url: str | None = None, *, token: str | None = None) -> None:
        self.base_url = (base_url or settings.SMS_URL).rstrip("/")
        self.token = token if token is not None else settings.SMS_TOKEN
        self.http = http_client()

    def _headers(self, reference: str = "") -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if reference:
            headers["X-Idempotency-Key"] = reference
        return headers

    def send(self, *, to: str, text: str, reference: str) -> str:
        if not self.base_url:
            raise DeliveryError(transport_error("sms_unset"))
        answer = json_answer(
            self.http.post(
                f"{self.base_url}/send",
                json={"to": to, "text": text, "reference": reference},
                headers=self._headers(reference),
            )
        )
        if answer.get("status") != "accepted" or not answer.get("id"):
            raise DeliveryError(transport_error("sms_refused", detail=repr(answer))[:300])
        return str(answer["id"])

    def delivery_report(self, provider_id: str) -> str:
        answer = json_answer(
            self.http.get(f"{self.base_url}/reports/{provider_id}", headers=self._headers())
        )
        return str(answer.get("status") or "unknown")


class SmsSender:
    """The outbox's sender for the destination ``sms``."""

    def __init__(self, destination: str = "sms", provider: SmsProvider | None = None) -> None:
        self.provider = provider or HttpSmsProvider()

    def send(self, *, message_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        to = crypto.decrypt(payload.get("to_ciphertext", ""))
        if not to:
            raise DeliveryError(transport_error("sms_no_phone"))
        # Messages queued before the text was encrypted carry it as "text".
        if "text_ciphertext" in payload:
            text = crypto.decrypt(payload["text_ciphertext"])
        else:
            text = payload.get("text", "")
        return {"id": self.provider.send(to=to, text=text, reference=message_id)}


register_sender("sms", SmsSender)


def sms_send(*, phone: str, text: str) -> None:
    """Queue a text to ``phone`` (in the caller's transaction). Does nothing when SMS is off."""
    if not settings.SMS_URL:
        return
    outbox_enqueue(
        kind=KIND,
        destinations=["sms"],
        payload={
            "to_ciphertext": crypto.encrypt(normalize_phone(phone)),
            "text_ciphertext": crypto.encrypt(text[:480]),
        },
    )


def _code_key(phone: str) -> str:
    return "sms-verify:" + (crypto.lookup_hash(phone) or "")


def _digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def phone_verification_start(*, phone: str) -> None:
    """Send a 6-digit code to ``phone`` (valid ``SMS_CODE_SECONDS``; only its digest is kept)."""
    try:
        phone = normalize_phone(phone)
    except Exception as exc:  # noqa: BLE001 - any malformed number is the same answer
        raise ProblemError(
            "validation_error",
            _("Số điện thoại không hợp lệ."),
            extra={"errors": [{"path": "phone", "message": _("Nhập số điện thoại Việt Nam.")}]},
        ) from exc
    code = f"{secrets.randbelow(1_000_000):06d}"
    cache.set(_code_key(phone), {"digest": _digest(code), "tries": 0}, settings.SMS_CODE_SECONDS)
    sms_send(
        phone=phone,
        text=_("Mã xác minh số điện thoại của bạn trên Cổng dịch vụ công: %(code)s")
        % {"code": code},
    )


def phone_verification_check(*, phone: str, code: str) -> bool:
    """Whether ``code`` is the one sent to ``phone``; five wrong tries end the code."""
    try:
        phone = normalize_phone(phone)
    except Exception:  # noqa: BLE001
        return False
    key = _code_key(phone)
    held = cache.get(key)
    if not held:
        return False
    if hmac.compare_digest(held["digest"], _digest((code or "").strip())):
        cache.delete(key)
        return True
    held["tries"] += 1
    if held["tries"] >= 5:
        cache.delete(key)
    else:
        cache.set(key, held, settings.SMS_CODE_SECONDS)
    return False
