"""Signatures between the portal and the one-stop software: HMAC-SHA256 over ``<timestamp>.<raw body>``
with the shared secret (``ONESTOP_SECRET``), hex, in ``X-Signature``; the Unix time in
``X-Timestamp``. Also the signed, expiring links to a dossier's files."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core import signing

FILE_SALT = "opendvc.integrations.onestop.file"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "X-Timestamp": timestamp,
        "X-Signature": signature(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def file_token(file_id: int, *, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + settings.ONESTOP_FILE_URL_SECONDS)
    return signing.dumps({"f": file_id, "e": expires}, salt=FILE_SALT, compress=True)


def file_from_token(token: str, *, now: float | None = None) -> int | None:
    """The file id of a valid, unexpired token; ``None`` otherwise."""
    try:
        data = signing.loads(token, salt=FILE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("e", 0) < (now if now is not None else time.time()):
        return None
    return int(data["f"])
