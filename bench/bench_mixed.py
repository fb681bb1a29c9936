"""Mixed traffic against two web instances and one Celery worker, as deployed (deploy/): citizens
(home, search, procedure page, public lookup, Q&A, filing with a file) and officers (inbox, open a
dossier, act on it), plus the bare ``/api/v1/ping`` in the same run as the reference.

Set-up: PostgreSQL (``DATABASE_URL``, required), Redis (``REDIS_URL``, default
redis://127.0.0.1:6379/12) for cache, sessions' rate counters and the Celery broker; two gunicorn
instances (``deploy/gunicorn.conf.py``, ``BENCH_WEB_WORKERS`` workers each, default 2) on two ports,
one ``celery worker`` (concurrency 1). The load generator is Python (keep-alive connections, several
processes) on the same machine, alternating between the two instances as a round-robin balancer
would; it records every request's latency per path. The request limits are raised for the run (one
synthetic address per request stands for many citizens).

Run: ``DATABASE_URL=postgres://…/opendvc_bench .venv/bin/python bench/bench_mixed.py``
(``BENCH_SECONDS`` default 30, ``BENCH_CLIENTS`` default 8). ``run()`` returns rows; the per-path
table is printed.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import PYTHON, ROOT, ensure_database, free_port, staff_session  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", "2")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
MEDIA = tempfile.mkdtemp(prefix="opendvc-bench-mixed-")
BIG = "1000000000"
ENV = {
    "PYTHONPATH": str(ROOT / "src"),
    "DJANGO_SETTINGS_MODULE": "opendvc.settings.development",
    "REDIS_URL": REDIS,
    "CACHE_KEY_PREFIX": "bench-mixed",
    "STORAGE_MEDIA_ROOT": MEDIA,
    "OPENDVC_VAR_DIR": MEDIA,
    "LOG_LEVEL": "WARNING",
    "TRUSTED_PROXY_COUNT": "1",
    "GUNICORN_WORKERS": WEB_WORKERS,
    "GUNICORN_ACCESS_LOG": "",
    "ACCOUNT_EMAIL_VERIFICATION": "optional",
    "DOSSIER_LOOKUP_RATE_PER_MINUTE": BIG,
    "RATE_LIMIT_UPLOADS": BIG,
    "FEEDBACK_RATE_LIMIT": BIG,
}
CODE = "SYN-BENCH-DOSSIER"
# Weights of the actions of one visit (citizens 84 %, officers 16 %).
MIX = {
    "home": 18,
    "search": 18,
    "procedure": 22,
    "lookup": 10,
    "qa": 10,
    "filing": 4,
    "inbox": 6,
    "open dossier": 6,
    "act": 4,
}


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.update(ENV)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    import django

    django.setup()


def fixture() -> dict:
    """Catalog, agencies, a level-4 procedure, citizens and one receiving officer with API tokens, a
    staff session for the officer's pages, and submitted dossiers to work on (idempotent)."""
    from bench_dossiers import _bench_fixture
    from django.core.management import call_command

    from opendvc.api.services import api_token_create
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers import services
    from opendvc.dossiers.documents import lookup_key_of

    call_command("migrate", verbosity=0)
    if not Procedure.objects.filter(is_synthetic=False).exists():
        call_command("seed_demo", verbosity=0)  # agencies, catalog, Q&A, accounts (idempotent)
    procedure, agency, users = _bench_fixture()
    session_key, officer = staff_session(
        email="bench-mixed-officer@synthetic.opendvc.vn", agency=agency
    )
    citizen_tokens = [api_token_create(owner=u, name="bench", scopes=["*"])[1] for u in users]
    officer_token = api_token_create(owner=officer, name="bench", scopes=["*"])[1]
    dossiers = [
        services.dossier_submit_new(
            applicant=users[0],
            procedure=procedure,
            receiving_agency=agency,
            actor=users[0],
            data={},
            uploads=[],
            declaration=True,
        )[0]
        for _ in range(CLIENTS * 30)
    ]
    popular = list(
        Procedure.objects.filter(status=Procedure.Status.PUBLISHED, is_synthetic=False).values_list(
            "code", flat=True
        )[:50]
    )
    return {
        "session": session_key,
        "citizen_tokens": citizen_tokens,
        "officer_token": officer_token,
        "dossiers": [d.code for d in dossiers],
        "lookups": [(d.code, lookup_key_of(d)) for d in dossiers[:20]],
        "procedures": popular,
        "component": procedure.components.first().pk,
    }


def cpu_seconds(groups: list[int]) -> float:
    """CPU time (user + system) used so far by every live process of these process groups."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process (the server is shared: an upper bound for this run)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text or "(postmaster)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def deployment():
    """Two gunicorn instances and one Celery worker; yields the two base URLs."""
    env = {**os.environ, **ENV}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
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
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]
    procs.append(
        subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "opendvc", "worker", "-c", "1", "-l", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    deployment.groups = {"web": [procs[0].pid, procs[1].pid], "worker": [procs[2].pid]}
    try:
        import urllib.request

        for base in bases:
            for _ in range(1200):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.1)
        yield bases
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Giấy tờ kèm theo (đo hiệu năng)</p>").write_pdf()


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


class _Client:
    def __init__(self, bases):
        self.conns = [
            http.client.HTTPConnection(*b.removeprefix("http://").split(":"), timeout=30)
            for b in bases
        ]
        self.turn = 0
        self.samples: list[tuple[str, float, int]] = []
        self.errors: list[str] = []

    def call(self, label, method, path, *, body=None, headers=None):
        self.turn += 1
        i = self.turn % len(self.conns)
        hdrs = {
            "X-Forwarded-For": f"10.{random.randint(1, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}",
            "Accept-Encoding": "gzip",
            **(headers or {}),
        }
        t0 = time.perf_counter()
        try:
            self.conns[i].request(method, path, body=body, headers=hdrs)
            r = self.conns[i].getresponse()
            data = r.read()
            if r.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            status = r.status
        except (OSError, http.client.HTTPException):
            conn = self.conns[i]
            self.conns[i] = http.client.HTTPConnection(conn.host, conn.port, timeout=30)
            data, status = b"", 599
        self.samples.append((label, time.perf_counter() - t0, status))
        if status >= 400 and len(self.errors) < 5:
            self.errors.append(f"{label} → {status}: {data[:300].decode(errors='replace')}")
        return status, data


def _visit(client: _Client, fx: dict, pdf: bytes, queue: list[str], rng: random.Random) -> None:
    action = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    staff = {"Cookie": f"sessionid={fx['session']}"}
    if action == "home":
        client.call("GET /", "GET", "/")
    elif action == "search":
        q = rng.choice(
            ["khai sinh", "giấy phép", "đăng ký kinh doanh", "hộ tịch", "đất đai", "xây dựng"]
        )
        client.call(
            "GET /thu-tuc/?q=", "GET", "/thu-tuc/?q=" + __import__("urllib.parse").parse.quote(q)
        )
    elif action == "procedure":
        client.call("GET /thu-tuc/<code>/", "GET", f"/thu-tuc/{rng.choice(fx['procedures'])}/")
    elif action == "lookup":
        code, key = rng.choice(fx["lookups"])
        client.call("GET /tra-cuu/?ma=&khoa=", "GET", f"/tra-cuu/?ma={code}&khoa={key}")
    elif action == "qa":
        client.call("GET /hoi-dap/", "GET", "/hoi-dap/")
    elif action == "filing":
        token = {"Authorization": f"Bearer {rng.choice(fx['citizen_tokens'])}"}
        body, ctype = _multipart("giay-to.pdf", pdf)
        status, data = client.call(
            "POST /api/v1/files",
            "POST",
            "/api/v1/files",
            body=body,
            headers={**token, "Content-Type": ctype},
        )
        if status == 201:
            upload = json.loads(data)["id"]
            payload = {
                "procedure": CODE,
                "submit": True,
                "declaration": True,
                "files": [{"component": fx["component"], "file": upload}],
            }
            status, data = client.call(
                "POST /api/v1/dossiers",
                "POST",
                "/api/v1/dossiers",
                body=json.dumps(payload),
                headers={**token, "Content-Type": "application/json"},
            )
            if status == 201:
                queue.append(json.loads(data)["code"])
    elif action == "inbox":
        client.call("GET /mot-cua/ho-so/", "GET", "/mot-cua/ho-so/", headers=staff)
    elif action == "open dossier":
        client.call(
            "GET /mot-cua/ho-so/<code>/",
            "GET",
            f"/mot-cua/ho-so/{rng.choice(fx['dossiers'])}/",
            headers=staff,
        )
    elif action == "act" and queue:
        code = queue.pop()
        client.call(
            "POST /api/v1/dossiers/<code>/actions (receive)",
            "POST",
            f"/api/v1/dossiers/{code}/actions",
            body=json.dumps({"action": "receive"}),
            headers={
                "Authorization": f"Bearer {fx['officer_token']}",
                "Content-Type": "application/json",
            },
        )


def _client_process(args):
    index, bases, fx, pdf, start, deadline, mode, phase = args
    rng = random.Random(index)
    client = _Client(bases)
    client.turn = index
    # Each client receives its own share of the prepared dossiers (another share in each phase), then
    # those it files itself.
    queue = list(fx["dossiers"][phase * CLIENTS + index :: 2 * CLIENTS])
    time.sleep(max(0.0, start - time.time()))
    while time.time() < deadline:
        if mode == "ping":
            client.call("GET /api/v1/ping", "GET", "/api/v1/ping")
        else:
            _visit(client, fx, pdf, queue, rng)
    return client.samples, client.errors


def _drive(bases, fx, pdf, seconds, mode, phase=0):
    ctx = mp.get_context("fork")
    start = time.time() + 1.0
    with ctx.Pool(CLIENTS) as pool:
        parts = pool.map(
            _client_process,
            [(i, bases, fx, pdf, start, start + seconds, mode, phase) for i in range(CLIENTS)],
        )
    for _, errors in parts:
        for line in errors[:2]:
            print("error:", line, file=sys.stderr)
    return [s for samples, _ in parts for s in samples]


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0


def summarise(samples, seconds):
    by_path: dict[str, list] = {}
    for label, latency, status in samples:
        by_path.setdefault(label, []).append((latency, status))
    rows = []
    for label, items in sorted(by_path.items(), key=lambda kv: -len(kv[1])):
        lat = [x for x, _ in items]
        errors = sum(1 for _, s in items if s >= 400)
        rows.append(
            (label, len(items), len(items) / seconds, _pct(lat, 0.50), _pct(lat, 0.95), errors)
        )
    total_lat = [x for _, x, _ in samples]
    total = (
        "all",
        len(samples),
        len(samples) / seconds,
        _pct(total_lat, 0.5),
        _pct(total_lat, 0.95),
        sum(1 for *_, s in samples if s >= 400),
    )
    return rows, total


def run() -> list[tuple[str, str, str]]:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return [
            ("mixed traffic", "skipped: set DATABASE_URL=postgres://…", "≥ 300 req/s, p95 ≤ 100 ms")
        ]
    ensure_database(os.environ["DATABASE_URL"])
    _setup_django()
    fx = fixture()
    pdf = _pdf()
    from django.db import connections

    connections.close_all()
    load_before = os.getloadavg()
    with deployment() as bases:
        _drive(bases, fx, pdf, 5, "mixed")  # warm-up, not counted
        ping = _drive(bases, fx, pdf, 10, "ping")
        cpu0 = {k: cpu_seconds(v) for k, v in deployment.groups.items()}
        pg0 = postgres_cpu_seconds()
        samples = _drive(bases, fx, pdf, SECONDS, "mixed", phase=1)
        cpu = {k: cpu_seconds(v) - cpu0[k] for k, v in deployment.groups.items()}
        pg = postgres_cpu_seconds() - pg0
        load_after = os.getloadavg()
    rows, total = summarise(samples, SECONDS)
    _, ping_total = summarise(ping, 10)
    print(
        f"\nload average before {load_before[0]:.1f} / after {load_after[0]:.1f} (2 cores, shared)"
    )
    print(f"{'path':52} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for label, n, rps, p50, p95, errors in [
        *rows,
        total,
        ("GET /api/v1/ping (alone, same run)", *ping_total[1:]),
    ]:
        print(f"{label:52} {n:6d} {rps:7.1f} {p50:8.1f} {p95:8.1f} {errors:6d}")
    return [
        (
            "mixed traffic, 2 instances + 1 worker",
            f"{total[2]:.0f} req/s, p95 {total[4]:.0f} ms, {total[5]} errors",
            "≥ 300 req/s, p95 ≤ 100 ms, 0 errors",
        ),
        (
            "bare /api/v1/ping, same deployment",
            f"{ping_total[2]:.0f} req/s, p95 {ping_total[4]:.0f} ms",
            "reference",
        ),
        ("load average before / after", f"{load_before[0]:.1f} / {load_after[0]:.1f}", "—"),
        (
            "CPU per mixed request: web / worker / PostgreSQL (upper bound)",
            f"{cpu['web'] / n * 1000:.1f} / {cpu['worker'] / n * 1000:.1f} / {pg / n * 1000:.1f} ms",
            "—",
        ),
    ]


if __name__ == "__main__":
    try:
        for metric, value, target in run():
            print(f"{metric}: {value} (target {target})")
    finally:
        import shutil

        shutil.rmtree(MEDIA, ignore_errors=True)
