"""CPU per request in-process, through the whole WSGI stack, for the pages and API calls of
``bench/bench_mixed.py``'s visit mix: home, search, procedure page, public lookup, Q&A, the officer's
inbox and dossier page, and the filing pair (upload a PDF, then file a dossier with it). Prints
milliseconds of CPU (process time) per request and the SQL statements of one request; optionally a
cProfile of each row, or the HTML of each page to compare two versions of the code.

Builds its data with ``bench_mixed.fixture()`` in ``DATABASE_URL`` (a PostgreSQL database, created when
missing), with the same settings as bench_mixed's web instances; Celery tasks are queued to
``REDIS_URL`` (default redis://127.0.0.1:6379/12), not run here, as a web instance leaves them to the
worker.

Run: ``DATABASE_URL=postgres://…/opendvc_bench .venv/bin/python bench/profile_mixed.py
[--only home,dossier] [--requests 200] [--profile] [--top 40] [--show-sql] [--dump DIR]
[--fixture FILE]``.
CPU times depend on the machine's load (say it); call counts and statement counts do not.
"""

from __future__ import annotations

import os
import sys

_BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _BENCH] + [_BENCH]
# ruff: noqa: E402

import argparse
import json
import urllib.parse
from pathlib import Path

ROWS = ["ping", "home", "search", "procedure", "lookup", "qa", "inbox", "dossier", "upload", "filing"]


def setup() -> None:
    import bench_mixed

    os.environ.update(bench_mixed.ENV)
    os.environ["REDIS_URL"] = bench_mixed.REDIS
    os.environ["ALLOWED_HOSTS"] = "*"
    os.environ["SQL_COUNT_HEADER"] = "true"
    sys.path.insert(0, str(bench_mixed.ROOT / "src"))
    import django

    django.setup()


def requests_of(fx: dict, pdf: bytes) -> dict:
    """The requests of each row, as bench_mixed's visits send them (the staff cookie for the officer's
    pages, a citizen's token for the API). ``filing`` is a callable: its body names a fresh upload."""
    import bench_mixed

    staff = {"Cookie": f"sessionid={fx['session']}"}
    token = {"Authorization": f"Bearer {fx['citizen_tokens'][0]}"}
    body, ctype = bench_mixed._multipart("giay-to.pdf", pdf)
    forwarded = {"X-Forwarded-For": "10.1.2.3"}
    return {
        "ping": [{"method": "GET", "path": "/api/v1/ping", "headers": forwarded}],
        "home": [{"method": "GET", "path": "/", "headers": forwarded}],
        "search": [
            {
                "method": "GET",
                "path": "/thu-tuc/?q=" + urllib.parse.quote(q),
                "headers": forwarded,
            }
            for q in bench_mixed.SEARCHES
        ],
        "procedure": [
            {"method": "GET", "path": f"/thu-tuc/{code}/", "headers": forwarded}
            for code in fx["procedures"]
        ],
        "lookup": [
            {"method": "GET", "path": f"/tra-cuu/?ma={code}&khoa={key}", "headers": forwarded}
            for code, key in fx["lookups"]
        ],
        "qa": [{"method": "GET", "path": "/hoi-dap/", "headers": forwarded}],
        "inbox": [{"method": "GET", "path": "/mot-cua/ho-so/", "headers": {**staff, **forwarded}}],
        "dossier": [
            {"method": "GET", "path": f"/mot-cua/ho-so/{code}/", "headers": {**staff, **forwarded}}
            for code in fx["dossiers"][:40]
        ],
        "upload": [
            {
                "method": "POST",
                "path": "/api/v1/files",
                "body": body,
                "headers": {**token, **forwarded, "Content-Type": ctype},
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(ROWS))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each row this many times; print the lowest"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--match", default="", help="only functions whose file or name has this")
    parser.add_argument("--callees", default="", help="print what the functions matching this call")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--sql-width", type=int, default=160)
    parser.add_argument("--dump", default="", help="write each page's HTML (first request) here")
    parser.add_argument(
        "--fixture",
        default="",
        help="a JSON file: the fixture's codes and keys are read from it when it exists (the same "
        "dossiers for two versions of the code), else written to it",
    )
    args = parser.parse_args()

    from harness import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    setup()
    import bench_mixed
    from profile_requests import call, measure

    if args.fixture and Path(args.fixture).exists():
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        fx = json.loads(Path(args.fixture).read_text())
    else:
        fx = bench_mixed.fixture()
        if args.fixture:
            Path(args.fixture).write_text(json.dumps(fx))
    pdf = bench_mixed._pdf()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    picked = requests_of(fx, pdf)
    token = {"Authorization": f"Bearer {fx['citizen_tokens'][0]}"}

    def filing_requests(n: int) -> list[dict]:
        """``n`` filings, each with a fresh upload of its own (made here, not measured)."""
        out = []
        for _ in range(n):
            status, body, _ = call(app, picked["upload"][0])
            assert status == 201, body[:300]
            payload = {
                "procedure": bench_mixed.CODE,
                "submit": True,
                "declaration": True,
                "files": [{"component": fx["component"], "file": json.loads(body)["id"]}],
            }
            out.append(
                {
                    "method": "POST",
                    "path": "/api/v1/dossiers",
                    "body": json.dumps(payload),
                    "headers": {**token, "Content-Type": "application/json"},
                }
            )
        return out

    with open("/proc/loadavg") as f:
        print("load average", f.read().split()[:3])
    for name in [w.strip() for w in args.only.split(",") if w.strip()]:
        if name == "filing":
            # Every filing needs its own upload: one per warm-up, measured and profiled request.
            total = args.requests * (2 if args.profile else 1) + 1
            rows = filing_requests(total)
            requests = rows[:1] + rows[1:]
        else:
            requests = picked[name]
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            for i, r in enumerate(requests[:5] if name not in ("upload", "filing") else []):
                status, body, _ = call(app, r)
                Path(args.dump, f"{name}-{i}.html").write_bytes(body)
        if args.show_sql:
            from django.db import connection

            statements: list[str] = []

            def record(execute, sql, params, many, context, statements=statements):
                statements.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(record):
                call(app, requests[0] if name != "filing" else filing_requests(1)[0])
            for sql in statements:
                print(f"  [{len(sql):5d} chars] {sql[: args.sql_width]}")
        if name == "filing":
            _measure_filing(app, requests, args)
            continue
        runs = [
            measure(
                app,
                name,
                requests,
                n=args.requests,
                profile=args.profile and i == args.repeat - 1,
                top=args.top,
                sort=args.sort,
                restrict=[args.match] if args.match else None,
                callees=args.callees,
            )
            for i in range(args.repeat)
        ]
        if args.repeat > 1:
            print(f"{name:10s} lowest of {args.repeat}: {min(runs):6.2f} ms CPU/request")


def _measure_filing(app, requests: list[dict], args) -> None:
    """Each filing request once (the warm-up is the first one), then the profile over the rest."""
    import cProfile
    import io
    import pstats
    import time

    from profile_requests import call

    status, body, headers = call(app, requests[0])
    if status >= 400:
        raise SystemExit(f"filing answered {status}: {body[:500]!r}")
    sql = headers.get("X-SQL-Count")
    n = args.requests
    t0, c0 = time.perf_counter(), time.process_time()
    for r in requests[1 : n + 1]:
        call(app, r)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{'filing':10s} {n} requests: {cpu / n * 1000:6.2f} ms CPU/request, {wall / n * 1000:6.2f} ms wall; "
        f"SQL {sql} (X-SQL-Count of the warm-up request)"
    )
    if args.profile:
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        for r in requests[n + 1 :]:
            call(app, r)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats(args.sort)
        print(f"{'filing':10s} {stats.total_calls / n:,.0f} Python function calls per request")
        if args.callees:
            stats.print_callees(args.callees)
        else:
            stats.print_stats(*([args.match] if args.match else []), args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
