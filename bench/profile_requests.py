"""CPU per request in-process, through the whole WSGI stack (every middleware, the view, the template),
for the rows of ``bench/bench_http.py`` that are CPU-bound: the catalog page with the result cache
off, the filing API and the bare ping. Prints milliseconds of CPU (process time) per request, the
SQL statements of one request, and optionally a cProfile of each row.

Runs against the benchmark database of ``bench/bench_http.py`` (``BENCH_DATABASE_URL``, default
``opendvc_perf_bench``, already filled by it) with the same settings as its "uncached" server
(``CATALOG_CACHE_SECONDS=0``, ``SQL_COUNT_HEADER=true``) and Redis at ``REDIS_URL`` (a private
``redis-server`` when unset). The submission row files real dossiers (like the bench's own row).

Run: ``.venv/bin/python bench/profile_requests.py [--only catalog,submit,ping] [--requests 200]
[--profile] [--top 40] [--sort tottime]``. CPU times depend on the machine's load (say it); call counts
and statement counts do not.
"""

from __future__ import annotations

import os
import sys

_BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _BENCH] + [_BENCH]
# ruff: noqa: E402

import argparse
import cProfile
import io
import pstats
import time
import urllib.parse
import uuid

from harness import ROOT

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opendvc_perf_bench"
)


def setup(redis_url: str) -> None:
    import bench_http

    os.environ.update(
        {
            k: v
            for k, v in bench_http._env(redis_url).items()
            if k not in ("PYTHONPATH",) and not k.startswith("GUNICORN")
        }
    )
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["CATALOG_CACHE_SECONDS"] = "0"
    os.environ["ALLOWED_HOSTS"] = "*"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def environ_for(request: dict) -> dict:
    from wsgiref.util import setup_testing_defaults

    path, _, query = request["path"].partition("?")
    body = request.get("body", "")
    body = body.encode() if isinstance(body, str) else body
    env = {
        "REQUEST_METHOD": request["method"],
        "PATH_INFO": urllib.parse.unquote(path).encode().decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in request.get("headers", {}).items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            env["CONTENT_TYPE"] = value
        else:
            env["HTTP_" + key] = value
    if request.get("idempotency"):
        env["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex
    setup_testing_defaults(env)
    return env


def call(app, request: dict) -> tuple[int, bytes, dict]:
    status_headers = {}

    def start_response(status, headers, exc_info=None):
        status_headers["status"] = int(status.split()[0])
        status_headers["headers"] = dict(headers)

    chunks = app(environ_for(request), start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return status_headers["status"], body, status_headers["headers"]


def rows(fx: dict) -> dict[str, list[dict]]:
    import bench_http

    all_rows = {s.name: s for s in bench_http.scenarios(fx, None)}
    pick = {}
    for name, scenario in all_rows.items():
        if name.startswith("GET /api/v1/ping") and "again" not in name:
            pick["ping"] = scenario.requests
        elif (
            name.startswith("GET /thu-tuc/?q=")
            and scenario.server == "uncached"
            and "clients" not in name
        ):
            pick["catalog"] = scenario.requests
        elif name.startswith("GET /api/v1/procedures?q=") and "clients" not in name:
            pick["api-search"] = scenario.requests
        elif name.startswith("POST /api/v1/dossiers (no files"):
            pick["submit"] = scenario.requests
        elif name.startswith("GET / (home)"):
            pick["home"] = scenario.requests
    return pick


def measure(
    app,
    name: str,
    requests: list[dict],
    *,
    n: int,
    profile: bool,
    top: int,
    sort: str,
    restrict=None,
    callees: str = "",
) -> float:
    from django.db import reset_queries

    # Warm: every request of the rotation once (templates compiled, index built, connections open).
    for r in requests:
        status, body, headers = call(app, r)
        if status >= 400:
            raise SystemExit(f"{name}: {r['path']} answered {status}: {body[:500]!r}")
    sql = headers.get("X-SQL-Count")
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        call(app, requests[i % len(requests)])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{name:10s} {n} requests: {cpu / n * 1000:6.2f} ms CPU/request, {wall / n * 1000:6.2f} ms wall; "
        f"SQL {sql} (X-SQL-Count of the last warm-up request)"
    )
    reset_queries()
    if profile:
        # CPU time of this process (waiting for PostgreSQL or Redis is not counted).
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for i in range(n):
            call(app, requests[i % len(requests)])
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats(sort)
        print(f"{name:10s} {stats.total_calls / n:,.0f} Python function calls per request")
        if callees:
            stats.print_callees(callees)
        else:
            stats.print_stats(*(restrict or []), top)
        print(out.getvalue())
    return cpu / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="ping,catalog,submit")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callees", default="", help="print what the functions matching this call")
    parser.add_argument("--match", default="", help="only functions whose file or name has this")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of one request"
    )
    parser.add_argument("--sql-width", type=int, default=160)
    args = parser.parse_args()
    import bench_http

    with bench_http.redis_server() as redis_url:
        fx = bench_http.prepare(redis_url)
        setup(redis_url)
        from django.core.wsgi import get_wsgi_application

        app = get_wsgi_application()
        picked = rows(fx)
        with open("/proc/loadavg") as f:
            print("load average", f.read().split()[:3])
        for name in [w.strip() for w in args.only.split(",") if w.strip()]:
            if args.show_sql:
                from django.db import connection

                statements: list[str] = []

                def record(execute, sql, params, many, context, statements=statements):
                    statements.append(sql)
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(record):
                    call(app, picked[name][0])
                for sql in statements:
                    print(f"  [{len(sql):5d} chars] {sql[: args.sql_width]}")
            measure(
                app,
                name,
                picked[name],
                n=args.requests,
                profile=args.profile,
                top=args.top,
                sort=args.sort,
                restrict=[args.match] if args.match else None,
                callees=args.callees,
            )


if __name__ == "__main__":
    main()
