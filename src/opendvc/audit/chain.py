"""The links of the audit chain: the content a link covers, the keyed MAC and the hash of a row.

Shared by the writer (``services``) and the signed checkpoints (``checkpoints``)."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings

from .models import AuditEntry

GENESIS = "0" * 64


def canonical_content(entry: AuditEntry) -> str:
    """The fields covered by the hash, serialised deterministically."""
    return json.dumps(
        {
            "created_at": entry.created_at.isoformat(timespec="microseconds"),
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "changes": entry.changes,
            "ip_address": entry.ip_address,
            "user_agent": entry.user_agent,
            "request_id": entry.request_id,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


LEGACY = "legacy"


class UnknownKeyError(KeyError):
    """An entry or checkpoint names a MAC key this process does not hold."""


def mac_keys() -> dict[str, bytes]:
    """The MAC keys by id: the current ``AUDIT_MAC_KEY`` and the retired ones still verifying old rows."""
    keys: dict[str, bytes] = {}
    for item in settings.AUDIT_MAC_RETIRED_KEYS:
        kid, _, secret = str(item).partition(":")
        if kid and secret:
            keys[kid.strip()] = secret.strip().encode()
    keys[settings.AUDIT_MAC_KEY_ID] = settings.AUDIT_MAC_KEY.encode()
    return keys


def mac(key_id: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under the key ``key_id``."""
    try:
        key = mac_keys()[key_id]
    except KeyError as exc:
        raise UnknownKeyError(key_id) from exc
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    """The link of ``entry``: keyed MAC, or the plain SHA-256 of rows from before keys (``legacy``)."""
    if entry.key_id == LEGACY:
        return hashlib.sha256((prev_hash + "|" + canonical_content(entry)).encode()).hexdigest()
    return mac(entry.key_id, f"{prev_hash}|{entry.key_id}|{canonical_content(entry)}")
