"""Benchmark of the quarterly province figures of the reports app, on load data (``manage.py
generate_load_data --dossiers N --feedback M``): the very functions the figures page and the API call.

Setup: PostgreSQL (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/opendvc_bench_reports,
created and migrated if missing; filled with ``--dossiers``/``--feedback`` rows when it has fewer).
The facts table is brought up to date first (its build time is reported: a full build once, then
incremental refreshes of the changed dossiers).

Measured, for the last complete quarter, ``RUNS`` times after a warm-up, median and max:

1. ``reports.selectors.period_figures`` in-process (dossier figures per agency with the average and
   p90 processing time, feedback per agency and per channel, surveys, indicators);
2. each table it is made of on its own (``reports.figures``): the dossier figures per agency from the
   facts table, the feedback figures per agency and per channel from each item as it stood at the
   cut-off (``feedback.timing.state_at``: the kept forwardings, the withdrawal instant, the lateness
   recorded or not yet recorded), and the feedback figures and all figures as of a cut-off in the
   middle of the quarter (a report "as of" a past date). The load data is written in bulk, without
   history: it keeps no ended forwarding (the ``data`` line gives their number), so their join is
   timed on what the database holds;
3. that every total equals the length of the list behind it (the page's drill-down, same filter), at
   the end of the quarter and at the mid-quarter cut-off, and that the feedback totals per agency and
   per channel are equal;
4. over HTTP (gunicorn, 2 workers) ``GET /api/v1/reports/figures?period=…`` with a bearer token,
   beside ``GET /api/v1/ping`` in the same run, with the machine's load average.

Run: ``.venv/bin/python bench/reports.py [--dossiers 1000000] [--feedback 200000] [--no-http]``; a
quick check that it works, on an empty database: ``--dossiers 1000 --feedback 1000``.
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


def _mid_period(period) -> str:
    """A cut-off inside the period (its middle day, dd/mm/yyyy): a report as of a past date."""
    return (period.start + (period.end - period.start) / 2).strftime("%d/%m/%Y")


def _lists_agree(period, as_of, tables: list) -> list[str]:
    """Each total of the figures against the length of the list behind it (the report page's
    drill-down, same filter; the figures count on a narrower query and group), for ``tables``:
    dossiers (or None) then feedback, both of the window of ``as_of``."""
    from opendvc.reports import figures as F
    from opendvc.reports.selectors import drilldown_dossiers, drilldown_feedback

    dossiers, feedback = tables
    checks = [(drilldown_feedback, name, feedback.total[name]) for name in F.FEEDBACK_FIGURES]
    if dossiers is not None:
        checks += [(drilldown_dossiers, name, dossiers.total[name]) for name in F.DOSSIER_FIGURES]
    problems = []
    for listing, name, counted in checks:
        listed = listing(name=name, period=period, as_of=as_of).count()
        if listed != counted:
            problems.append(
                f"{name}{' as of ' + as_of if as_of else ''}: {counted} ≠ list {listed}"
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
    from opendvc.feedback.models import Feedback, FeedbackRound
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
    n_rounds = FeedbackRound.objects.count()
    period = _last_quarter()
    out.append(
        (
            "data",
            f"{n_dossiers} dossiers, {n_feedback} feedback items",
            f"quarter {period.label}; {n_rounds} ended forwardings kept",
        )
    )
    median, worst, figures = _time(lambda: period_figures(period=period, dimension="agency"))
    out.append(
        (
            "all figures of the quarter (facts)",
            f"median {median:.3f} s, max {worst:.3f} s",
            f"target ≤ {TARGET_S} s; 25 dossier figures, avg/p90 days, feedback ×2, surveys",
        )
    )
    # The tables the figures page is made of (``period_figures``), each timed on its own.
    as_of = _mid_period(period)
    tables = {}
    for label, window, make, note in (
        (
            "dossier figures per agency (facts)",
            window_for(period),
            lambda w: F.dossier_table(window=w),
            f"{len(F.DOSSIER_FIGURES)} figures, avg/p90 working days",
        ),
        (
            "feedback figures per agency",
            window_for(period),
            lambda w: F.feedback_table(window=w),
            f"{len(F.FEEDBACK_FIGURES)} figures, each item as it stood at the cut-off",
        ),
        (
            "feedback figures per channel",
            window_for(period),
            lambda w: F.feedback_table(window=w, dimension="channel"),
            f"{len(F.FEEDBACK_FIGURES)} figures",
        ),
        (
            f"feedback per agency as of {as_of}",
            window_for(period, as_of),
            lambda w: F.feedback_table(window=w),
            "a past cut-off: kept forwardings, withdrawals after it",
        ),
    ):
        t_median, t_worst, tables[label] = _time(lambda w=window, m=make: m(w))
        out.append((label, f"median {t_median:.3f} s, max {t_worst:.3f} s", note))
    a_median, a_worst, _ = _time(lambda: period_figures(period=period, as_of=as_of))
    out.append(
        (
            f"all figures as of {as_of} (facts)",
            f"median {a_median:.3f} s, max {a_worst:.3f} s",
            f"target ≤ {TARGET_S} s",
        )
    )
    problems = _lists_agree(
        period,
        None,
        [tables["dossier figures per agency (facts)"], tables["feedback figures per agency"]],
    ) + _lists_agree(period, as_of, [None, tables[f"feedback per agency as of {as_of}"]])
    # Each item has one channel and, at the cut-off, one agency: both tables count the same items.
    by_channel = tables["feedback figures per channel"].total
    problems += [
        f"{name}: per agency {counted} ≠ per channel {by_channel[name]}"
        for name, counted in tables["feedback figures per agency"].total.items()
        if by_channel[name] != counted
    ]
    out.append(
        (
            "figures equal to their lists",
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
    for label, fb in (
        ("quarter feedback totals", tables["feedback figures per agency"].total),
        (f"feedback totals as of {as_of}", tables[f"feedback per agency as of {as_of}"].total),
    ):
        out.append(
            (
                label,
                f"received {fb['fb_received']}, answered late {fb['fb_answered_late']}, "
                f"overdue {fb['fb_overdue']}",
                f"on time {fb['fb_answered_focal'] + fb['fb_answered_head']}, open {fb['fb_open']}",
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
