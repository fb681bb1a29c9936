"""The one function every service calls to record what happened."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from opendvc.core.logging import request_id_var

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _target_parts(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        ident = getattr(target, "public_id", None) or getattr(target, "code", None) or target.pk
        return target._meta.label_lower, str(ident)
    if isinstance(target, tuple) and len(target) == 2:
        return str(target[0]), str(target[1])
    return type(target).__name__.lower(), str(target)


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


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + "|" + canonical_content(entry)).encode()).hexdigest()


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    changes: dict[str, Any] | None = None,
    request: Any = None,
) -> AuditEntry:
    """Append one entry to the audit chain.

    ``actor`` is a user, ``None`` for the system, or a string naming a machine client.
    ``target`` is a model instance, a ``(type, id)`` pair, or ``None``.
    Runs inside the caller's transaction (or its own): the entry exists only if the change does.
    """
    target_type, target_id = _target_parts(target)
    actor_obj = actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    if actor_obj is not None:
        actor_label = str(getattr(actor_obj, "email", "") or actor_obj.pk)
    elif isinstance(actor, str):
        actor_label = actor
    else:
        actor_label = "system"
    # No savepoint: the entry lives or dies with the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(id=1).first()
        if head is None:
            AuditChainHead.objects.get_or_create(id=1)
            head = AuditChainHead.objects.select_for_update().get(id=1)
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor_obj,
            actor_label=actor_label[:200],
            action=action,
            target_type=target_type,
            target_id=target_id[:100],
            changes=_jsonable(changes or {}),
            ip_address=_client_ip(request),
            user_agent=(request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""),
            request_id=(getattr(request, "request_id", None) or request_id_var.get() or "")[:64],
            prev_hash=head.last_hash,
        )
        entry.entry_hash = compute_hash(head.last_hash, entry)
        entry.save()
        AuditChainHead.objects.filter(id=1).update(last_hash=entry.entry_hash, count=models.F("count") + 1)
    return entry


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def audit_verify_chain() -> ChainReport:
    """Walk the chain in id order; report the first entry whose link or content does not hold.

    Detects an altered row (its hash no longer matches), a deleted row (the next row's
    ``prev_hash`` points at nothing), reordered rows, and rows appended after the head was recorded.
    """
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return ChainReport(False, checked, entry.id, "liên kết với bản ghi trước bị đứt (bị xóa hoặc đảo thứ tự)")
        if compute_hash(prev, entry) != entry.entry_hash:
            return ChainReport(False, checked, entry.id, "nội dung bản ghi đã bị sửa")
        prev = entry.entry_hash
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return ChainReport(False, checked, None, "bản ghi cuối chuỗi bị xóa hoặc số lượng không khớp")
    return ChainReport(True, checked)
