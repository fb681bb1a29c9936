"""The national payment platform (PayGov-style) behind the same interface as VNPay.

- Payment: the browser goes to ``<PAYGOV_URL>/thanh-toan/khoi-tao`` with ``version``,
  ``merchantCode`` (the portal's code at the platform), ``orderId`` = ``<agency code>-<dossier
  code>-<n>``, ``amount`` in đồng (no ×100), ``currency``, ``orderInfo``, ``createTime``
  (``yyyyMMddHHmmss``, Vietnam time), ``returnUrl`` and ``checksum``.
- Checksums: HMAC-SHA256 (hex) with the merchant secret over the documented fields joined by ``|``
  (``REQUEST``, ``CONFIRMATION``, ``QUERY``, ``QUERY_ANSWER``, ``REFUND``, ``REFUND_ANSWER``).
- Confirmation: the platform POSTs JSON ``{merchantCode, orderId, transactionId, amount, status,
  payTime, checksum}`` (``status``: ``SUCCESS``, ``FAILED``, ``CANCELLED``); the portal answers
  ``{"code", "message"}`` in the platform's codes: ``00`` received, ``01`` order not found,
  ``02`` already processed, ``03`` wrong amount, ``04`` wrong checksum, ``99`` other error.
- ``/api/giao-dich/truy-van`` and ``/api/giao-dich/hoan-tien`` for the query and the refund.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import base
from .base import GatewayError, Notice, RefundAnswer
from .registry import register
from .vnpay import vn_time

REQUEST = ("merchantCode", "orderId", "amount", "currency", "createTime", "returnUrl")
CONFIRMATION = ("merchantCode", "orderId", "transactionId", "amount", "status", "payTime")
QUERY = ("merchantCode", "orderId", "requestTime")
QUERY_ANSWER = ("merchantCode", "orderId", "transactionId", "amount", "status", "code")
REFUND = ("merchantCode", "orderId", "transactionId", "amount", "requestTime")
REFUND_ANSWER = ("merchantCode", "orderId", "refundId", "amount", "code")
CODES = {
    base.CONFIRMED: ("00", "Đã nhận"),
    base.NOT_FOUND: ("01", "Không tìm thấy đơn hàng"),
    base.ALREADY: ("02", "Đơn hàng đã được xử lý"),
    base.BAD_AMOUNT: ("03", "Số tiền không khớp"),
    base.BAD_SIGNATURE: ("04", "Sai checksum"),
    base.ERROR: ("99", "Lỗi khác"),
}
OUTCOMES = {
    "SUCCESS": "paid",
    "FAILED": "failed",
    "CANCELLED": "cancelled",
    "PENDING": "pending",
    "REFUNDED": "refunded",
}


def checksum(secret: str, data: dict, fields: tuple[str, ...]) -> str:
    text = "|".join(str(data.get(f, "")) for f in fields)
    return hmac.new(secret.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def checksum_ok(secret: str, data: dict, fields: tuple[str, ...]) -> bool:
    return hmac.compare_digest(
        str(data.get("checksum") or "").lower(), checksum(secret, data, fields)
    )


def _amount(value) -> int | None:
    """An amount in whole đồng: a JSON integer or a string of ASCII digits. A fraction (20000.9), a
    float written as one (20000.0), infinity, a boolean or anything else is not an amount: the
    notification is then answered as a mismatch, never rounded to one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return int(text)
    return None


class PayGov(base.Gateway):
    key = "paygov"
    label = _("Nền tảng thanh toán của Cổng Dịch vụ công quốc gia")

    @property
    def url(self) -> str:
        return settings.PAYGOV_URL.rstrip("/")

    @property
    def secret(self) -> str:
        return settings.PAYGOV_SECRET

    def enabled(self) -> bool:
        return bool(
            settings.PAYGOV_URL and settings.PAYGOV_MERCHANT_CODE and settings.PAYGOV_SECRET
        )

    def start(self, *, attempt, return_url: str, client_ip: str) -> str:
        from urllib.parse import urlencode

        params = {
            "version": "1.0",
            "merchantCode": settings.PAYGOV_MERCHANT_CODE,
            "orderId": attempt.reference,
            "amount": str(attempt.amount_vnd),
            "currency": "VND",
            "orderInfo": f"Phi, le phi ho so {attempt.order.dossier.code}",
            "createTime": vn_time(attempt.created_at or timezone.now()),
            "returnUrl": return_url,
        }
        params["checksum"] = checksum(self.secret, params, REQUEST)
        return f"{self.url}/thanh-toan/khoi-tao?{urlencode(params)}"

    def _notice(self, data: dict, raw: str) -> Notice:
        return Notice(
            reference=str(data.get("orderId") or ""),
            outcome=OUTCOMES.get(str(data.get("status")), "failed"),
            amount_vnd=_amount(data.get("amount")),
            gateway_ref=str(data.get("transactionId") or ""),
            response_code=str(data.get("status") or "")[:10],
            signature_ok=checksum_ok(self.secret, data, CONFIRMATION),
            raw=raw,
        )

    def read_confirmation(self, request: HttpRequest) -> Notice:
        raw = request.body.decode("utf-8", errors="replace")
        try:
            data = json.loads(raw or "null")
        except RecursionError:  # nested deeper than the decoder reads: answered as malformed
            raise ValueError("confirmation nested too deeply") from None
        if not isinstance(data, dict):
            raise ValueError("confirmation is not an object")
        return self._notice(data, raw)

    def read_return(self, request: HttpRequest) -> Notice:
        data = dict(request.GET.items())
        return self._notice(data, request.META.get("QUERY_STRING", ""))

    def answer_confirmation(self, result: str) -> JsonResponse:
        code, message = CODES.get(result, CODES[base.ERROR])
        return JsonResponse(
            {"code": code, "message": message}, json_dumps_params={"ensure_ascii": False}
        )

    def _post(self, path: str, body: dict) -> tuple[dict, str]:
        try:
            r = httpx.post(f"{self.url}{path}", json=body, timeout=settings.PAYMENT_GATEWAY_TIMEOUT)
            r.raise_for_status()
            data = r.json()
        # RecursionError: JSON nested deeper than the decoder reads.
        except (httpx.HTTPError, ValueError, RecursionError) as exc:
            raise GatewayError(f"PayGov: {exc}") from exc
        if not isinstance(data, dict):
            raise GatewayError("PayGov: answer is not an object")
        return data, r.text

    def query(self, *, attempt) -> Notice:
        body = {
            "merchantCode": settings.PAYGOV_MERCHANT_CODE,
            "orderId": attempt.reference,
            "requestTime": vn_time(timezone.now()),
        }
        body["checksum"] = checksum(self.secret, body, QUERY)
        data, raw = self._post("/api/giao-dich/truy-van", body)
        if not checksum_ok(self.secret, data, QUERY_ANSWER):
            return Notice(
                reference=attempt.reference, outcome="unknown", signature_ok=False, raw=raw
            )
        if data.get("code") == "01":
            return Notice(reference=attempt.reference, outcome="unknown", raw=raw)
        if data.get("code") != "00":
            raise GatewayError(f"PayGov query: {data.get('code')}")
        return Notice(
            reference=attempt.reference,
            outcome=OUTCOMES.get(str(data.get("status")), "pending"),
            amount_vnd=_amount(data.get("amount")),
            gateway_ref=str(data.get("transactionId") or ""),
            response_code=str(data.get("status") or "")[:10],
            raw=raw,
        )

    def refund(self, *, refund) -> RefundAnswer:
        attempt = refund.attempt
        body = {
            "merchantCode": settings.PAYGOV_MERCHANT_CODE,
            "orderId": attempt.reference,
            "transactionId": attempt.gateway_ref,
            "amount": str(refund.amount_vnd),
            "requestTime": vn_time(timezone.now()),
            "reason": refund.reason[:255],
        }
        body["checksum"] = checksum(self.secret, body, REFUND)
        data, raw = self._post("/api/giao-dich/hoan-tien", body)
        if not checksum_ok(self.secret, data, REFUND_ANSWER):
            raise GatewayError("PayGov refund: the answer's checksum does not match")
        return RefundAnswer(
            accepted=data.get("code") == "00",
            gateway_ref=str(data.get("refundId") or ""),
            message=str(data.get("message") or ""),
            raw=raw,
        )


GATEWAY = register(PayGov())
