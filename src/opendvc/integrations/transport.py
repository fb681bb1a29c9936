"""How a delivery reaches its destination: one ``Sender`` per destination kind, registered by prefix
(``national``, ``onestop``, ``govfeedback:<system>``, ``sms``).

A sender sends one message over HTTP and returns the peer's answer (a dict, kept in the ledger), or
raises ``DeliveryError`` with a sentence saying what went wrong. The relay catches every other
exception too (a sender bug is recorded like a transport error, never lost).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx
from django.conf import settings

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
        raise DeliveryError(f"Không có bộ gửi cho nơi nhận “{destination}”.")
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


def describe(exc: BaseException) -> str:
    """One line naming what failed: the transport (timeout, connection refused, DNS, TLS) or the peer."""
    if isinstance(exc, DeliveryError):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return f"Hết thời gian chờ ({type(exc).__name__}): {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"Không kết nối được (DNS/TLS/từ chối kết nối): {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"Nơi nhận ngắt kết nối hoặc trả lời sai giao thức: {exc}"
    if isinstance(exc, httpx.HTTPError):
        return f"Lỗi truyền tải ({type(exc).__name__}): {exc}"
    return f"Lỗi không lường trước ({type(exc).__name__}): {exc}"


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
            f"Nơi nhận trả lời HTTP {response.status_code}"
            + (f" (yêu cầu chờ {wait:.0f} giây)" if wait is not None else "")
            + f": {response.text[:300]}",
            retry_after=wait,
            status=response.status_code,
        )
    try:
        data = response.json()
    # RecursionError: JSON nested deeper than the decoder reads.
    except (ValueError, RecursionError) as exc:
        raise DeliveryError(f"Trả lời không đúng định dạng JSON: {response.text[:200]!r}") from exc
    if not isinstance(data, dict):
        raise DeliveryError(f"Trả lời không đúng định dạng: {response.text[:200]!r}")
    return data
