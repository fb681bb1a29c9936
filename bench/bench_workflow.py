"""Benchmark of processing (Issue 8 performance targets); meant for PostgreSQL (DATABASE_URL).

Setup: the synthetic dossiers of ``manage.py generate_load_dossiers`` (N from BENCH_DOSSIERS, default
1,000,000; rows already there are reused) and one open step for up to BENCH_OPEN_STEPS (default 100,000)
of the open ones, inserted in one statement: 70 % assigned to one of 200 synthetic officers, the rest
in their department's queue, due instants spread from two days ago to ten days ahead. One synthetic
leader per department.

Figures:
* the periodic reminders/escalation job (``workflow.services.remind_and_escalate``: steps due soon,
  overdue steps, overdue dossiers) over all of that, run three times from a clean state (nothing
  reminded nor escalated yet, the overdue window starting 30 days back; the messages it writes are removed after each run) — worst of three
  (target ≤ 5 s);
* the work queue: p95 time of what the page reads (the four counts and the first 200 rows of the
  chosen list) for 20 officers and each of the four lists (target p95 ≤ 50 ms).

Run: ``DATABASE_URL=postgres://… .venv/bin/python bench/bench_workflow.py``. ``run()`` returns rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OFFICERS = 200
DOMAIN = "@synthetic.opendvc.vn"


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _dossiers() -> int:
    from django.core.management import call_command

    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.models import Dossier

    call_command("migrate", verbosity=0)
    from opendvc.agencies import demo as agencies_demo

    agencies_demo.seed()
    if not Procedure.objects.filter(is_synthetic=False, status=Procedure.Status.PUBLISHED).exists():
        from opendvc.catalog import demo as catalog_demo

        catalog_demo.seed()
    wanted = int(os.environ.get("BENCH_DOSSIERS", "1000000"))
    have = Dossier.objects.filter(code__startswith="SYN-").count()
    if have < wanted:
        from django.conf import settings

        settings.DEBUG = True  # the generator refuses to run on a production configuration
        call_command("generate_load_dossiers", dossiers=wanted - have)
    return Dossier.objects.count()


def _people():
    from django.contrib.auth import get_user_model

    from opendvc.agencies.models import Agency, StaffRole

    User = get_user_model()
    agencies = list(Agency.objects.order_by("pk"))
    officers = []
    for i in range(OFFICERS):
        user, _ = User.objects.get_or_create(email=f"bench-wf-{i}{DOMAIN}",
                                             defaults={"full_name": f"Chuyên viên đo {i}", "is_staff": True})
        agency = agencies[i % len(agencies)]
        StaffRole.objects.get_or_create(user=user, agency=agency, role="processing_officer")
        officers.append((user, agency))
    leaders = []
    for agency in agencies:
        user, _ = User.objects.get_or_create(email=f"bench-wf-leader-{agency.pk}{DOMAIN}",
                                             defaults={"full_name": "Lãnh đạo đo", "is_staff": True})
        StaffRole.objects.get_or_create(user=user, agency=agency, role="leader")
        leaders.append(user)
    return officers, leaders


def _steps(officers) -> int:
    """Open steps for open synthetic dossiers, inserted by one INSERT … SELECT."""
    from django.db import connection

    from opendvc.workflow.models import StepRun

    wanted = int(os.environ.get("BENCH_OPEN_STEPS", "100000"))
    have = StepRun.objects.filter(left_at__isnull=True, dossier__code__startswith="SYN-").count()
    if have < wanted:
        # Officers per agency, so that an assigned step goes to someone of its department.
        by_agency: dict[int, list[int]] = {}
        for user, agency in officers:
            by_agency.setdefault(agency.pk, []).append(user.pk)
        cases = " ".join(f"WHEN {a} THEN (ARRAY{ids})[1 + (d.id %% {len(ids)})]" for a, ids in by_agency.items())
        with connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO workflow_steprun (dossier_id, position, name, role, department_id, allotted_hours,
                    entered_at, due_at, assignee_id, claimed_at, paused_at, left_at, left_by_id, left_by_label,
                    outcome, timing, note, reminded_at, escalated_at, process_id)
                SELECT d.id, 1, 'Chuyên viên thẩm định, xử lý', 'processing_officer', d.receiving_agency_id, 14.4,
                    now() - interval '1 day', now() + (random() * 12 - 2) * interval '1 day',
                    CASE WHEN d.id %% 10 < 7 THEN CASE d.receiving_agency_id {cases} END END,
                    NULL, NULL, NULL, NULL, '', '', '', '', NULL, NULL, NULL
                FROM dossiers_dossier d
                WHERE d.code LIKE 'SYN-%%' AND d.status IN ('received', 'processing', 'result_ready')
                  AND NOT EXISTS (SELECT 1 FROM workflow_steprun s WHERE s.dossier_id = d.id AND s.left_at IS NULL)
                LIMIT %s""", [wanted - have])
            cur.execute("VACUUM (ANALYZE) workflow_steprun")  # the steady state: visibility map set
    return StepRun.objects.filter(left_at__isnull=True).count()


def _job(officers, leaders) -> tuple[float, dict]:
    from opendvc.notifications.models import Notification
    from opendvc.workflow.models import JobMark, StepRun
    from opendvc.workflow.services import remind_and_escalate

    recipients = [u.pk for u, _ in officers] + [u.pk for u in leaders]
    worst, counts = 0.0, {}
    for _ in range(3):
        StepRun.objects.filter(left_at__isnull=True).update(reminded_at=None, escalated_at=None)
        JobMark.objects.filter(name="dossiers_overdue").delete()
        t0 = time.perf_counter()
        counts = remind_and_escalate()
        worst = max(worst, time.perf_counter() - t0)
        Notification.objects.filter(recipient_id__in=recipients).delete()
    return worst, counts


def _queue_p95(officers) -> tuple[float, str]:
    from opendvc.workflow.selectors import VIEWS, queue_counts, work_queue

    per: dict[str, list[float]] = {v: [] for v in VIEWS}
    for user, _ in officers[:20]:
        for view in VIEWS:
            for _ in range(5):
                t0 = time.perf_counter()
                queue_counts(user=user)
                rows = list(work_queue(user=user, view=view)[:200])
                [(r.dossier.code, r.dossier.procedure.name) for r in rows]  # noqa: B018 - rendered columns
                per[view].append((time.perf_counter() - t0) * 1000)
    p95s = {v: statistics.quantiles(t, n=20)[18] for v, t in per.items()}
    return max(p95s.values()), ", ".join(f"{v} {p:.1f}" for v, p in p95s.items())


def run() -> list[tuple[str, str, str]]:
    _setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        return [("workflow benchmark", "needs PostgreSQL (DATABASE_URL=postgres://…)", "—")]
    total = _dossiers()
    officers, leaders = _people()
    open_steps = _steps(officers)
    seconds, counts = _job(officers, leaders)
    worst, per = _queue_p95(officers)
    return [
        (f"reminders/escalation job ({total:,} dossiers, {open_steps:,} open steps)",
         f"{seconds:.2f} s ({counts['reminded']:,} steps reminded, {counts['escalated']:,} steps and "
         f"{counts['dossiers_escalated']:,} dossiers escalated)", "≤ 5 s"),
        ("work queue (4 counts + first 200 rows) p95", f"{worst:.1f} ms (worst list; {per})", "≤ 50 ms"),
    ]


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric}: {value} (target {target})")
