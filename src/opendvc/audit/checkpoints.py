"""Signed checkpoints of the audit chain, written outside the database.

A checkpoint is a small JSON file in ``AUDIT_CHECKPOINT_DIR``: how many entries the chain had, the
hash of the last one, when, and an HMAC-SHA256 over those under the audit key (``AUDIT_MAC_KEY``).
Someone who can change the database but not that directory and key cannot make the chain agree with
the checkpoints again after deleting, truncating, re-chaining or rolling it back; ``verify_audit``
compares the two. The directory should be on other storage than the database (another host, an
append-only bucket) and is part of every backup.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .chain import GENESIS, LEGACY, UnknownKeyError, compute_hash, mac
from .models import AuditChainHead, AuditEntry

PREFIX = "checkpoint-"


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head: str
    at: datetime
    key_id: str
    legacy: int
    path: Path | None = None

    def payload(self) -> dict:
        return {
            "count": self.count,
            "head": self.head,
            "at": self.at.isoformat(),
            "key_id": self.key_id,
            "legacy": self.legacy,
        }


def _message(payload: dict) -> str:
    return "checkpoint|" + json.dumps(payload, sort_keys=True, separators=(",", ":"))


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def checkpoints_load() -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint whose signature holds, oldest first, and a description of each file that is
    unreadable or wrongly signed."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    folder = checkpoint_dir()
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob(f"{PREFIX}*.json")):
        try:
            data = json.loads(path.read_text())
            payload = {k: data[k] for k in ("count", "head", "at", "key_id", "legacy")}
            if not hmac.compare_digest(mac(payload["key_id"], _message(payload)), str(data["mac"])):
                problems.append(f"điểm kiểm tra {path.name} có chữ ký sai")
                continue
            found.append(
                Checkpoint(
                    int(payload["count"]),
                    str(payload["head"]),
                    datetime.fromisoformat(payload["at"]),
                    str(payload["key_id"]),
                    int(payload["legacy"]),
                    path,
                )
            )
        except UnknownKeyError as exc:
            problems.append(
                f"điểm kiểm tra {path.name} ký bằng khóa “{exc.args[0]}” không có trong cấu hình"
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"không đọc được điểm kiểm tra {path.name}: {exc}")
    found.sort(key=lambda cp: (cp.count, cp.at))
    return found, problems


class ChainChangedError(RuntimeError):
    """The chain no longer agrees with the newest checkpoint: nothing is signed until it is examined."""


def audit_checkpoint_write() -> Checkpoint | None:
    """Sign the current state of the chain into a new checkpoint file; ``None`` when nothing was
    appended since the newest checkpoint.

    Only the entries appended since the newest checkpoint are checked (their links and MACs, and that
    the entry at the checkpoint's position still has the signed hash), so the cost follows the growth
    of the chain, not its size. Raises ``ChainChangedError`` instead of signing a chain that
    disagrees: the periodic job then fails loudly and ``verify_audit`` tells what happened.
    """
    checkpoints, _ = checkpoints_load()
    newest = checkpoints[-1] if checkpoints else None
    with transaction.atomic():
        head = AuditChainHead.objects.filter(id=1).first()
        count, last = (head.count, head.last_hash) if head else (0, GENESIS)
        if newest is not None and count == newest.count and last == newest.head:
            return None
        start = newest.count if newest else 0
        if newest is not None and count < newest.count:
            raise ChainChangedError(
                f"chuỗi còn {count} bản ghi, điểm kiểm tra mới nhất đã ký {newest.count}"
            )
        rows = AuditEntry.objects.order_by("id")
        prev = GENESIS
        if start:
            anchor = rows[start - 1 : start].first()
            if anchor is None or not hmac.compare_digest(anchor.entry_hash, newest.head):
                raise ChainChangedError(f"bản ghi thứ {start} khác với điểm kiểm tra đã ký")
            prev = anchor.entry_hash
        legacy = newest.legacy if newest else 0
        seen = start
        for entry in rows[start:].iterator(chunk_size=2000):
            if entry.prev_hash != prev or not hmac.compare_digest(
                compute_hash(prev, entry), entry.entry_hash
            ):
                raise ChainChangedError(f"bản ghi #{entry.id} không khớp chuỗi")
            if entry.key_id == LEGACY:
                legacy += 1
            prev = entry.entry_hash
            seen += 1
        if seen != count or prev != last:
            raise ChainChangedError("đầu chuỗi không khớp với các bản ghi")
    at = timezone.now()
    cp = Checkpoint(count=count, head=last, at=at, key_id=settings.AUDIT_MAC_KEY_ID, legacy=legacy)
    payload = cp.payload()
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{PREFIX}{count:012d}-{at:%Y%m%dT%H%M%S%fZ}.json"
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        json.dump({**payload, "mac": mac(cp.key_id, _message(payload))}, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return Checkpoint(**{**cp.__dict__, "path": path})
