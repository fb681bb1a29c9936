"""VNPay-compatible gateway (API 2.1.0).

- Payment: the browser is sent to ``<VNPAY_URL>/paymentv2/vpcpay.html`` with ``vnp_Amount`` in đồng
  ×100, ``vnp_CreateDate``/``vnp_ExpireDate`` as ``yyyyMMddHHmmss`` in Vietnam time, the unique
  ``vnp_TxnRef`` and ``vnp_SecureHash`` = HMAC-SHA512 (hex) over the parameters sorted by name and
  form-encoded (``quote_plus``), without ``vnp_SecureHash``/``vnp_SecureHashType``.
- IPN (server to server, GET): the signature is checked over the values as received (constant-time
  compare); the answer is JSON ``{"RspCode", "Message"}``: 00 confirmed, 01 order not found,
  02 already confirmed, 04 invalid amount, 97 invalid checksum, 99 other error. Paid only when both
  ``vnp_ResponseCode`` and ``vnp_TransactionStatus`` are ``00``.
- The browser return (``vnp_ReturnUrl``) carries the same fields: for display only.
- ``querydr`` and ``refund`` (POST JSON to ``<VNPAY_URL>/merchant_webapi/api/transaction``): the hash
  is HMAC-SHA512 over the documented fields joined with ``|``; the answers' hashes are checked too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import quote_plus, urlencode

import httpx
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.worktime import VN_TZ

from . import base
from .base import GatewayError, Notice, RefundAnswer
from .registry import register

VERSION = "2.1.0"
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
QUERY_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_ANSWER = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_ANSWER = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
IPN_CODES = {
    base.CONFIRMED: ("00", "Confirm Success"),
    base.NOT_FOUND: ("01", "Order not found"),
    base.ALREADY: ("02", "Order already confirmed"),
    base.BAD_AMOUNT: ("04", "Invalid amount"),
    base.BAD_SIGNATURE: ("97", "Invalid Checksum"),
    base.ERROR: ("99", "Unknown error"),
}
CANCEL_CODE = "24"  # vnp_ResponseCode: the customer cancelled


def vn_time(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def sign(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode("utf-8"), hashlib.sha512).hexdigest()


def hash_data(params: dict[str, str]) -> str:
    """The signed text: ``k=v`` pairs sorted by name, form-encoded, without the hash fields."""
    return "&".join(
        f"{quote_plus(str(k))}={quote_plus(str(v))}"
        for k, v in sorted(params.items())
        if k not in HASH_FIELDS and v not in (None, "")
    )


def sign_params(secret: str, params: dict[str, str]) -> dict[str, str]:
    return {**params, "vnp_SecureHash": sign(secret, hash_data(params))}


def signature_ok(secret: str, params: dict[str, str]) -> bool:
    given = str(params.get("vnp_SecureHash") or "").lower()
    return bool(given) and hmac.compare_digest(given, sign(secret, hash_data(params)).lower())


def piped(params: dict[str, str], names: tuple[str, ...]) -> str:
    return "|".join(str(params.get(n) or "") for n in names)


def outcome_of(params: dict[str, str]) -> str:
    response, status = params.get("vnp_ResponseCode"), params.get("vnp_TransactionStatus")
    if response == "00" and status == "00":
        return "paid"
    if response == CANCEL_CODE:
        return "cancelled"
    return "failed"


def amount_of(params: dict[str, str]) -> int | None:
    try:
        value = int(params.get("vnp_Amount") or "")
    except ValueError:
        return None
    return value // 100 if value % 100 == 0 else None


class VNPay(base.Gateway):
    key = "vnpay"
    label = _("VNPAY (thẻ ATM, QR, ví điện tử)")

    @property
    def url(self) -> str:
        return settings.VNPAY_URL.rstrip("/")

    @property
    def secret(self) -> str:
        return settings.VNPAY_HASH_SECRET

    def enabled(self) -> bool:
        return bool(settings.VNPAY_URL and settings.VNPAY_TMN_CODE and settings.VNPAY_HASH_SECRET)

    def start(self, *, attempt, return_url: str, client_ip: str) -> str:
        created = attempt.created_at or timezone.now()
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_Amount": str(attempt.amount_vnd * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": attempt.reference,
            "vnp_OrderInfo": f"Thanh toan phi le phi ho so {attempt.order.dossier.code}",
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": vn_time(created),
            "vnp_ExpireDate": vn_time(created + timedelta(minutes=15)),
        }
        return f"{self.url}/paymentv2/vpcpay.html?{urlencode(sign_params(self.secret, params))}"

    def _notice(self, params: dict[str, str], raw: str) -> Notice:
        return Notice(
            reference=str(params.get("vnp_TxnRef") or ""),
            outcome=outcome_of(params),
            amount_vnd=amount_of(params),
            gateway_ref=str(params.get("vnp_TransactionNo") or ""),
            bank_code=str(params.get("vnp_BankCode") or ""),
            response_code=str(params.get("vnp_ResponseCode") or ""),
            signature_ok=signature_ok(self.secret, params),
            raw=raw,
        )

    def read_confirmation(self, request: HttpRequest) -> Notice:
        params = dict(request.GET.items())
        return self._notice(params, request.META.get("QUERY_STRING", ""))

    def answer_confirmation(self, result: str) -> JsonResponse:
        code, message = IPN_CODES.get(result, IPN_CODES[base.ERROR])
        return JsonResponse({"RspCode": code, "Message": message})

    def _post(self, body: dict[str, str]) -> tuple[dict, str]:
        try:
            r = httpx.post(
                f"{self.url}/merchant_webapi/api/transaction",
                json=body,
                timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
            )
            r.raise_for_status()
            return r.json(), r.text
        # RecursionError: JSON nested deeper than the decoder reads.
        except (httpx.HTTPError, ValueError, RecursionError) as exc:
            raise GatewayError(f"VNPAY: {exc}") from exc

    def _request(self, command: str, attempt, **more: str) -> dict[str, str]:
        now = timezone.now()
        return {
            "vnp_RequestId": secrets.token_hex(16),
            "vnp_Version": VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_TxnRef": attempt.reference,
            "vnp_TransactionDate": vn_time(attempt.created_at),
            "vnp_CreateDate": vn_time(now),
            "vnp_IpAddr": "127.0.0.1",
            **more,
        }

    def query(self, *, attempt) -> Notice:
        body = self._request(
            "querydr", attempt, vnp_OrderInfo=f"Truy van giao dich {attempt.reference}"
        )
        body["vnp_SecureHash"] = sign(self.secret, piped(body, QUERY_REQUEST))
        answer, raw = self._post(body)
        if not isinstance(answer, dict):
            raise GatewayError("VNPAY: answer is not an object")
        ok = hmac.compare_digest(
            str(answer.get("vnp_SecureHash") or "").lower(),
            sign(self.secret, piped(answer, QUERY_ANSWER)),
        )
        code = str(answer.get("vnp_ResponseCode") or "")
        if not ok:
            return Notice(
                reference=attempt.reference, outcome="unknown", signature_ok=False, raw=raw
            )
        if code == "91":  # no such transaction
            return Notice(
                reference=attempt.reference, outcome="unknown", response_code=code, raw=raw
            )
        if code != "00":
            raise GatewayError(f"VNPAY querydr: {code} {answer.get('vnp_Message')}")
        status = str(answer.get("vnp_TransactionStatus") or "")
        if answer.get("vnp_TransactionType") in ("02", "03") and status == "00":
            outcome = "refunded"
        elif status == "00":
            outcome = "paid"
        elif status in ("01", "05"):
            outcome = "pending"
        else:
            outcome = "failed"
        return Notice(
            reference=attempt.reference,
            outcome=outcome,
            amount_vnd=amount_of(answer),
            gateway_ref=str(answer.get("vnp_TransactionNo") or ""),
            bank_code=str(answer.get("vnp_BankCode") or ""),
            response_code=status,
            raw=raw,
        )

    def refund(self, *, refund) -> RefundAnswer:
        attempt = refund.attempt
        full = refund.amount_vnd == attempt.amount_vnd
        body = self._request(
            "refund",
            attempt,
            vnp_TransactionType="02" if full else "03",
            vnp_Amount=str(refund.amount_vnd * 100),
            vnp_TransactionNo=attempt.gateway_ref,
            vnp_CreateBy=str(getattr(refund.approved_by, "email", "") or "system")[:100],
            vnp_OrderInfo=f"Hoan tien {attempt.reference}",
        )
        body["vnp_SecureHash"] = sign(self.secret, piped(body, REFUND_REQUEST))
        answer, raw = self._post(body)
        ok = isinstance(answer, dict) and hmac.compare_digest(
            str(answer.get("vnp_SecureHash") or "").lower(),
            sign(self.secret, piped(answer, REFUND_ANSWER)),
        )
        if not ok:
            raise GatewayError("VNPAY refund: the answer's checksum does not match")
        return RefundAnswer(
            accepted=answer.get("vnp_ResponseCode") == "00",
            gateway_ref=str(answer.get("vnp_TransactionNo") or ""),
            message=str(answer.get("vnp_Message") or ""),
            raw=raw,
        )


GATEWAY = register(VNPay())
