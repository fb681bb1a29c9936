"""Backups and restores: the database, the stored files and the audit checkpoints, with a manifest.

A backup is one folder::

    opendvc-20261201T221500Z/
      manifest.json        what is inside, with the SHA-256 of every file and the row count of every table
      database.dump        PostgreSQL: pg_dump custom format      (or database.sqlite3: SQLite backup API)
      media/...            the stored files (dossier attachments, results, forms)
      audit-checkpoints/   the signed checkpoints of the audit chain (they live outside the database)

The stored files are read and written through the storage API, so the same commands work with the
local media folder and with an S3-compatible bucket (``STORAGE_URL``).

``backup_restore`` loads one into an EMPTY database and an empty file store, checks every hash
first and every row count afterwards, and verifies the audit chain against the checkpoints.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from opendvc.audit.checkpoints import audit_checkpoint_write
from opendvc.audit.services import audit_verify_chain

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup could not be made or restored; the message says why, in Vietnamese."""


@dataclass
class RestoreReport:
    path: Path
    tables: int
    rows: int
    files: int
    audit_ok: bool
    audit_message: str
    mismatches: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    p = connection.settings_dict
    args = [
        "-h",
        p.get("HOST") or "127.0.0.1",
        "-p",
        str(p.get("PORT") or 5432),
        "-U",
        p.get("USER") or "postgres",
    ]
    env = {**os.environ}
    if p.get("PASSWORD"):
        env["PGPASSWORD"] = p["PASSWORD"]
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 - pg_dump/pg_restore, arguments from settings
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} thất bại: {result.stderr.strip()[:2000]}")


def table_counts() -> dict[str, int]:
    """Rows of every table of every installed model (auto-created many-to-many tables included)."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
        & set(connection.introspection.table_names())
    )
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _storage_names(folder: str = "") -> list[str]:
    """Every file of the default storage under ``folder``, through the storage API only (the local
    folder or an S3-compatible bucket alike: no ``.path``)."""
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    prefix = f"{folder}/" if folder else ""
    names = [prefix + f for f in files]
    for d in dirs:
        names += _storage_names(prefix + d)
    return sorted(names)


def _storage_download(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in _storage_names():
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _storage_upload(source: Path) -> None:
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        with open(path, "rb") as fh:
            saved = default_storage.save(name, File(fh, name=name))
        if saved != name:
            raise BackupError(f"Kho tệp đã đổi tên {name} thành {saved}; không khôi phục tiếp.")


def _storage_sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_tree(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)


def backup_create(*, output_dir: Path | None = None) -> Path:
    """Write a backup folder under ``output_dir`` (``BACKUP_DIR``) and return its path.

    Side effects: a signed audit checkpoint is written first, so the backup carries one that matches
    its own chain; then the database dump, the media files and the checkpoints are copied and hashed.
    """
    audit_checkpoint_write()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    target = Path(output_dir or settings.BACKUP_DIR) / f"opendvc-{stamp}"
    if target.exists():
        raise BackupError(f"Thư mục {target} đã tồn tại.")
    target.mkdir(parents=True)
    counts = table_counts()
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                "--no-privileges",
                *args,
                "-f",
                str(target / "database.dump"),
                connection.settings_dict["NAME"],
            ],
            env,
        )
        database = "database.dump"
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        out = sqlite3.connect(target / "database.sqlite3")
        try:
            connection.connection.backup(out)
        finally:
            out.close()
        database = "database.sqlite3"
    else:
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {connection.vendor}.")
    _storage_download(target / "media")
    _copy_tree(Path(settings.AUDIT_CHECKPOINT_DIR), target / "audit-checkpoints")
    files = {
        str(p.relative_to(target)): _sha256(p)
        for p in sorted(target.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": connection.vendor,
        "database": database,
        "files": files,
        "tables": counts,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return target


def _database_is_empty() -> bool:
    return not [t for t in connection.introspection.table_names() if not t.startswith("sqlite_")]


def backup_restore(*, source: Path) -> RestoreReport:
    """Restore a backup folder into the configured database, which must be EMPTY (no table at all),
    and the media folder, which must hold no file. Checkpoints are added to ``AUDIT_CHECKPOINT_DIR``
    (newer ones already there stay: restoring an old backup over them is reported as a rollback).

    Every hash is checked before anything is written; a mismatch refuses the whole restore.
    """
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"Không đọc được {MANIFEST} trong {source}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError("Bản sao lưu có định dạng không được hỗ trợ.")
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"Bản sao lưu của {manifest['engine']} không khôi phục được vào {connection.vendor}."
        )
    for rel, digest in manifest["files"].items():
        path = source / rel
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(
                f"Tệp {rel} bị thiếu hoặc đã bị thay đổi (SHA-256 không khớp); không khôi phục."
            )
    if not _database_is_empty():
        raise BackupError(
            "Cơ sở dữ liệu đích không trống: chỉ khôi phục vào một cơ sở dữ liệu mới, chưa có bảng nào."
        )
    if _storage_names():
        raise BackupError(
            "Kho tệp (thư mục tệp hoặc bucket) không trống: chỉ khôi phục vào một kho tệp mới."
        )
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *args,
                "-d",
                connection.settings_dict["NAME"],
                str(source / manifest["database"]),
            ],
            env,
        )
    else:
        connection.ensure_connection()
        src = sqlite3.connect(source / manifest["database"])
        try:
            src.backup(connection.connection)
        finally:
            src.close()
    if (source / "media").is_dir():
        _storage_upload(source / "media")
    checkpoints = Path(settings.AUDIT_CHECKPOINT_DIR)
    checkpoints.mkdir(parents=True, exist_ok=True)
    for cp in sorted((source / "audit-checkpoints").glob("*")):
        if cp.is_file() and not (checkpoints / cp.name).exists():
            shutil.copy2(cp, checkpoints / cp.name)
    mismatches = []
    for rel, digest in manifest["files"].items():
        if rel.startswith("media/") and _storage_sha256(rel.removeprefix("media/")) != digest:
            mismatches.append(f"tệp {rel} khác sau khi khôi phục")
    counts = table_counts()
    for table, expected in manifest["tables"].items():
        if counts.get(table) != expected:
            mismatches.append(f"bảng {table}: {counts.get(table)} dòng, bản sao lưu có {expected}")
    report = audit_verify_chain()
    files = sum(1 for rel in manifest["files"] if rel.startswith("media/"))
    return RestoreReport(
        path=source,
        tables=len(counts),
        rows=sum(counts.values()),
        files=files,
        audit_ok=report.ok,
        audit_message=report.reason or f"{report.checked} bản ghi nguyên vẹn",
        mismatches=mismatches,
    )
