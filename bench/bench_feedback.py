"""Benchmark of the feedback work queues: the overdue and due-soon filters over 200,000 items.

Setup: PostgreSQL (``DATABASE_URL``; default postgres://postgres@127.0.0.1:5432/opendvc_bench_feedback,
created if missing), migrated, filled once with ``generate_feedback_load --count 200000`` (a
progress bar shows the filling; later runs reuse the rows).

Measured in-process, as the back-office queue page runs them (``selectors.queue``): the first page
of 30 items ordered by deadline plus the total count, for a focal officer of one agency and for the
province-wide switchboard, ``RUNS`` times each after a warm-up; p95 per filter (target ≤ 50 ms).

Run: ``.venv/bin/python bench/bench_feedback.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from harness import ensure_database

ROOT = Path(__file__).resolve().parents[1]
COUNT = 200_000
RUNS = 200
TARGET_MS = 50.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendvc_bench_feedback"


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("generate_feedback_load", count=COUNT)
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # What autovacuum does on a live database after bulk loading: statistics and the
            # visibility map (index-only counts).
            cur.execute("VACUUM ANALYZE feedback_feedback")


def _users():
    from opendvc.accounts.models import User
    from opendvc.agencies.models import Agency, StaffRole

    agency = (
        Agency.objects.order_by("code").exclude(parent__isnull=True).first()
        or Agency.objects.first()
    )
    users = {}
    for role, email in (
        (StaffRole.Role.FEEDBACK_FOCAL, "bench-focal@example.vn"),
        (StaffRole.Role.SWITCHBOARD, "bench-switchboard@example.vn"),
    ):
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, full_name=email
        )
        StaffRole.objects.get_or_create(user=user, agency=agency, role=role)
        users[role] = user
    return users


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def run() -> list[tuple[str, str, str]]:
    _setup()
    from django.db import connection

    from opendvc.feedback import selectors
    from opendvc.feedback.models import Feedback

    users = _users()
    total = Feedback.objects.count()
    rows: list[tuple[str, str, str]] = [
        ("feedback items in the database", f"{total:,}", f"≥ {COUNT:,}")
    ]
    for role, label in (
        ("feedback_focal", "focal officer (one agency)"),
        ("switchboard", "switchboard (province)"),
    ):
        user = users[role]
        for queue in ("overdue", "due_soon"):

            def once(user=user, queue=queue) -> float:
                user.__dict__.pop("_staff_roles_cache", None)
                start = time.perf_counter()
                qs = selectors.queue(user=user, name=queue)
                page = list(qs[:30])
                count = qs.count()
                elapsed = (time.perf_counter() - start) * 1000
                assert count >= len(page)
                return elapsed

            for _ in range(10):
                once()
            samples = [once() for _ in range(RUNS)]
            rows.append(
                (
                    f"{queue} queue, {label}: p95 ({connection.vendor}, first page + count)",
                    f"{_p95(samples):.1f} ms",
                    f"≤ {TARGET_MS:.0f} ms",
                )
            )
    return rows


if __name__ == "__main__":
    for metric, measured, target in run():
        print(f"{metric:80} {measured:>12}  target {target}")
