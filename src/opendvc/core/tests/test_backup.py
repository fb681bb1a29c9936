"""Backup, then restore into a fresh database and a fresh media folder: same rows, same files, the
audit chain verifies against its checkpoints. Runs on the engine of the test run (PostgreSQL in CI,
with pg_dump / pg_restore)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from opendvc.accounts.models import User
from opendvc.audit.services import audit_record
from opendvc.core.backup import MANIFEST, BackupError, backup_restore

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the same engine, as a DATABASE_URL; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    p = connection.settings_dict
    name = f"{p['NAME']}_restore_{os.getpid()}"
    host, port = p["HOST"] or "127.0.0.1", p["PORT"] or 5432
    admin = psycopg.connect(
        host=host,
        port=port,
        user=p["USER"],
        password=p["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
        yield f"postgres://{auth}@{host}:{port}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _restore(source: Path, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "STORAGE_MEDIA_ROOT": str(tmp_path / "restored-media"),
            "AUDIT_CHECKPOINT_DIR": str(tmp_path / "restored-checkpoints"),
            "DJANGO_ENV": "development",
            "OPENDVC_VAR_DIR": str(tmp_path / "var"),
        }
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "restore", str(source)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _count(database_url: str, table: str) -> int:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database(settings, tmp_path, fresh_database):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    users = [
        User.objects.create_user(email=f"saoluu{i}@example.vn", password="x") for i in range(3)
    ]
    for i, user in enumerate(users):
        audit_record(
            actor=user, action="backup.test", target=user, changes={"i": i, "tên": "Nguyễn Văn A"}
        )
    stored = [
        default_storage.save(f"hoso/2026/tep-{i}.pdf", ContentFile(f"%PDF nội dung {i}".encode()))
        for i in range(3)
    ]

    call_command("backup", output=tmp_path / "backups", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / MANIFEST).read_text())
    assert manifest["tables"]["accounts_user"] == User.objects.count()
    assert {f"media/{name}" for name in stored} <= set(manifest["files"])
    assert any(name.startswith("audit-checkpoints/") for name in manifest["files"])

    result = _restore(backup, fresh_database, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK:" in result.stdout and "nguyên vẹn" in result.stdout
    assert _count(fresh_database, "accounts_user") == User.objects.count()
    assert _count(fresh_database, "audit_auditentry") == manifest["tables"]["audit_auditentry"] > 0
    for name in stored:
        assert (tmp_path / "restored-media" / name).read_bytes() == default_storage.open(
            name
        ).read()

    # Restoring again over the now non-empty database is refused, and nothing is touched.
    again = _restore(backup, fresh_database, tmp_path / "again")
    assert again.returncode != 0 and "không trống" in again.stderr
    assert _count(fresh_database, "accounts_user") == User.objects.count()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_non_empty_database_and_a_damaged_backup(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    User.objects.create_user(email="mot@example.vn", password="x")
    call_command("backup", output=tmp_path / "b", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (backup,) = (tmp_path / "b").iterdir()
    with pytest.raises(BackupError, match="không trống"):
        backup_restore(source=backup)
    dump = backup / json.loads((backup / MANIFEST).read_text())["database"]
    dump.write_bytes(dump.read_bytes() + b"x")
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(backup))
