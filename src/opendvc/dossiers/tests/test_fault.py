"""Fault test: the server is killed (SIGKILL, every process) in the middle of a burst of submissions.

Afterwards every submission that got a success answer exists complete (code, event, audit entry, its
file stored), and nothing partial exists: no dossier without its code, event or file, no idempotency
record without its dossier; uploads that no dossier claimed are removed by the periodic cleanup and
every stored file then belongs to a dossier.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from .conftest import make_procedure, small_pdf

ROOT = Path(__file__).resolve().parents[4]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(db: dict) -> str:
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db(transaction=True)
def test_kill_the_server_during_a_burst(postgres_db, agencies, justice, citizen, settings):
    from django.db import connection

    from opendvc.audit.models import AuditEntry
    from opendvc.core.orphans import orphan_files_sweep
    from opendvc.dossiers.models import (
        Dossier,
        DossierEvent,
        DossierFile,
        IdempotencyRecord,
        Upload,
    )
    from opendvc.dossiers.services import cleanup_unclaimed_uploads

    procedure = make_procedure(code="1.000003", components=(("Tờ khai", True),))
    component = procedure.components.get()
    # Signed in as a browser is: session cookie and CSRF token.
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    browser = Client()
    browser.force_login(citizen)
    csrf = _get_new_csrf_string()
    cookie = f"sessionid={browser.cookies['sessionid'].value}; csrftoken={csrf}"
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "opendvc.settings.development",
           "DATABASE_URL": _database_url(connection.settings_dict), "STORAGE_MEDIA_ROOT": str(media),
           "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": "memory://", "LOG_LEVEL": "ERROR",
           "DB_CONN_MAX_AGE": "0", "SECRET_KEY": settings.SECRET_KEY}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "opendvc.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--log-level", "error", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        headers = {"Cookie": cookie, "X-CSRFToken": csrf}
        successes: list[str] = []
        failures: list[str] = []
        stop = threading.Event()
        pdf = small_pdf()

        def client():
            while not stop.is_set():
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    body, ctype = _multipart("to-khai.pdf", pdf)
                    conn.request("POST", "/api/v1/files", body, {**headers, "Content-Type": ctype})
                    r = conn.getresponse()
                    upload = json.loads(r.read())
                    if r.status != 201:
                        failures.append(f"upload {r.status} {upload}")
                        continue
                    payload = {"procedure": procedure.code, "agency": justice.code, "data": {},
                               "files": [{"component": component.pk, "file": upload["id"]}], "submit": True,
                               "declaration": True}
                    conn.request("POST", "/api/v1/dossiers", json.dumps(payload),
                                 {**headers, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
                    r = conn.getresponse()
                    answer = json.loads(r.read())
                    if r.status == 201:
                        successes.append(answer["code"])
                    else:
                        failures.append(f"submit {r.status}")
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    failures.append(type(exc).__name__)
                    time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(6)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(successes) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(server.pid, signal.SIGKILL)  # the master and every worker, mid-request
        server.wait(timeout=10)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    assert len(successes) >= 10, failures[:10]
    assert failures, "the kill did not interrupt anything"
    # Every answered submission exists complete.
    for code in successes:
        d = Dossier.objects.get(code=code)
        assert d.status == "submitted" and d.submitted_at and d.lookup_key_hash
        assert DossierEvent.objects.filter(dossier=d, action="submit").count() == 1
        assert AuditEntry.objects.filter(action="dossier.submit", target_id=str(d.public_id)).exists()
        f = DossierFile.objects.get(dossier=d)
        assert (media / f.file.name).read_bytes() == pdf
    # Nothing partial: every dossier in the database is a complete submission.
    for d in Dossier.objects.filter(applicant=citizen):
        assert d.status == "submitted" and d.code, d
        assert d.events.filter(action="submit").count() == 1
        assert d.files.count() == 1
    assert not IdempotencyRecord.objects.filter(dossier__isnull=True).exists()
    assert Upload.objects.filter(claimed_at__isnull=False).count() == DossierFile.objects.count()
    # Uploads no dossier claimed go with the periodic cleanup; then every stored file is a dossier's.
    cleanup_unclaimed_uploads(older_than=timezone.now() + timedelta(hours=1))
    orphan_files_sweep(older_than=timezone.now() + timedelta(hours=1))
    assert not Upload.objects.filter(claimed_at__isnull=True).exists()
    stored = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
    assert stored == set(DossierFile.objects.values_list("file", flat=True))
