"""The officer inbox in-process: cProfile of the whole request (middleware, view, queries, template),
the statements it runs with their time, and EXPLAIN (ANALYZE, BUFFERS) of the page and the count.

Runs against the benchmark database of ``bench/bench_http.py`` (``BENCH_DATABASE_URL``, default
``opendvc_perf_bench``) filled by ``manage.py generate_load_dossiers``; it reads only, apart from the
benchmark officer ``bench/bench_http.py`` also creates (a user, a role, a TOTP device, a session).

Run: ``.venv/bin/python bench/profile_inbox.py [--requests 60] [--top 30] [--explain] [--no-profile]``.
Call counts and EXPLAIN buffers do not depend on the machine's load; the times do (say the load).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

# The bench folder goes last on the path: the libraries come first, ``harness`` is still found.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.append(str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opendvc_perf_bench"
)
FILTERS = [
    "",
    "trang-thai=submitted",
    "trang-thai=received",
    "han=qua-han",
    "han=sap-den-han",
    "kenh=online",
]


def setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "*")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def officer_session() -> tuple[str, str]:
    """The receiving officer of the busiest agency (the same one ``bench/bench_http.py`` signs in)."""
    from django.db.models import Count
    from harness import staff_session

    from opendvc.agencies.models import Agency
    from opendvc.dossiers.models import Dossier

    busiest = (
        Dossier.objects.values("receiving_agency_id").annotate(n=Count("id")).order_by("-n").first()
    )
    agency = Agency.objects.get(pk=busiest["receiving_agency_id"])
    session_key, officer = staff_session(
        email=f"bench-http-{agency.pk}@synthetic.opendvc.vn", agency=agency
    )
    print(f"busiest agency {agency.code} ({busiest['n']:,} dossiers), officer {officer.pk}")
    return session_key, officer.pk


def explain(officer_pk) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the one statement that reads each filter's page with its capped count,
    as ``selectors.paginate`` sends it."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models.expressions import RawSQL
    from django.test import RequestFactory

    from opendvc.dossiers import selectors
    from opendvc.dossiers.views.office import inbox_filters

    user = get_user_model().objects.get(pk=officer_pk)
    for f in FILTERS:
        qs = selectors.inbox(user=user, filters=inbox_filters(RequestFactory().get("/?" + f).GET))
        count_sql, count_params = selectors.capped_count_sql(qs)
        sql, params = qs.annotate(capped_count=RawSQL(count_sql, count_params))[
            :26
        ].query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            plan = [r[0] for r in cur.fetchall()]
        buffers = next((p.strip() for p in plan if "Buffers" in p), "")
        print(f"--- {f or '(no filter)'}: {buffers}; {plan[-1].strip()}")
        for line in plan[:-2]:
            print("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--requests", type=int, default=60, help="requests per round (cycling the filters)"
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument(
        "--callers", default="", help="print the callers of the functions matching this"
    )
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    key, officer_pk = officer_session()
    if args.explain:
        explain(officer_pk)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    paths = ["/mot-cua/ho-so/" + (f"?{f}" if f else "") for f in FILTERS]
    for p in paths:  # warm: templates, translations, connections
        r = client.get(p)
        assert r.status_code == 200, (p, r.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(paths[0])
    print(f"{len(ctx.captured_queries)} statements on the first page (no filter):")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:150]}")
    for p in paths:
        t = time.perf_counter()
        for _ in range(5):
            client.get(p)
        print(f"  {(time.perf_counter() - t) / 5 * 1000:6.1f} ms/request  {p}")
    t, cpu = time.perf_counter(), time.process_time()
    for i in range(args.requests):
        client.get(paths[i % len(paths)])
    wall = (time.perf_counter() - t) / args.requests * 1000
    cpu = (time.process_time() - cpu) / args.requests * 1000
    print(
        f"mean {wall:.1f} ms per request, {cpu:.1f} ms of it on this process's CPU (the rest waits on"
        f" the database or the machine), over {args.requests} (load {os.getloadavg()[0]:.2f})"
    )
    if args.no_profile:
        return
    prof = cProfile.Profile()
    prof.enable()
    for i in range(args.requests):
        client.get(paths[i % len(paths)])
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    print(f"{stats.total_calls / args.requests:,.0f} function calls per request")
    stats.sort_stats(args.sort).print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)
    print(out.getvalue())


if __name__ == "__main__":
    main()
