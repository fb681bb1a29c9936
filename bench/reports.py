"""Benchmark of the quarterly province figures: the reports app against a hand-written SQL query of
the same figures, on load data (``manage.py generate_load_data --dossiers N --feedback M``).

Setup: PostgreSQL (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/opendvc_bench_reports,
created and migrated if missing; filled with ``--dossiers``/``--feedback`` rows when it has fewer).
The facts table is brought up to date first (its build time is reported: a full build once, then
incremental refreshes of the changed dossiers).

Measured, for the last complete quarter, ``RUNS`` times after a warm-up, median and max:

1. ``reports.selectors.period_figures`` in-process (dossier figures per agency with the average and
   p90 processing time, feedback per agency and per channel, surveys, indicators);
2. the hand-written SQL of the same dossier and feedback figures straight over ``dossiers_dossier``
   and ``feedback_feedback`` (no facts table), whose numbers must equal those of (1);
3. over HTTP (gunicorn, 2 workers) ``GET /api/v1/reports/figures?period=…`` with a bearer token,
   beside ``GET /api/v1/ping`` in the same run, with the machine's load average.

Run: ``.venv/bin/python bench/reports.py [--dossiers 1000000] [--feedback 200000]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from harness import ensure_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendvc_bench_reports"
RUNS = 7
TARGET_S = 2.0

HAND_SQL_DOSSIERS = """
WITH d AS (
  SELECT d.receiving_agency_id AS agency_id, d.channel, p.level, d.submitted_at, d.received_at, d.due_at,
         d.finished_at, d.status,
         CASE WHEN d.status IN ('returned','stopped','withdrawn','refused') AND d.finished_at IS NOT NULL
              THEN d.status ELSE '' END AS outcome,
         CASE WHEN d.on_time_class <> '' THEN d.on_time_class
              WHEN d.finished_at > d.due_at THEN 'late'
              WHEN (d.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                   < (d.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date THEN 'early'
              ELSE 'on_time' END AS cls
  FROM dossiers_dossier d JOIN catalog_procedure p ON p.id = d.procedure_id
  WHERE d.submitted_at IS NOT NULL AND d.status NOT IN ('draft','deleted') AND d.submitted_at < %(c)s
    AND (d.finished_at IS NULL OR d.finished_at >= %(s)s)
)
SELECT agency_id,
  count(*) FILTER (WHERE received_at < %(s)s) AS carried_over,
  count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(c)s) AS received_new,
  count(*) FILTER (WHERE outcome IN ('returned','stopped') AND finished_at < %(c)s AND cls = 'early') AS handled_early,
  count(*) FILTER (WHERE outcome IN ('returned','stopped') AND finished_at < %(c)s AND cls = 'on_time')
    AS handled_on_time,
  count(*) FILTER (WHERE outcome IN ('returned','stopped') AND finished_at < %(c)s AND cls = 'late') AS handled_late,
  count(*) FILTER (WHERE received_at < %(c)s AND (finished_at IS NULL OR finished_at >= %(c)s)
                   AND NOT (due_at < %(c)s)) AS in_progress_on_time,
  count(*) FILTER (WHERE received_at < %(c)s AND (finished_at IS NULL OR finished_at >= %(c)s)
                   AND due_at < %(c)s) AS in_progress_overdue,
  count(*) FILTER (WHERE outcome = 'withdrawn' AND finished_at < %(c)s) AS withdrawn,
  count(*) FILTER (WHERE outcome = 'refused' AND finished_at < %(c)s) AS refused,
  count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(c)s AND level IN (3,4)) AS received_l34,
  count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(c)s AND level IN (3,4)
                   AND channel IN ('online','national_portal')) AS received_online_l34
FROM d GROUP BY agency_id ORDER BY agency_id
"""

HAND_SQL_FEEDBACK = """
SELECT agency_id,
  count(*) FILTER (WHERE forwarded_at >= %(s)s) AS fb_received,
  count(*) FILTER (WHERE answered_at >= %(s)s AND answered_at < %(c)s
                   AND (overdue_since IS NULL OR overdue_since >= answered_at)
                   AND (escalated_at IS NULL OR escalated_at > answered_at)) AS fb_answered_focal,
  count(*) FILTER (WHERE answered_at >= %(s)s AND answered_at < %(c)s
                   AND (overdue_since IS NULL OR overdue_since >= answered_at)
                   AND escalated_at <= answered_at) AS fb_answered_head,
  count(*) FILTER (WHERE answered_at >= %(s)s AND answered_at < %(c)s AND overdue_since < answered_at)
    AS fb_answered_late,
  count(*) FILTER (WHERE (answered_at IS NULL OR answered_at >= %(c)s) AND status NOT IN ('rejected','withdrawn')
                   AND NOT coalesce(overdue_since < %(c)s, false)) AS fb_open,
  count(*) FILTER (WHERE (answered_at IS NULL OR answered_at >= %(c)s) AND status NOT IN ('rejected','withdrawn')
                   AND overdue_since < %(c)s) AS fb_overdue
FROM feedback_feedback
WHERE agency_id IS NOT NULL AND forwarded_at IS NOT NULL AND forwarded_at < %(c)s
GROUP BY agency_id ORDER BY agency_id
"""

DOSSIER_COLUMNS = [
    "carried_over",
    "received_new",
    "handled_early",
    "handled_on_time",
    "handled_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "withdrawn",
    "refused",
    "received_l34",
    "received_online_l34",
]
FEEDBACK_COLUMNS = [
    "fb_received",
    "fb_answered_focal",
    "fb_answered_head",
    "fb_answered_late",
    "fb_open",
    "fb_overdue",
]


def _setup(dossiers: int, feedback: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from opendvc.dossiers.models import Dossier
    from opendvc.feedback.models import Feedback

    call_command("migrate", verbosity=0)
    if not Dossier.objects.exists():
        call_command("seed_demo", verbosity=0)
    have = Dossier.objects.filter(code__startswith="SYN-").count()
    if have < dossiers:
        call_command("generate_load_dossiers", dossiers=dossiers - have)
    have_fb = Feedback.objects.count()
    if have_fb < feedback:
        call_command("generate_feedback_load", count=feedback - have_fb)


def _last_quarter():
    """The last complete quarter: the one a quarterly report is made for (both dossiers and feedback
    of the load data cover it)."""
    from opendvc.reports.periods import current_quarter

    return current_quarter().previous()


def _time(fn, runs: int = RUNS) -> tuple[float, float, object]:
    fn()  # warm-up
    samples, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), max(samples), result


def _hand_sql(period, cutoff):
    from django.db import connection

    params = {"s": period.start_at, "c": cutoff}
    with connection.cursor() as cur:
        cur.execute(HAND_SQL_DOSSIERS, params)
        cols = [c.name for c in cur.description]
        dossiers = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        cur.execute(HAND_SQL_FEEDBACK, params)
        cols = [c.name for c in cur.description]
        feedback = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    return dossiers, feedback


def _compare(figures, hand) -> list[str]:
    problems = []
    ours = {r["key"]: r for r in figures["dossiers"]["rows"]}
    for row in hand[0]:
        mine = ours.get(row["agency_id"], {})
        for col in DOSSIER_COLUMNS:
            if mine.get(col, 0) != row[col]:
                problems.append(
                    f"agency {row['agency_id']} {col}: reports {mine.get(col, 0)} ≠ SQL {row[col]}"
                )
    ours_fb = {r["key"]: r for r in figures["feedback"]["rows"]}
    for row in hand[1]:
        mine = ours_fb.get(row["agency_id"], {})
        for col in FEEDBACK_COLUMNS:
            if mine.get(col, 0) != row[col]:
                problems.append(
                    f"agency {row['agency_id']} {col}: reports {mine.get(col, 0)} ≠ SQL {row[col]}"
                )
    return problems


def _http(period_label: str) -> list[tuple[str, str, str]]:
    from harness import serve

    from opendvc.accounts.models import User
    from opendvc.agencies.models import Agency, StaffRole
    from opendvc.api.services import api_token_create

    user = User.objects.filter(
        email="bench-reports@example.vn"
    ).first() or User.objects.create_user(
        email="bench-reports@example.vn", password=None, full_name="Bench reports"
    )
    StaffRole.objects.get_or_create(
        user=user, agency=Agency.objects.order_by("pk").first(), role="province_office"
    )
    _token, raw = api_token_create(owner=user, name="bench-reports", scopes=["read"])
    rows = []
    env = {"DATABASE_URL": os.environ["DATABASE_URL"], "DEBUG": "false"}
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    with serve(env=env) as url:

        def get(path, auth=True):
            req = urllib.request.Request(
                url + path, headers={"Authorization": f"Bearer {raw}"} if auth else {}
            )
            with urllib.request.urlopen(req, timeout=120) as r:
                r.read()
                return r.status

        for name, path, auth in (
            ("ping", "/api/v1/ping", False),
            ("figures", f"/api/v1/reports/figures?period={period_label}", True),
        ):
            median, worst, status = _time(lambda p=path, a=auth: get(p, a), runs=5)
            rows.append(
                (
                    f"HTTP {name}",
                    f"median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms",
                    str(status),
                )
            )
    return rows


def run(dossiers: int = 0, feedback: int = 0, http: bool = True) -> list[tuple[str, str, str]]:
    _setup(dossiers, feedback)
    from opendvc.dossiers.models import Dossier
    from opendvc.feedback.models import Feedback
    from opendvc.reports import figures as F
    from opendvc.reports.facts import data_version, facts_refresh
    from opendvc.reports.models import DossierFact
    from opendvc.reports.selectors import period_figures, window_for

    load = os.getloadavg()
    out = [
        (
            "load average at start",
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
            "shared 2-core machine",
        )
    ]
    full = not DossierFact.objects.exists()
    t = time.perf_counter()
    state = facts_refresh(full=full)
    out.append(
        (
            f"facts {'full build' if full else 'incremental refresh'}",
            f"{time.perf_counter() - t:.1f} s",
            data_version(state),
        )
    )
    # The next refresh also rebuilds what changed in the margin before the last one began (bulk load
    # data written just before it); the one after that is the steady state with nothing changed.
    for label in (
        "facts refresh, margin of the previous one",
        "facts refresh with nothing changed",
    ):
        t = time.perf_counter()
        facts_refresh()
        out.append((label, f"{(time.perf_counter() - t) * 1000:.0f} ms", ""))
    n_dossiers, n_feedback = Dossier.objects.count(), Feedback.objects.count()
    period = _last_quarter()
    cutoff = window_for(period).cutoff
    out.append(
        ("data", f"{n_dossiers} dossiers, {n_feedback} feedback items", f"quarter {period.label}")
    )
    median, worst, figures = _time(lambda: period_figures(period=period, dimension="agency"))
    out.append(
        (
            "all figures of the quarter (facts)",
            f"median {median:.3f} s, max {worst:.3f} s",
            f"target ≤ {TARGET_S} s; 25 dossier figures, avg/p90 days, feedback ×2, surveys",
        )
    )
    window = window_for(period)
    s_median, s_worst, same = _time(
        lambda: {
            "dossiers": {
                "rows": F.dossier_table(window=window, names=DOSSIER_COLUMNS, with_days=False).rows
            },
            "feedback": {"rows": F.feedback_table(window=window).rows},
        }
    )
    out.append(
        (
            "same figures as the SQL (facts)",
            f"median {s_median:.3f} s, max {s_worst:.3f} s",
            f"{len(DOSSIER_COLUMNS)} dossier + {len(FEEDBACK_COLUMNS) + 1} feedback figures per agency",
        )
    )
    h_median, h_worst, hand = _time(lambda: _hand_sql(period, cutoff))
    out.append(
        (
            "hand-written SQL (raw tables)",
            f"median {h_median:.3f} s, max {h_worst:.3f} s",
            f"ratio {s_median / h_median:.2f} (target ≤ 1.5)",
        )
    )
    problems = _compare(figures, hand) + _compare(same, hand)
    out.append(
        (
            "figures equal to the SQL",
            "yes" if not problems else f"NO ({len(problems)})",
            "; ".join(problems[:3]),
        )
    )
    total = figures["dossiers"]["total"]
    out.append(
        (
            "quarter totals",
            f"to handle {total['to_handle']}, handled {total['handled']}, "
            f"overdue {total['in_progress_overdue']}",
            f"avg {total['avg_days']} d, p90 {total['p90_days']} d",
        )
    )
    if http:
        out += _http(period.label)
    load = os.getloadavg()
    out.append(("load average at end", f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", ""))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=0)
    parser.add_argument("--feedback", type=int, default=0)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    for metric, measured, note in run(args.dossiers, args.feedback, http=not args.no_http):
        print(f"{metric:40} {measured:45} {note}")
