"""The one function every service calls to record what happened."""

from __future__ import annotations

import contextlib
import hmac
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from opendvc.core.logging import request_id_var
from opendvc.core.prepared import PreparedRead
from opendvc.core.ratelimit import client_address

from .chain import GENESIS, LEGACY, UnknownKeyError, compute_hash
from .checkpoints import checkpoints_load
from .models import AuditChainHead, AuditEntry


def _target_parts(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        ident = getattr(target, "public_id", None) or getattr(target, "code", None) or target.pk
        return target._meta.label_lower, str(ident)
    if isinstance(target, tuple) and len(target) == 2:
        return str(target[0]), str(target[1])
    return type(target).__name__.lower(), str(target)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


# Entries recorded inside ``audit_chain_last`` wait here, each with the marker that tells whether the
# savepoint it was recorded in still stands.
_waiting: ContextVar[list | None] = ContextVar("audit_waiting", default=None)


@contextlib.contextmanager
def audit_chain_last(using: str | None = None) -> Iterator[None]:
    """Inside a transaction: the entries ``audit_record`` makes in the block are chained together when
    the block ends — the chain head is locked once, as the last thing before the caller's commit, and
    held only for the one statement that appends them — instead of from the first entry to the commit.
    For a short transaction that must hold the head as briefly as possible (the payment gateway's
    confirmation); the entries, their order, their hashes and their rows are the same, their
    ``created_at`` is the chaining time (as always: the time the head was locked). An entry recorded
    in a savepoint that is rolled back is dropped with it; nothing is chained if the block raises.
    ``audit_record`` returns the entry before it is chained (no ``pk`` yet). Nested blocks chain at
    the outermost one's end."""
    if _waiting.get() is not None:
        yield
        return
    conn = connections[using or router.db_for_write(AuditEntry)]
    if not conn.in_atomic_block:
        raise RuntimeError("audit_chain_last runs inside a transaction")
    token = _waiting.set([])
    try:
        yield
        waiting = _waiting.get()
    finally:
        _waiting.reset(token)
    # Django drops the on-commit callbacks of a savepoint rolled back: an entry whose marker is gone
    # was recorded in such a savepoint.
    standing = {id(func) for _sids, func, _robust in conn.run_on_commit}
    entries = [entry for entry, marker in waiting if id(marker) in standing]
    conn.run_on_commit = [
        item for item in conn.run_on_commit if all(item[1] is not m for _e, m in waiting)
    ]
    if entries:
        _chain(entries)


# The chain's head, locked (its statement built once per process: every change of the portal runs it).
_HEAD_LOCKED = PreparedRead(lambda: AuditChainHead.objects.select_for_update().filter(id=1))


def _chain(entries: list[AuditEntry]) -> None:
    with transaction.atomic(savepoint=False):
        head = _HEAD_LOCKED.first()
        if head is None:
            AuditChainHead.objects.get_or_create(id=1)
            head = _HEAD_LOCKED.first()
        last = head.last_hash
        now = timezone.now()
        for entry in entries:
            entry.created_at = now
            entry.prev_hash = last
            entry.entry_hash = last = compute_hash(last, entry)
        _append(entries)


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
    actor_obj = (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )
    if actor_obj is not None:
        actor_label = str(getattr(actor_obj, "email", "") or actor_obj.pk)
    elif isinstance(actor, str):
        actor_label = actor
    else:
        actor_label = "system"
    entry = AuditEntry(
        actor=actor_obj,
        actor_label=actor_label[:200],
        action=action,
        target_type=target_type,
        target_id=target_id[:100],
        changes=_jsonable(changes or {}),
        ip_address=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""),
        request_id=(getattr(request, "request_id", None) or request_id_var.get() or "")[:64],
        key_id=settings.AUDIT_MAC_KEY_ID,
    )
    waiting = _waiting.get()
    if waiting is not None:  # chained at the end of ``audit_chain_last``
        marker = lambda: None  # noqa: E731 - an on-commit marker, never called for its effect
        transaction.on_commit(marker, using=router.db_for_write(AuditEntry))
        waiting.append((entry, marker))
        return entry
    # No savepoint: the entry lives or dies with the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        _chain([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    """Insert ``entries`` (hashed in this order) and move the (locked) chain head to the last one. On
    PostgreSQL in one statement: the insert is a data-modifying ``WITH`` of the head's update; the
    rows take their ids in the order given (``bulk_create``'s guarantee on PostgreSQL)."""
    conn = connections[router.db_for_write(AuditEntry)]
    if conn.vendor != "postgresql":
        for entry in entries:
            entry.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(
            last_hash=entries[-1].entry_hash, count=models.F("count") + len(entries)
        )
        return
    fields = [f for f in AuditEntry._meta.local_concrete_fields if not f.primary_key]
    query = InsertQuery(AuditEntry)
    query.insert_values(fields, entries)
    compiler = query.get_compiler(connection=conn)
    ((insert_sql, insert_params),) = compiler.as_sql()
    q = conn.ops.quote_name
    head = q(AuditChainHead._meta.db_table)
    with conn.cursor() as cursor:
        cursor.execute(
            f"WITH e AS ({insert_sql} RETURNING {q('id')}) "  # noqa: S608 - names quoted, values bound
            f"UPDATE {head} SET {q('last_hash')} = %s, {q('count')} = {head}.{q('count')} + %s "
            f"WHERE {head}.{q('id')} = 1 RETURNING (SELECT array_agg({q('id')} ORDER BY {q('id')}) FROM e)",
            [*insert_params, entries[-1].entry_hash, len(entries)],
        )
        ids = cursor.fetchone()[0]
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = conn.alias


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    #: "ok", "altered", "broken_link", "rechained", "unknown_key", "truncated", "rollback",
    #: "head_mismatch" or "bad_checkpoint"
    kind: str = "ok"
    #: the newest valid checkpoint compared with the chain, if any
    checkpoint: Any = None
    warnings: list[str] = field(default_factory=list)


def audit_verify_chain() -> ChainReport:
    """Walk the chain in id order and compare it with the signed checkpoints kept outside the database.

    Reports, each with its own ``kind``: an altered row (its MAC no longer matches); a deleted or
    reordered row (the next row's ``prev_hash`` points at nothing); a chain computed again without the
    key (plain hashes after keyed rows, or rows whose MAC fails); a chain rewritten with the key but
    different from what a checkpoint signed (``rechained``); fewer rows than a checkpoint counted
    (``truncated``, also when the table was emptied and the head reset); and a chain that is, or
    continues from, an earlier checkpoint while a later one is missing from it (``rollback``, e.g. an
    old backup restored). Reads the whole table once; writes nothing.
    """

    checkpoints, problems = checkpoints_load()
    by_count = {cp.count: cp for cp in checkpoints}
    matched, diverged = [], []
    prev = GENESIS
    checked = 0
    legacy = 0
    seen_keyed = False
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                entry.id,
                "liên kết với bản ghi trước bị đứt (bị xóa hoặc đảo thứ tự)",
                kind="broken_link",
            )
        if entry.key_id == LEGACY:
            if seen_keyed:
                return ChainReport(
                    False,
                    checked,
                    entry.id,
                    "bản ghi băm không khóa nằm sau bản ghi có khóa: chuỗi đã bị tính lại",
                    kind="rechained",
                )
            legacy += 1
        else:
            seen_keyed = True
        try:
            expected = compute_hash(prev, entry)
        except UnknownKeyError:
            return ChainReport(
                False,
                checked,
                entry.id,
                f"bản ghi dùng khóa “{entry.key_id}” không có trong cấu hình",
                kind="unknown_key",
            )
        if not hmac.compare_digest(expected, entry.entry_hash):
            return ChainReport(
                False,
                checked,
                entry.id,
                "nội dung bản ghi đã bị sửa (mã xác thực không khớp)",
                kind="altered",
            )
        prev = entry.entry_hash
        checked += 1
        cp = by_count.get(checked)
        if cp is not None:
            (matched if hmac.compare_digest(cp.head, prev) else diverged).append(cp)
    newest = checkpoints[-1] if checkpoints else None
    report = _compare_with_checkpoints(
        checked=checked,
        head=prev,
        legacy=legacy,
        checkpoints=checkpoints,
        matched=matched,
        diverged=diverged,
    )
    if report is not None:
        report.warnings = problems
        return report
    if problems:
        return ChainReport(
            False, checked, None, "; ".join(problems), kind="bad_checkpoint", checkpoint=newest
        )
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return ChainReport(
            False,
            checked,
            None,
            "bản ghi cuối chuỗi bị xóa hoặc số lượng không khớp",
            kind="head_mismatch",
            checkpoint=newest,
        )
    return ChainReport(True, checked, checkpoint=newest)


def _when(cp) -> str:
    return timezone.localtime(cp.at).strftime("%d/%m/%Y %H:%M")


def _compare_with_checkpoints(
    *, checked, head, legacy, checkpoints, matched, diverged
) -> ChainReport | None:
    if not checkpoints:
        return None
    newest = checkpoints[-1]
    if legacy > min(cp.legacy for cp in checkpoints):
        return ChainReport(
            False,
            checked,
            None,
            f"có {legacy} bản ghi băm không khóa, nhiều hơn số điểm kiểm tra đã ký: chuỗi đã bị tính lại",
            kind="rechained",
            checkpoint=newest,
        )
    if diverged:
        first = diverged[0]
        earlier = [cp for cp in matched if cp.count < first.count]
        if earlier:
            return ChainReport(
                False,
                checked,
                None,
                f"chuỗi khớp điểm kiểm tra lúc {_when(earlier[-1])} ({earlier[-1].count} bản ghi) "
                f"nhưng khác điểm kiểm tra lúc {_when(first)}: dữ liệu đã bị quay lui rồi ghi tiếp",
                kind="rollback",
                checkpoint=first,
            )
        return ChainReport(
            False,
            checked,
            None,
            f"bản ghi thứ {first.count} khác với điểm kiểm tra đã ký lúc {_when(first)}: "
            "chuỗi đã bị tính lại",
            kind="rechained",
            checkpoint=first,
        )
    if checked < newest.count:
        same = [
            cp for cp in checkpoints if cp.count == checked and hmac.compare_digest(cp.head, head)
        ]
        if same and checked > 0:
            return ChainReport(
                False,
                checked,
                None,
                f"chuỗi trở về đúng điểm kiểm tra lúc {_when(same[-1])} ({checked} bản ghi); "
                f"điểm kiểm tra lúc {_when(newest)} đã ký {newest.count} bản ghi: dữ liệu đã bị quay lui",
                kind="rollback",
                checkpoint=newest,
            )
        return ChainReport(
            False,
            checked,
            None,
            f"chỉ còn {checked} bản ghi, điểm kiểm tra lúc {_when(newest)} đã ký {newest.count}: "
            "chuỗi đã bị cắt bớt",
            kind="truncated",
            checkpoint=newest,
        )
    return None
