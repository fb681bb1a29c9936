"""The portal served by real gunicorn workers on a copy of the test database, for tests that need
several processes (shared rate limits, restarts). Started on a free loopback port."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
GUNICORN_CONF = str(ROOT / "deploy" / "gunicorn.conf.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database_copy(tmp_path: Path, *, suffix: str = "served", source: str | None = None):
    """A copy of the migrated test database (SQLite backup API, or a PostgreSQL template copy) as a
    DATABASE_URL; dropped afterwards. Call with database access unblocked and outside a test
    transaction. On PostgreSQL, ``source`` names another database to copy (no session may be open
    on it) and ``suffix`` tells copies apart."""
    from django.db import connection

    if connection.vendor == "sqlite":
        path = tmp_path / "served.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        yield f"sqlite:///{path}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_{suffix}_{os.getpid()}"
    source = source or params["NAME"]
    connection.close()
    admin = psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        yield f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def server_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST", "REDIS_URL", "CACHE_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "opendvc.settings.development",
            "DATABASE_URL": database_url,
            "OPENDVC_VAR_DIR": str(tmp_path / "var"),
            "LOG_LEVEL": "WARNING",
            "ACCOUNT_EMAIL_VERIFICATION": "optional",
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start_gunicorn(
    env: dict[str, str], port: int, *, workers: int, app: str = "opendvc.wsgi:application", args=()
) -> subprocess.Popen:
    """gunicorn serving the portal (or ``app``) with the deployment's settings, ``args`` added. Its log
    goes to a file (``server_log`` reads it): a pipe nobody reads fills up after some 64 KB of
    warnings, and every process writing to it then hangs."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
    proc = subprocess.Popen(
        [
            GUNICORN,
            "-c",
            GUNICORN_CONF,
            app,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    proc.log = log
    return proc


def server_log(proc: subprocess.Popen, *, tail: int = 20_000) -> str:
    """The end of what a server started by ``start_gunicorn`` logged (for failure messages)."""
    log = getattr(proc, "log", None)
    if log is None or log.closed:
        return ""
    # Read at a position (pread): the file's offset is shared with the running server, which writes
    # at it.
    size = os.fstat(log.fileno()).st_size
    start = max(0, size - tail)
    return os.pread(log.fileno(), size - start, start).decode(errors="replace")


def wait_ready(url: str, proc: subprocess.Popen | None = None, *, timeout: float = 240) -> float:
    """Seconds until ``/healthz`` first answers 200."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(server_log(proc))
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log = getattr(proc, "log", None)
    if log is not None:
        log.close()


@dataclass
class Response:
    status_code: int
    text: str
    headers: dict[str, str]

    def json(self):
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects, speaking as ``ip`` (sent in
    X-Forwarded-For: the served portal trusts one proxy)."""

    def __init__(self, base: str, ip: str = "10.1.0.1") -> None:
        self.base = base
        self.ip = ip
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        json_body=None,
        headers: dict | None = None,
        data: bytes | None = None,
    ) -> Response:
        hdrs = {"X-Forwarded-For": self.ip, **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf()}).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            hdrs["Referer"] = self.base + path
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=30) as r:
                return Response(r.status, r.read().decode(errors="replace"), dict(r.headers))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode(errors="replace"), dict(exc.headers))
