"""Personal data at rest: Fernet encryption with key rotation and a keyed hash for exact lookup.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (newest first): the first key encrypts, every key
decrypts, so a new key can be put in front and ``manage.py rotate_encryption_keys`` re-encrypts the
stored values. ``settings.LOOKUP_HASH_KEY`` keys the HMAC-SHA256 used to find a value without
decrypting every row (Regulation Art. 4.4, 13.3: personal data is private).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k and k.strip()]
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty: personal data cannot be stored.")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _reset(*, setting: str, **kwargs) -> None:
    if setting in {"FIELD_ENCRYPTION_KEYS", "LOOKUP_HASH_KEY"}:
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(value: str) -> str:
    """Encrypt with the newest key; empty stays empty (nothing to protect)."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with whichever configured key made the token; raises ``InvalidToken`` otherwise."""
    if not token:
        return ""
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key (no plaintext leaves this function)."""
    if not token:
        return ""
    return _fernet().rotate(token.encode()).decode()


def holding_tokens(queryset, field: str):
    """The rows of ``queryset`` with a token in text column ``field`` (neither empty nor null)."""
    return queryset.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})


def rotate_column(queryset, field: str, *, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt the tokens of text column ``field`` in the rows of ``queryset`` with the newest
    key; each row is written only if its token is still the one read (a concurrent change wins).
    ``progress(n)`` is told of each row done. Returns the number of rows holding a token."""
    count = 0
    rows = holding_tokens(queryset, field).order_by("pk")
    for pk, token in rows.values_list("pk", field).iterator(chunk_size=batch_size):
        new = rotate(token)
        if new != token:
            queryset.model.objects.filter(pk=pk, **{field: token}).update(**{field: new})
        count += 1
        if progress is not None:
            progress(1)
    return count


def _rotate_tokens_in(value):
    """``value`` (decoded JSON) with every string under a key ending in ``_ciphertext`` rotated."""
    if isinstance(value, dict):
        return {
            k: rotate(v) if k.endswith("_ciphertext") and isinstance(v, str) else _rotate_tokens_in(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rotate_tokens_in(v) for v in value]
    return value


def rotate_json_column(queryset, field: str, *, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt, in JSON column ``field`` of the rows of ``queryset``, every token under a key
    ending in ``_ciphertext`` (the outbox's messages keep the personal data of their payload so).
    ``progress(n)`` is told of each row read. Returns the number of rows changed."""
    count = 0
    for pk, value in queryset.order_by("pk").values_list("pk", field).iterator(chunk_size=batch_size):
        new = _rotate_tokens_in(value)
        if new != value:
            queryset.model.objects.filter(pk=pk).update(**{field: new})
            count += 1
        if progress is not None:
            progress(1)
    return count


def lookup_hash(value: str) -> str | None:
    """HMAC-SHA256 of the normalised value, hex; ``None`` for empty (so unique columns allow many)."""
    if not value:
        return None
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask(value: str, *, head: int = 3, tail: int = 3) -> str:
    """``075201000123`` -> ``075******123``: enough to recognise, not enough to use."""
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


__all__ = [
    "InvalidToken",
    "decrypt",
    "encrypt",
    "holding_tokens",
    "lookup_hash",
    "mask",
    "rotate",
    "rotate_column",
    "rotate_json_column",
]
