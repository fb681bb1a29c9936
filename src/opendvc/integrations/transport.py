"""How a delivery reaches its destination: one ``Sender`` per destination kind, registered by prefix
(``national``, ``onestop``, ``govfeedback:<system>``, ``sms``).

A sender sends one message over HTTP and returns the peer's answer (a dict, kept in the ledger), or
raises ``DeliveryError`` with a sentence saying what went wrong. The relay catches every other
exception too (a sender bug is recorded like a transport error, never lost).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from opendvc.core import text

# One line per request at INFO would drown the relay's own outcome lines (and slow it down).
logging.getLogger("httpx").setLevel(logging.WARNING)


class DeliveryError(Exception):
    """The message did not reach the peer, or the peer refused it; retried with backoff, not sooner
    than ``retry_after`` seconds when the peer said so (``Retry-After``). ``status``: the peer's HTTP
    status, when it answered one (a 429 or 503 with ``Retry-After`` holds the whole destination)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class Sender(Protocol):
    def send(self, *, message_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]: ...


_FACTORIES: dict[str, Callable[[str], Sender]] = {}
# The prefixes that have a sender (a live view: senders register when their app loads).
SENDER_NAMES = _FACTORIES.keys()
_CACHE: dict[tuple[str, int], Sender] = {}
_LOCK = threading.Lock()


def register_sender(prefix: str, factory: Callable[[str], Sender]) -> None:
    """``factory(destination)`` builds the sender of destinations ``prefix`` or ``prefix:…``."""
    _FACTORIES[prefix] = factory


def sender_for(destination: str) -> Sender:
    """The sender of ``destination`` (one per process and settings, so sessions and connections are
    reused between batches)."""
    prefix = destination.split(":", 1)[0]
    factory = _FACTORIES.get(prefix)
    if factory is None:
        raise DeliveryError(transport_error("no_sender", destination=destination))
    key = (destination, id(settings._wrapped))
    with _LOCK:
        sender = _CACHE.get(key)
        if sender is None:
            sender = _CACHE[key] = factory(destination)
    return sender


def reset_senders() -> None:
    with _LOCK:
        _CACHE.clear()


def http_client() -> httpx.Client:
    timeout = settings.OUTBOX_TIMEOUT_SECONDS
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )


# What failed on the way to a peer, as the ledger keeps it (``Delivery.last_error``): in Vietnamese,
# one wording whatever language the relay ran in, with the transport's or the peer's own words filled
# in. Pages say it in their language (``error_words``), rows written before included: the wording
# must stay the same (a changed one is shown as it was stored).
TRANSPORT_ERRORS = {
    "timeout": gettext_noop("Hết thời gian chờ (%(kind)s): %(detail)s"),
    "connect": gettext_noop("Không kết nối được (DNS/TLS/từ chối kết nối): %(detail)s"),
    "protocol": gettext_noop("Nơi nhận ngắt kết nối hoặc trả lời sai giao thức: %(detail)s"),
    "transport": gettext_noop("Lỗi truyền tải (%(kind)s): %(detail)s"),
    "unexpected": gettext_noop("Lỗi không lường trước (%(kind)s): %(detail)s"),
    "status_wait": gettext_noop(
        "Nơi nhận trả lời HTTP %(status)s (yêu cầu chờ %(wait)s giây): %(detail)s"
    ),
    "status": gettext_noop("Nơi nhận trả lời HTTP %(status)s: %(detail)s"),
    "not_json": gettext_noop("Trả lời không đúng định dạng JSON: %(detail)s"),
    "not_object": gettext_noop("Trả lời không đúng định dạng: %(detail)s"),
    "no_sender": gettext_noop("Không có bộ gửi cho nơi nhận “%(destination)s”."),
    # What each peer's client says of a message it could not send (its settings, its mapping, the
    # peer's refusal around the peer's own answer).
    "national_unset": gettext_noop(
        "Chưa cấu hình địa chỉ Cổng DVC quốc gia (NATIONAL_PORTAL_URL)."
    ),
    "national_login": gettext_noop("Đăng nhập Cổng DVC quốc gia không thành công: %(detail)s"),
    "national_refused": gettext_noop("Cổng DVC quốc gia từ chối %(service)s: %(detail)s"),
    "national_kind": gettext_noop("Loại thông điệp không gửi được lên Cổng DVC quốc gia: %(kind)s"),
    "national_state": gettext_noop("Trạng thái “%(state)s” chưa có mã quốc gia trong bảng ánh xạ."),
    "national_channel": gettext_noop(
        "Hình thức “%(channel)s” chưa có mã quốc gia trong bảng ánh xạ."
    ),
    "onestop_unset": gettext_noop("Chưa cấu hình địa chỉ phần mềm một cửa (ONESTOP_URL)."),
    "onestop_refused": gettext_noop("Phần mềm một cửa từ chối hồ sơ: %(detail)s"),
    "sms_unset": gettext_noop("Chưa cấu hình nhà cung cấp SMS (SMS_URL)."),
    "sms_refused": gettext_noop("Nhà cung cấp SMS từ chối tin nhắn: %(detail)s"),
    "sms_no_phone": gettext_noop("Thiếu số điện thoại nhận tin."),
    "govfeedback_unset": gettext_noop("Chưa cấu hình địa chỉ hệ thống %(system)s."),
    "govfeedback_refused": gettext_noop("%(system)s từ chối câu trả lời: %(detail)s"),
    "govfeedback_no_data": gettext_noop("%(system)s: trả lời không có danh sách 'data'."),
}


def transport_error(key: str, **values: Any) -> str:
    """The stored words of a failure (``TRANSPORT_ERRORS[key]``, in Vietnamese) with ``values``."""
    return TRANSPORT_ERRORS[key] % values


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _stored_pattern(template: str) -> re.Pattern:
    parts, end = [], 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end : m.start()]))
        parts.append(f"(?P<{m.group(1)}>.*?)")
        end = m.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)


# The most specific first (the status with a wait before the bare status).
_STORED = [
    (_stored_pattern(t), t)
    for t in sorted(TRANSPORT_ERRORS.values(), key=lambda t: -len(_PLACEHOLDER.sub("", t)))
]


def error_words(stored: str) -> tuple[str, bool]:
    """A stored failure in the language of the page, and whether it was said in it: a failure of
    ``TRANSPORT_ERRORS`` is translated around the values filled in (the transport's or the peer's own
    words, kept as they are); any other text (a peer's refusal, older wording) is returned as it is,
    with False."""
    for pattern, template in _STORED:
        found = pattern.fullmatch(stored or "")
        if found is not None:
            return gettext(template) % found.groupdict(), True
    return stored, False


def describe(exc: BaseException) -> str:
    """One line naming what failed: the transport (timeout, connection refused, DNS, TLS) or the peer."""
    if isinstance(exc, DeliveryError):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return transport_error("timeout", kind=type(exc).__name__, detail=exc)
    if isinstance(exc, httpx.ConnectError):
        return transport_error("connect", detail=exc)
    if isinstance(exc, httpx.RemoteProtocolError):
        return transport_error("protocol", detail=exc)
    if isinstance(exc, httpx.HTTPError):
        return transport_error("transport", kind=type(exc).__name__, detail=exc)
    return transport_error("unexpected", kind=type(exc).__name__, detail=exc)


def retry_after_seconds(response: httpx.Response, *, now: float | None = None) -> float | None:
    """How long the peer asked us to wait (``Retry-After``: seconds or an HTTP date), if it did."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value[:9]), 10**8))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def storable(value: Any) -> Any:
    """A peer's text or JSON as the database keeps it (``core.text.storable``): a NUL character
    written ``\\u0000``, half a surrogate pair as U+FFFD; keys and values, at any depth."""
    return text.storable(value, nul="\\u0000")


def json_answer(response: httpx.Response) -> dict[str, Any]:
    """The peer's JSON answer of a 2xx response, else ``DeliveryError`` (status, or malformed body)."""
    if not response.is_success:
        wait = retry_after_seconds(response)
        raise DeliveryError(
            transport_error("status", status=response.status_code, detail=response.text[:300])
            if wait is None
            else transport_error(
                "status_wait",
                status=response.status_code,
                wait=f"{wait:.0f}",
                detail=response.text[:300],
            ),
            retry_after=wait,
            status=response.status_code,
        )
    try:
        data = response.json()
    # RecursionError: JSON nested deeper than the decoder reads.
    except (ValueError, RecursionError) as exc:
        raise DeliveryError(transport_error("not_json", detail=repr(response.text[:200]))) from exc
    if not isinstance(data, dict):
        raise DeliveryError(transport_error("not_object", detail=repr(response.text[:200])))
    return data
