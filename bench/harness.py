"""Shared benchmark tools: a real server (gunicorn) and one load generator for every figure.

The load generator is ``wrk`` when installed (Debian package ``wrk``), otherwise a Python
generator with keep-alive connections in several processes. Every benchmark that compares an
endpoint with the bare JSON view uses the same generator in the same run.
"""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def setup_django(settings: str = "opendvc.settings.development") -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist yet (a fresh machine)."""
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def staff_session(*, email: str, agency, role: str = "receiving_officer") -> tuple[str, object]:
    """A staff member of ``agency`` with ``role``, signed in with password and TOTP (created once):
    the key of a session the pages accept, and the user. Django must be set up."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from opendvc.agencies.models import StaffRole

    officer, _ = get_user_model().objects.get_or_create(
        email=email, defaults={"full_name": "Cán bộ một cửa (đo)", "is_staff": True}
    )
    StaffRole.objects.get_or_create(user=officer, agency=agency, role=role)
    if not Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(officer, generate_totp_secret())
    session = SessionStore()
    now = time.time()
    session.update(
        {
            SESSION_KEY: str(officer.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: officer.get_session_auth_hash(),
            AUTHENTICATION_METHODS_SESSION_KEY: [
                {"method": "password", "at": now, "email": officer.email},
                {"method": "mfa", "type": "totp", "at": now},
            ],
        }
    )
    session.create()
    return session.session_key, officer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(env: dict[str, str] | None = None, workers: int | None = 2):
    """Run the portal under gunicorn (production-like) and yield its base URL. ``workers=None``: the
    count of deploy/gunicorn.conf.py (``GUNICORN_WORKERS``, else 2 × cores + 1), as deployed."""
    port = free_port()
    full_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.development",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "opendvc.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            *(["-w", str(workers)] if workers is not None else []),
            "--threads",
            "1",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # gunicorn's log is read all along (its last 64 KiB kept for the error): a pipe nobody reads
    # fills up and blocks every worker at its next warning.
    log = bytearray()

    def drain() -> None:
        for chunk in iter(lambda: proc.stderr.read1(65536), b""):
            log.extend(chunk)
            del log[:-65536]

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/api/v1/ping", timeout=1).read()
                break
            except OSError as exc:
                if proc.poll() is not None:
                    reader.join(timeout=5)
                    raise RuntimeError(bytes(log).decode(errors="replace")) from exc
                time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class LoadResult:
    generator: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


_WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %f %f %f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def load(url: str, *, seconds: float = 5, connections: int = 8, threads: int = 2) -> LoadResult:
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(_WRK_LUA)
            script = f.name
        try:
            out = subprocess.run(
                [
                    "wrk",
                    f"-t{threads}",
                    f"-c{connections}",
                    f"-d{max(1, int(seconds))}s",
                    "-s",
                    script,
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            os.unlink(script)
        line = next(x for x in out.splitlines() if x.startswith("RESULT"))
        _, total, errors, p50, p95, p99 = line.split()
        rps = float(next(x for x in out.splitlines() if x.startswith("Requests/sec:")).split()[1])
        return LoadResult("wrk", int(total), rps, float(p50), float(p95), float(p99), int(errors))
    return _python_load(url, seconds=seconds, workers=connections)


def _worker(url: str, seconds: float, queue) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies, errors = [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
        except OSError:
            errors += 1
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        latencies.append(time.perf_counter() - t0)
    queue.put((latencies, errors))


def _python_load(url: str, *, seconds: float, workers: int) -> LoadResult:
    queue = mp.Queue()
    procs = [mp.Process(target=_worker, args=(url, seconds, queue)) for _ in range(workers)]
    for p in procs:
        p.start()
    latencies, errors = [], 0
    for _ in procs:
        lat, err = queue.get()
        latencies += lat
        errors += err
    for p in procs:
        p.join()
    latencies.sort()

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0
        )

    return LoadResult(
        "python", len(latencies), len(latencies) / seconds, pct(0.50), pct(0.95), pct(0.99), errors
    )
