"""Performance as users feel it: every figure over HTTP, beside the bare ``/api/v1/ping``, in one run.

Set-up: a scratch PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/opendvc_perf_bench) migrated and filled once with the demo catalog,
the 6,000 synthetic procedures of ``generate_load_data`` and ``BENCH_DOSSIERS`` synthetic dossiers
(default: whatever is there, at least the bench's own); Redis for cache, sessions' counters and the
Celery broker (``REDIS_URL``; when unset a private ``redis-server`` is started on a free port). Two
gunicorn servers (``deploy/gunicorn.conf.py``, 2 sync workers each, one at a time under load): one
as deployed (results and pages cached per catalog revision), one with the catalog result cache off
(``CATALOG_CACHE_SECONDS=0``). Both run with ``SQL_COUNT_HEADER=true``, so every response says how
many SQL statements it ran; the column "SQL" is that count, averaged over the scenario's requests
(one pass, sequential, before the load). No Celery worker runs: queued mail waits in Redis, which is
what a request costs when a broker is configured.

Load: ``wrk`` (2 threads; the connections of each row) with a Lua script that rotates through the
scenario's requests (several queries, procedures, a new Idempotency-Key for every submission);
without wrk, the Python generator of ``harness.py`` on the first request of each scenario. The row
with a 1 MB PDF chains two requests (``POST /api/v1/files``, then ``POST /api/v1/dossiers`` naming the
upload's id): Python threads, one keep-alive connection each, count pairs (its req/s is pairs/s, its
latencies and SQL those of a pair).

Run: ``make bench-http`` or ``.venv/bin/python bench/bench_http.py [--seconds 10] [--only ping,home]
[--no-write]``. The table is printed and written into ``docs/performance.md`` (section "Over HTTP")
with the date, the commit and the machine's load average before and after.
"""

from __future__ import annotations

import os
import sys

# The bench helpers are looked for after the libraries (the bench folder comes first when run as a script).
_BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _BENCH] + [_BENCH]
# ruff: noqa: E402

import argparse
import contextlib
import datetime as dt
import http.client
import json
import platform
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

from harness import ROOT, ensure_database, free_port, load  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opendvc_perf_bench"
)
MEDIA = tempfile.mkdtemp(prefix="opendvc-bench-http-")
BIG = "1000000000"
DOC = ROOT / "docs" / "performance.md"
SECTION = "## Over HTTP (`bench/bench_http.py`)"
WARM_UP_SECONDS = float(os.environ.get("BENCH_WARM_UP_SECONDS", "8"))
PING_AGAIN = "GET /api/v1/ping (again, at the end of the run)"

SEARCHES = [
    "khai sinh",
    "giấy phép xây dựng",
    "đăng ký kinh doanh",
    "hộ tịch",
    "đất đai",
    "chứng thực",
    "ho kinh doanh",
    "dang ky",
    "cap giay phep",
    "ket hon",
    "khai tu",
    "thuong binh",
    "lao dong",
    "doanh nghiep",
    "moi truong",
    "giao thong",
    "bao tro xa hoi",
    "thanh lap",
]


@dataclass
class Scenario:
    name: str
    requests: list[dict]
    connections: int = 16
    server: str = "cached"  # or "uncached"
    sql: float | None = None
    result: object = None
    notes: str = ""
    extra: dict = field(default_factory=dict)
    # "pairs": each request is an upload then a submission naming it (``run_pairs``).
    kind: str = "requests"


def _env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.development",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "bench-http",
        "STORAGE_MEDIA_ROOT": MEDIA,
        "OPENDVC_VAR_DIR": MEDIA,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": "",
        # Worker recycling every 2,000 requests would restart workers every few seconds of wrk.
        "GUNICORN_MAX_REQUESTS": "0",
        "SQL_COUNT_HEADER": "true",
        "ACCOUNT_EMAIL_VERIFICATION": "optional",
        "DOSSIER_LOOKUP_RATE_PER_MINUTE": BIG,
        "RATE_LIMIT_UPLOADS": BIG,
        "FEEDBACK_RATE_LIMIT": BIG,
    }


@contextlib.contextmanager
def redis_server():
    """``REDIS_URL`` when set, else a private redis-server on a free port (no persistence)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("Set REDIS_URL or install redis-server.")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def prepare(redis_url: str) -> dict:
    """Migrate and fill the scratch database once; return what the requests need (run in a child
    process so that this process keeps no Django state)."""
    ensure_database(DATABASE_URL)
    code = r"""
import json, os, sys
sys.path.append(os.path.join(os.environ["BENCH_ROOT"], "bench"))
import django
django.setup()
from django.core.management import call_command
from opendvc.catalog.models import Procedure
call_command("migrate", verbosity=0)
if not Procedure.objects.filter(is_synthetic=False).exists():
    call_command("seed_demo", verbosity=0)
if Procedure.objects.filter(is_synthetic=True).count() < 6000:
    call_command("generate_load_data", no_progress=True, verbosity=0)
os.environ["BENCH_CLIENTS"] = "1"
import bench_mixed
bench_mixed.CLIENTS = 1
fx = bench_mixed.fixture()
from opendvc.agencies.models import Agency
from opendvc.dossiers.models import Dossier
from django.db.models import Count
busiest = (Dossier.objects.values("receiving_agency_id").annotate(n=Count("id")).order_by("-n").first())
fx["dossier_count"] = Dossier.objects.count()
fx["busiest_agency"] = Agency.objects.get(pk=busiest["receiving_agency_id"]).code if busiest else None
print("FIXTURE " + json.dumps(fx))
"""
    env = _env(redis_url) | {"BENCH_ROOT": str(ROOT), "CELERY_TASK_ALWAYS_EAGER": "true"}
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    line = next(x for x in out.stdout.splitlines() if x.startswith("FIXTURE "))
    return json.loads(line[len("FIXTURE ") :])


def officer_session_for(agency_code: str, redis_url: str) -> str | None:
    """A signed-in (password + TOTP) receiving officer of ``agency_code``; the session key."""
    code = r"""
import sys, time
import django
django.setup()
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from opendvc.agencies.models import Agency, StaffRole
agency = Agency.objects.get(code=sys.argv[1])
User = get_user_model()
officer, _ = User.objects.get_or_create(email=f"bench-http-{agency.pk}@synthetic.opendvc.vn",
                                        defaults={"full_name": "Cán bộ một cửa (đo)", "is_staff": True})
StaffRole.objects.get_or_create(user=officer, agency=agency, role=StaffRole.Role.RECEIVING_OFFICER)
if not Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists():
    TOTP.activate(officer, generate_totp_secret())
s = SessionStore()
now = time.time()
s.update({SESSION_KEY: str(officer.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
          HASH_SESSION_KEY: officer.get_session_auth_hash(),
          AUTHENTICATION_METHODS_SESSION_KEY: [{"method": "password", "at": now, "email": officer.email},
                                               {"method": "mfa", "type": "totp", "at": now}]})
s.create()
print("SESSION " + s.session_key)
"""
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code, agency_code],
        cwd=ROOT,
        env=_env(redis_url),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        print(out.stderr[-2000:], file=sys.stderr)
        return None
    return next(x for x in out.stdout.splitlines() if x.startswith("SESSION ")).split()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str]):
    port = free_port()
    # The log goes to a file: a pipe nobody reads fills up and blocks every worker at its next warning.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "opendvc.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/api/v1/ping", timeout=2).read()
                break
            except OSError as exc:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode(errors="replace")[-3000:]) from exc
                time.sleep(0.1)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def get(path: str, **headers) -> dict:
    return {"method": "GET", "path": path, "headers": headers, "body": ""}


def scenarios(fx: dict, officer_session: str | None) -> list[Scenario]:
    q = urllib.parse.quote
    searches = [get(f"/thu-tuc/?q={q(s)}") for s in SEARCHES]
    api_searches = [get(f"/api/v1/procedures?q={q(s)}") for s in SEARCHES]
    procedures = [get(f"/thu-tuc/{code}/") for code in fx["procedures"][:16]]
    token = fx["citizen_tokens"][0]
    submit = {
        "method": "POST",
        "path": "/api/v1/dossiers",
        "idempotency": True,
        "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        "body": json.dumps(
            {
                "procedure": "SYN-BENCH-DOSSIER",
                "agency": "000.00.32.H19",
                "data": {},
                "files": [],
                "submit": True,
                "declaration": True,
            }
        ),
    }
    lookups = [get(f"/tra-cuu/?ma={code}&khoa={key}") for code, key in fx["lookups"]]
    rng = random.Random(15)
    mixed = (
        [get("/")] * 30
        + [rng.choice(searches) for _ in range(30)]
        + [rng.choice(procedures) for _ in range(25)]
        + [rng.choice(lookups) for _ in range(10)]
        + [get("/hoi-dap/")] * 5
    )
    rng.shuffle(mixed)
    rows = [
        Scenario("GET /api/v1/ping", [get("/api/v1/ping")]),
        Scenario(
            f"GET /thu-tuc/?q=… ({len(SEARCHES)} queries, result cache off), 2 clients",
            searches,
            connections=2,
            server="uncached",
        ),
        Scenario(
            f"GET /thu-tuc/?q=… ({len(SEARCHES)} queries, result cache off)",
            searches,
            server="uncached",
        ),
        Scenario(f"GET /thu-tuc/?q=… ({len(SEARCHES)} queries, cache warm)", searches),
        Scenario(
            f"GET /api/v1/procedures?q=… ({len(SEARCHES)} queries, cache off), 2 clients",
            api_searches,
            connections=2,
            server="uncached",
        ),
        Scenario(
            f"GET /api/v1/procedures?q=… ({len(SEARCHES)} queries, cache off)",
            api_searches,
            server="uncached",
        ),
        Scenario("GET /thu-tuc/<code>/ (16 procedure pages)", procedures),
        Scenario("GET / (home)", [get("/")]),
        Scenario(
            "POST /api/v1/dossiers (no files, bearer token, new Idempotency-Key each)",
            [submit],
            connections=8,
        ),
        Scenario(
            "POST /api/v1/dossiers with one 1 MB PDF (POST /api/v1/files, then the submission; pairs/s)",
            [submit],
            connections=8,
            kind="pairs",
        ),
    ]
    if officer_session:
        cookie = f"sessionid={officer_session}"
        inbox = [get("/mot-cua/ho-so/", Cookie=cookie)] + [
            get(f"/mot-cua/ho-so/?{f}", Cookie=cookie)
            for f in (
                "trang-thai=submitted",
                "trang-thai=received",
                "han=qua-han",
                "han=sap-den-han",
                "kenh=online",
            )
        ]
        rows.append(
            Scenario(
                f"GET /mot-cua/ho-so/ (inbox of the busiest agency, {fx['dossier_count']:,} dossiers, "
                f"{len(inbox)} filters), 2 clients",
                inbox,
                connections=2,
            )
        )
    rows.append(
        Scenario(
            "Mixed citizen traffic (home 30, search 30, procedure 25, lookup 10, Q&A 5)", mixed
        )
    )
    # The machine's load moves during a run: ping again at the end; ratios are to the mean of both.
    rows.append(Scenario(PING_AGAIN, [get("/api/v1/ping")]))
    return rows


_LUA = r"""
local reqs = %(requests)s
local counter = 0
local thread_id = 0
local n_threads = 0
setup = function(thread)
  thread:set("tid", n_threads)
  n_threads = n_threads + 1
end
init = function(args)
  counter = tid * 7919
end
request = function()
  counter = counter + 1
  local r = reqs[(counter %% #reqs) + 1]
  local headers = {}
  for k, v in pairs(r.headers) do headers[k] = v end
  if r.idempotency then
    headers["Idempotency-Key"] = string.format("b%%d-%%d-%%d-%%d", tid, counter, os.time(), math.random(1, 1000000000))
  end
  return wrk.format(r.method, r.path, headers, r.body ~= "" and r.body or nil)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%f %%f %%f\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def _lua_requests(requests: list[dict]) -> str:
    items = []
    for r in requests:
        headers = ", ".join(
            f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r["headers"].items()
        )
        items.append(
            f"{{method = {_lua_string(r['method'])}, path = {_lua_string(r['path'])}, headers = {{{headers}}}, "
            f"body = {_lua_string(r['body'])}, idempotency = {'true' if r.get('idempotency') else 'false'}}}"
        )
    return "{\n" + ",\n".join(items) + "\n}"


@dataclass
class Result:
    requests: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    generator: str


def run_wrk(base: str, requests: list[dict], *, seconds: int, connections: int) -> Result:
    if not shutil.which("wrk"):
        r = load(base + requests[0]["path"], seconds=seconds, connections=connections)
        return Result(r.requests, r.rps, r.p50_ms, r.p95_ms, r.p99_ms, r.errors, "python")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_LUA % {"requests": _lua_requests(requests)})
        script = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, total, status_errors, socket_errors, p50, p95, p99 = line.split()
    rps = float(next(x for x in out.splitlines() if x.startswith("Requests/sec:")).split()[1])
    return Result(
        int(total),
        rps,
        float(p50),
        float(p95),
        float(p99),
        int(status_errors) + int(socket_errors),
        "wrk",
    )


def one_mb_pdf(size: int = 1024 * 1024) -> bytes:
    """A complete PDF of about ``size`` bytes: header, catalog, one binary stream, xref, ``%%EOF``."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    data = random.Random(1).randbytes(size - 300)
    stream = b"3 0 obj<</Length %d>>stream\n" % len(data) + data + b"\nendstream endobj\n"
    xref = len(head) + len(stream)
    return (
        head
        + stream
        + (
            b"xref\n0 1\n0000000000 65535 f \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n"
            % xref
        )
    )


_BOUNDARY = "benchhttp7d4e1a"


def _multipart(pdf: bytes) -> bytes:
    return (
        (
            f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="ban-quet.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf
        + f"\r\n--{_BOUNDARY}--\r\n".encode()
    )


def _pair(conn: http.client.HTTPConnection, submit: dict, upload_body: bytes) -> tuple[bool, int]:
    """One upload and the submission naming it; (both succeeded, SQL statements of both)."""
    headers = {
        "Authorization": submit["headers"]["Authorization"],
        "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
    }
    conn.request("POST", "/api/v1/files", body=upload_body, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    sql = int(response.headers.get("X-SQL-Count") or 0)
    if response.status != 201:
        print(f"  POST /api/v1/files → {response.status}: {raw[:300]!r}", file=sys.stderr)
        return False, sql
    body = json.loads(submit["body"]) | {"files": [{"file": json.loads(raw)["id"]}]}
    conn.request(
        "POST",
        submit["path"],
        body=json.dumps(body),
        headers=submit["headers"] | {"Idempotency-Key": uuid.uuid4().hex},
    )
    response = conn.getresponse()
    raw = response.read()
    sql += int(response.headers.get("X-SQL-Count") or 0)
    if response.status != 201:
        print(
            f"  POST {submit['path']} with a file → {response.status}: {raw[:300]!r}",
            file=sys.stderr,
        )
        return False, sql
    return True, sql


def run_pairs(base: str, submit: dict, *, seconds: int, connections: int) -> Result:
    """``connections`` threads, each on its own keep-alive connection, filing upload+submission pairs
    for ``seconds``; the rate and latencies are of pairs."""
    parts = urllib.parse.urlsplit(base)
    upload_body = _multipart(one_mb_pdf())
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok, _ = _pair(conn, submit, upload_body)
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            failed += not ok
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0
        )

    return Result(
        len(latencies),
        len(latencies) / elapsed,
        pct(0.50),
        pct(0.95),
        pct(0.99),
        errors[0],
        "python",
    )


def sql_per_pair(base: str, submit: dict) -> float | None:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        ok, sql = _pair(conn, submit, _multipart(one_mb_pdf()))
    finally:
        conn.close()
    return float(sql) if ok else None


def sql_per_request(base: str, requests: list[dict]) -> float | None:
    """Mean ``X-SQL-Count`` over one sequential pass of the scenario's distinct requests (warm)."""
    counts = []
    seen = set()
    for r in requests:
        key = (r["method"], r["path"], tuple(sorted(r["headers"].items())))
        if key in seen:
            continue
        seen.add(key)
        headers = dict(r["headers"])
        if r.get("idempotency"):
            headers["Idempotency-Key"] = uuid.uuid4().hex
        req = urllib.request.Request(
            base + r["path"],
            method=r["method"],
            headers=headers,
            data=r["body"].encode() if r["body"] else None,
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                response.read()
                value = response.headers.get("X-SQL-Count")
        except urllib.error.HTTPError as exc:
            print(
                f"  {r['method']} {r['path']} → {exc.code}: {exc.read()[:300]!r}", file=sys.stderr
            )
            continue
        if value is not None:
            counts.append(int(value))
    return sum(counts) / len(counts) if counts else None


def warm(base: str, requests: list[dict]) -> None:
    for r in {(r["method"], r["path"]): r for r in requests}.values():
        if r["method"] != "GET":
            continue
        with contextlib.suppress(OSError):
            req = urllib.request.Request(base + r["path"], headers=r["headers"])
            urllib.request.urlopen(req, timeout=30).read()


def commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!docs/performance.md",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return sha + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(rows: list[Scenario], ping_rps: float) -> str:
    lines = [
        "| path | conn. | req/s | p50 ms | p95 ms | p99 ms | vs ping | SQL / request | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in rows:
        r = s.result
        if r is None:
            continue
        ratio = f"{100 * r.rps / ping_rps:.1f} %" if ping_rps else "—"
        sql = "—" if s.sql is None else (f"{s.sql:.0f}" if s.sql == int(s.sql) else f"{s.sql:.1f}")
        lines.append(
            f"| {s.name} | {s.connections} | {r.rps:,.1f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} "
            f"| {ratio} | {sql} | {r.errors} |"
        )
    return "\n".join(lines)


def write_doc(text: str) -> None:
    doc = DOC.read_text()
    start = doc.find(SECTION)
    if start < 0:
        DOC.write_text(doc.rstrip("\n") + "\n\n" + text + "\n")
        return
    nxt = doc.find("\n## ", start + len(SECTION))
    end = len(doc) if nxt < 0 else nxt + 1
    # The newest run goes first in the section; earlier runs stay below it.
    body = doc[start + len(SECTION) : end]
    runs = body.split("\n### Run of ", 1)
    earlier = ("\n### Run of " + runs[1]) if len(runs) > 1 else ""
    DOC.write_text(doc[:start] + text + "\n" + earlier.rstrip("\n") + "\n" + doc[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument(
        "--only", default="", help="comma-separated words; run the rows whose name has one"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave docs/performance.md"
    )
    args = parser.parse_args()
    # A stopped run still stops its servers (the context managers' clean-up runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    with redis_server() as redis_url:
        print(
            f"database {DATABASE_URL.rsplit('/', 1)[-1]}, redis {redis_url}; preparing data …",
            flush=True,
        )
        fx = prepare(redis_url)
        session = (
            officer_session_for(fx["busiest_agency"], redis_url)
            if fx.get("busiest_agency")
            else None
        )
        rows = scenarios(fx, session)
        if args.only:
            words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
            rows = [
                s
                for s in rows
                if s.name.startswith("GET /api/v1/ping") or any(w in s.name.lower() for w in words)
            ]
        env = _env(redis_url)
        with (
            gunicorn(env) as cached,
            gunicorn(
                env | {"CATALOG_CACHE_SECONDS": "0", "CACHE_KEY_PREFIX": "bench-http-uncached"}
            ) as uncached,
        ):
            servers = {"cached": cached, "uncached": uncached}
            # Each worker imports the PDF engine and builds the search index in a background thread
            # once it serves (opendvc.core.warmup): let that finish before the first figure, so that
            # the first ping does not share the cores with it.
            time.sleep(WARM_UP_SECONDS)
            for s in rows:
                base = servers[s.server]
                if s.kind == "pairs":
                    s.sql = sql_per_pair(base, s.requests[0])
                    s.result = run_pairs(
                        base, s.requests[0], seconds=args.seconds, connections=s.connections
                    )
                else:
                    warm(base, s.requests)
                    s.sql = sql_per_request(base, s.requests)
                    s.result = run_wrk(
                        base, s.requests, seconds=args.seconds, connections=s.connections
                    )
                r = s.result
                print(
                    f"{s.name}: {r.rps:,.1f} req/s, p50 {r.p50:.1f} ms, p95 {r.p95:.1f} ms, p99 {r.p99:.1f} ms, "
                    f"SQL {s.sql}, errors {r.errors} (load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
    load_after = os.getloadavg()
    pings = [s.result.rps for s in rows if s.name in ("GET /api/v1/ping", PING_AGAIN) and s.result]
    ping = sum(pings) / len(pings) if pings else 0.0
    cpus = os.cpu_count()
    header = (
        f"{SECTION}\n\n"
        "Every figure over HTTP in one run of `bench/bench_http.py` (`make bench-http`): gunicorn with 2 sync\n"
        "workers (`deploy/gunicorn.conf.py`, worker recycling off), PostgreSQL with the demo catalog and the\n"
        "6,000 synthetic procedures of `generate_load_data`, Redis for cache and broker (no Celery worker\n"
        "running: queued mail waits), wrk with 2 threads and the connections of each row for the seconds\n"
        "below, rotating through each row's requests. \"vs ping\" is the row's throughput over the mean of\n"
        '`/api/v1/ping`\'s at the start and the end of the same run; "SQL / request" is the mean\n'
        "`X-SQL-Count` of the row's distinct "
        "requests (counting middleware enabled by `SQL_COUNT_HEADER`, on for the bench only). Client,\n"
        "server and database share the machine's CPUs with other work: read the ratios, and the load average.\n\n"
        f"### Run of {started:%d/%m/%Y %H:%M} UTC — commit {commit()}\n\n"
        f"Machine: {cpus} CPUs ({platform.machine()}), load average before {load_before[0]:.2f} / "
        f"{load_before[1]:.2f} / {load_before[2]:.2f}, after {load_after[0]:.2f} / {load_after[1]:.2f} / "
        f"{load_after[2]:.2f}; {args.seconds} s per row; {fx['dossier_count']:,} dossiers in the database.\n\n"
    )
    text = header + table(rows, ping)
    print()
    print(text)
    if not args.no_write and not args.only:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
