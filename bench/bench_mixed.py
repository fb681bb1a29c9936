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

After the run it waits for the worker to finish what is still queued (the receipts, the notices) and
counts that CPU with the run's requests: a worker that lags leaves the web more of the cores during
the run than it keeps, so the run's req/s alone overstate what the deployment sustains; the last line
says what two cores sustain at the whole CPU a request.

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
import shutil
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
    # Worker recycling every 2,000 requests would restart the workers during the ping phase and the
    # first seconds of the mix (each new worker imports, warms up and builds its search index), and
    # the CPU of a recycled worker is lost to the per-request figures.
    "GUNICORN_MAX_REQUESTS": "0",
    "ACCOUNT_EMAIL_VERIFICATION": "optional",
    "DOSSIER_LOOKUP_RATE_PER_MINUTE": BIG,
    "RATE_LIMIT_UPLOADS": BIG,
    "FEEDBACK_RATE_LIMIT": BIG,
}
CODE = "SYN-BENCH-DOSSIER"
SEARCHES = ["khai sinh", "giấy phép", "đăng ký kinh doanh", "hộ tịch", "đất đai", "xây dựng"]
# The generator: wrk when installed (``BENCH_GENERATOR=python`` for the Python one).
GENERATOR = os.environ.get("BENCH_GENERATOR") or ("wrk" if shutil.which("wrk") else "python")
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
    # The planner's statistics of the tables just filled, as autovacuum keeps them on a server (it
    # may be off on a development machine's PostgreSQL): with the statistics of a nearly empty table,
    # the officer's inbox was planned for 3 dossiers and read 3,562 (9.1 ms of the database's CPU per
    # page instead of 1.2).
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "session": session_key,
        "citizen_tokens": citizen_tokens,
        "officer_token": officer_token,
        "dossiers": [d.code for d in dossiers],
        "lookups": [(d.code, lookup_key_of(d)) for d in dossiers[:20]],
        "procedures": popular,
        "component": procedure.components.first().pk,
    }


def _children_cpu() -> float:
    """CPU time (user + system) of this process's finished children (the load generator's)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        q = rng.choice(SEARCHES)
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


_LUA = r"""
-- One connection per wrk thread: each request's latency is timed here (request → response) and kept
-- with its path; the threads' lines are written to a file when wrk is done.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local MODE = "%(mode)s"
local PORTS = {%(ports)s}
local OUT = "%(out)s"
local SESSION = "%(session)s"
local OFFICER = "%(officer)s"
local CITIZENS = {%(citizens)s}
local PROCEDURES = {%(procedures)s}
local LOOKUPS = {%(lookups)s}
local DOSSIERS = {%(dossiers)s}
local SHARES = {%(shares)s}
local SEARCHES = {%(searches)s}
local MIX = {%(mix)s}
local COMPONENT = %(component)d
local CODE = "%(code)s"
local UPLOAD = %(upload)s
local BOUNDARY = "%(boundary)s"

local threads = {}
local count = 0
setup = function(thread)
  thread:set("tid", count)
  thread.addr = wrk.lookup("127.0.0.1", PORTS[(count %% #PORTS) + 1])[1]
  table.insert(threads, thread)
  count = count + 1
end

init = function(args)
  math.randomseed(tid * 7919 + 17)
  queue = {}
  for code in string.gmatch(SHARES[tid + 1], "[^,]+") do table.insert(queue, code) end
  out = {}
  upload = nil
  label = nil
  token = nil
  t0 = 0
end

local total = 0
for _, w in ipairs(MIX) do total = total + w[2] end

local function pick()
  while true do
    local r = math.random() * total
    for _, w in ipairs(MIX) do
      r = r - w[2]
      if r <= 0 then
        if w[1] ~= "act" or #queue > 0 then return w[1] end
        break
      end
    end
  end
end

local function forwarded()
  return string.format("10.%%d.%%d.%%d", math.random(1, 250), math.random(1, 250), math.random(1, 250))
end

request = function()
  local h = {["X-Forwarded-For"] = forwarded()}
  local method, path, body = "GET", nil, nil
  if MODE == "ping" then
    label, path = "GET /api/v1/ping", "/api/v1/ping"
  elseif upload ~= nil then
    label, method, path = "POST /api/v1/dossiers (file with it)", "POST", "/api/v1/dossiers"
    h["Authorization"] = "Bearer " .. token
    h["Content-Type"] = "application/json"
    body = string.format('{"procedure": "%%s", "submit": true, "declaration": true, "files": [{"component": %%d, "file": "%%s"}]}', CODE, COMPONENT, upload)
    upload = nil
  else
    local action = pick()
    h["Accept-Encoding"] = "gzip"
    if action == "home" then
      label, path = "GET / (home)", "/"
    elseif action == "search" then
      label, path = "GET /thu-tuc/?q= (search)", "/thu-tuc/?q=" .. SEARCHES[math.random(#SEARCHES)]
    elseif action == "procedure" then
      label, path = "GET /thu-tuc/<code>/ (procedure page)", "/thu-tuc/" .. PROCEDURES[math.random(#PROCEDURES)] .. "/"
    elseif action == "lookup" then
      label, path = "GET /tra-cuu/?ma=&khoa= (public lookup)", LOOKUPS[math.random(#LOOKUPS)]
    elseif action == "qa" then
      label, path = "GET /hoi-dap/ (Q&A)", "/hoi-dap/"
    elseif action == "inbox" then
      label, path = "GET /mot-cua/ho-so/ (officer inbox)", "/mot-cua/ho-so/"
      h["Cookie"] = "sessionid=" .. SESSION
    elseif action == "open dossier" then
      label, path = "GET /mot-cua/ho-so/<code>/ (officer opens a dossier)", "/mot-cua/ho-so/" .. DOSSIERS[math.random(#DOSSIERS)] .. "/"
      h["Cookie"] = "sessionid=" .. SESSION
    elseif action == "filing" then
      token = CITIZENS[math.random(#CITIZENS)]
      label, method, path = "POST /api/v1/files (one PDF)", "POST", "/api/v1/files"
      h["Accept-Encoding"] = nil
      h["Authorization"] = "Bearer " .. token
      h["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY
      body = UPLOAD
    else
      local code = table.remove(queue)
      label, method, path = "POST /api/v1/dossiers/<code>/actions (receive)", "POST", "/api/v1/dossiers/" .. code .. "/actions"
      h["Accept-Encoding"] = nil
      h["Authorization"] = "Bearer " .. OFFICER
      h["Content-Type"] = "application/json"
      body = '{"action": "receive"}'
    end
  end
  t0 = now_ms()
  return wrk.format(method, path, h, body)
end

response = function(status, headers, body)
  local ms = now_ms() - t0
  table.insert(out, string.format("%%s\t%%.3f\t%%d", label, ms, status))
  if status == 201 and label == "POST /api/v1/files (one PDF)" then
    upload = string.match(body, '"id"%%s*:%%s*"([^"]+)"')
  elseif status == 201 and label == "POST /api/v1/dossiers (file with it)" then
    local code = string.match(body, '"code"%%s*:%%s*"([^"]+)"')
    if code then table.insert(queue, code) end
  elseif status >= 400 and #out < 100000 then
    table.insert(out, "ERROR\t" .. label .. "\t" .. status .. "\t" .. string.sub(body or "", 1, 200):gsub("[\t\n]", " "))
  end
end

done = function(summary, latency, requests)
  local f = io.open(OUT, "w")
  for _, t in ipairs(threads) do
    local lines = t:get("out")
    for _, line in ipairs(lines) do f:write(line, "\n") end
  end
  f:write(string.format("SOCKET\t%%d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  f:close()
end
"""


def _lua_quote(value: str) -> str:
    return (
        '"'
        + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        + '"'
    )


def _lua_bytes(data: bytes) -> str:
    """A Lua string literal holding ``data`` byte for byte (decimal escapes for what is not printable)."""
    out = []
    for b in data:
        c = chr(b)
        if 32 <= b < 127 and c not in '"\\':
            out.append(c)
        else:
            out.append(f"\\{b:03d}")
    return '"' + "".join(out) + '"'


def _drive_wrk(bases, fx, pdf, seconds, mode, phase=0):
    """The same visits as ``_drive``, generated by wrk (C, one connection per thread, each thread on
    one instance in turn): the generator takes a small part of the CPU the Python one took."""
    import urllib.parse

    ports = [b.rsplit(":", 1)[1] for b in bases]
    body, ctype = _multipart("giay-to.pdf", pdf)
    boundary = ctype.split("boundary=", 1)[1]
    shares = [",".join(fx["dossiers"][phase * CLIENTS + i :: 2 * CLIENTS]) for i in range(CLIENTS)]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        out = f.name + ".out"
        f.write(
            _LUA
            % {
                "mode": mode,
                "ports": ", ".join(_lua_quote(p) for p in ports),
                "out": out,
                "session": fx["session"],
                "officer": fx["officer_token"],
                "citizens": ", ".join(_lua_quote(t) for t in fx["citizen_tokens"]),
                "procedures": ", ".join(_lua_quote(c) for c in fx["procedures"]),
                "lookups": ", ".join(
                    _lua_quote(f"/tra-cuu/?ma={c}&khoa={k}") for c, k in fx["lookups"]
                ),
                "dossiers": ", ".join(_lua_quote(c) for c in fx["dossiers"]),
                "shares": ", ".join(_lua_quote(s) for s in shares),
                "searches": ", ".join(_lua_quote(urllib.parse.quote(q)) for q in SEARCHES),
                "mix": ", ".join(f"{{{_lua_quote(k)}, {v}}}" for k, v in MIX.items()),
                "component": fx["component"],
                "code": CODE,
                "upload": _lua_bytes(body),
                "boundary": boundary,
            }
        )
        script = f.name
    try:
        subprocess.run(
            [
                "wrk",
                f"-t{CLIENTS}",
                f"-c{CLIENTS}",
                f"-d{int(seconds)}s",
                "--timeout",
                "10s",
                "-s",
                script,
                bases[0],
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        samples, errors, socket_errors = [], [], 0
        for line in Path(out).read_text(errors="replace").splitlines():
            parts = line.split("\t")
            if parts[0] == "SOCKET":
                socket_errors = int(parts[1])
            elif parts[0] == "ERROR":
                if len(errors) < 4:
                    errors.append(" → ".join(parts[1:]))
            else:
                samples.append((parts[0], float(parts[1]) / 1000, int(parts[2])))
    finally:
        os.unlink(script)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out)
    for line in errors:
        print("error:", line, file=sys.stderr)
    samples.extend(("socket error", 0.0, 599) for _ in range(socket_errors))
    return samples


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
        drive = _drive_wrk if GENERATOR == "wrk" else _drive
        drive(bases, fx, pdf, 5, "mixed")  # warm-up, not counted
        ping = drive(bases, fx, pdf, 10, "ping")
        cpu0 = {k: cpu_seconds(v) for k, v in deployment.groups.items()}
        pg0 = postgres_cpu_seconds()
        gen0 = _children_cpu()
        queued_before = _queued()
        samples = drive(bases, fx, pdf, SECONDS, "mixed", phase=1)
        cpu = {k: cpu_seconds(v) - cpu0[k] for k, v in deployment.groups.items()}
        pg = postgres_cpu_seconds() - pg0
        cpu["generator"] = _children_cpu() - gen0
        load_after = os.getloadavg()
        backlog = _drain(deployment.groups["worker"], queued_before=queued_before)
    rows, total = summarise(samples, SECONDS)
    _, ping_total = summarise(ping, 10)
    print(
        f"\nload average before {load_before[0]:.1f} / after {load_after[0]:.1f} (2 cores); "
        f"generator {GENERATOR}, {CLIENTS} connections"
    )
    print(f"{'path':52} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for label, n, rps, p50, p95, errors in [
        *rows,
        total,
        ("GET /api/v1/ping (alone, same run)", *ping_total[1:]),
    ]:
        print(f"{label:52} {n:6d} {rps:7.1f} {p50:8.1f} {p95:8.1f} {errors:6d}")
    n = total[1]  # CPU per request of the mixed traffic
    worker_all = cpu["worker"] + backlog["cpu"]
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
        (
            f"CPU of the load generator ({GENERATOR}) per request",
            f"{cpu['generator'] / n * 1000:.2f} ms",
            "—",
        ),
        (
            "worker's backlog: tasks queued at the start / at the end / drained in / its CPU / the run's share",
            f"{backlog['before']} / {backlog['queued']} / {backlog['seconds']:.1f} s / "
            f"{backlog['drain_cpu']:.2f} s / {backlog['cpu']:.2f} s",
            "—",
        ),
        (
            "CPU per mixed request with the backlog drained: web / worker / PostgreSQL",
            f"{cpu['web'] / n * 1000:.1f} / {worker_all / n * 1000:.1f} / {pg / n * 1000:.1f} ms",
            "—",
        ),
        (
            "req/s two cores sustain at that CPU (with the generator's)",
            f"{2 / ((cpu['web'] + worker_all + pg + cpu['generator']) / n):.0f}",
            "—",
        ),
    ]


def _queued() -> int:
    import redis

    return redis.Redis.from_url(REDIS).llen("celery")


def _drain(worker: list[int], *, queued_before: int, limit: float = 180.0) -> dict[str, float]:
    """What the worker had left to do when the run ended: the tasks still queued, and how long and how
    much CPU it took to finish them. A worker that falls behind leaves the web processes more of the
    two cores during the run than they would have once it keeps up; this work belongs to the run's
    requests, so its CPU is counted with theirs ("with the backlog drained"), in proportion to the
    growth of the queue during the run (the tasks queued at its start, left by the warm-up, were
    worked on during the run and their CPU is already in it)."""
    import redis

    client = redis.Redis.from_url(REDIS)
    queued = client.llen("celery")
    kinds: dict[str, int] = {}
    for raw in client.lrange("celery", 0, -1):
        task = json.loads(raw).get("headers", {}).get("task", "?")
        kinds[task] = kinds.get(task, 0) + 1
    if kinds:
        print("queued at the end:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    start, cpu_start = time.monotonic(), cpu_seconds(worker)
    last, quiet = cpu_start, 0
    while time.monotonic() - start < limit:
        time.sleep(0.5)
        now = cpu_seconds(worker)
        # Done when nothing is queued and the worker's CPU stood still for a second.
        quiet = quiet + 1 if client.llen("celery") == 0 and now - last < 0.01 else 0
        last = now
        if quiet >= 2:
            break
    drain_cpu = last - cpu_start
    share = max(0, queued - queued_before) / queued if queued else 0.0
    return {
        "before": queued_before,
        "queued": queued,
        "seconds": max(0.0, time.monotonic() - start - 1.0),
        "drain_cpu": drain_cpu,
        "cpu": drain_cpu * share,
    }


if __name__ == "__main__":
    try:
        for metric, value, target in run():
            print(f"{metric}: {value} (target {target})")
    finally:
        import shutil

        shutil.rmtree(MEDIA, ignore_errors=True)
