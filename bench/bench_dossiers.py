"""Benchmark of dossier intake (Issue 7 performance targets); meant for PostgreSQL (DATABASE_URL).

Figures:
* submissions per second without files: the full submission path of ``POST /api/v1/dossiers``
  below HTTP (``dossier_submit_new``: create, e-form check, required components, code from the locked
  daily counter, event, audit entry, notification rows), two processes in parallel for a few seconds
  (target ≥ 150/s on 2 cores);
* the same with one 1 MB PDF each: content check, SHA-256, stored upload, then the submission that
  claims it (target ≥ 40/s);
* officer inbox: p95 time of the first page (25 rows + capped count) of each common filter for a
  receiving officer of the busiest agency, over the synthetic dossiers made by
  ``manage.py generate_load_dossiers --dossiers N`` (N from BENCH_DOSSIERS, default 1,000,000; rows
  already there are reused) (target p95 ≤ 50 ms).

Email delivery is queued, not performed (a worker does it); files go to a temporary media folder.
Run: ``DATABASE_URL=postgres://… .venv/bin/python bench/bench_dossiers.py``. ``run()`` returns rows.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WORKERS = 2
MEDIA = tempfile.mkdtemp(prefix="opendvc-bench-dossiers-")


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ["STORAGE_MEDIA_ROOT"] = MEDIA
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _bench_fixture():
    """A published level-4 procedure with one optional component, received by the justice department,
    and a few applicants (idempotent)."""
    from django.contrib.auth import get_user_model

    from opendvc.agencies import demo as agencies_demo
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import Component, Field, Procedure, ProcedureMethod, Sector
    from opendvc.catalog.services import publish_procedure

    agencies_demo.seed()
    agency = Agency.objects.get(code="000.00.32.H19")
    p = Procedure.objects.filter(code="SYN-BENCH-DOSSIER").first()
    if p is None:
        sector, _ = Sector.objects.get_or_create(code="bench", defaults={"name": "Đo hiệu năng"})
        field, _ = Field.objects.get_or_create(code="bench", defaults={"name": "Đo hiệu năng", "sector": sector})
        p = Procedure.objects.create(code="SYN-BENCH-DOSSIER", name="Thủ tục đo hiệu năng (dữ liệu giả lập)",
                                     sector=sector, field=field, level=4, is_synthetic=True, has_online=True,
                                     level_source=Procedure.LevelSource.SOURCE, methods_available=["online"])
        Component.objects.create(procedure=p, name="Giấy tờ kèm theo", required=False)
        ProcedureMethod.objects.create(procedure=p, method="online", time_amount=5, time_unit="working_days")
        p.agencies.set([agency])
        publish_procedure(procedure=p, actor=None)
        p.refresh_from_db()
    User = get_user_model()
    users = [User.objects.get_or_create(email=f"bench-{i}@synthetic.opendvc.vn",
                                        defaults={"full_name": f"Người đo {i}"})[0] for i in range(WORKERS)]
    return p, agency, users


def _one_mb_pdf() -> bytes:
    from PIL import Image
    from weasyprint import HTML

    img = Image.frombytes("RGB", (600, 580), os.urandom(600 * 580 * 3))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    import base64

    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return HTML(string=f'<p>Bản quét</p><img src="{uri}" width="500">').write_pdf()


_PDF: dict[str, bytes] = {}


def _worker(args) -> tuple[int, float]:
    index, with_file, start, deadline = args
    from django.db import connections

    connections.close_all()
    from opendvc.catalog.models import Component
    from opendvc.dossiers import services
    from opendvc.dossiers.uploads import check_file

    procedure, agency, users = _bench_fixture()
    user = users[index]
    component = Component.objects.filter(procedure=procedure).first()
    content = _PDF["one_mb"] if with_file else b""
    time.sleep(max(0.0, start - time.perf_counter()))
    began = time.perf_counter()
    done = 0
    while time.perf_counter() < deadline:
        uploads = []
        if with_file:
            upload = services.upload_create(owner=user, checked=check_file(name="ban-quet.pdf", content=content))
            uploads = [(component, upload)]
        services.dossier_submit_new(applicant=user, procedure=procedure, receiving_agency=agency, actor=user,
                                    data={}, uploads=uploads, declaration=True)
        done += 1
    elapsed = time.perf_counter() - began
    connections.close_all()
    return done, elapsed


def _throughput(with_file: bool) -> float:
    from django.db import connections

    if with_file and "one_mb" not in _PDF:
        _PDF["one_mb"] = _one_mb_pdf()  # built once, before forking
    connections.close_all()
    ctx = mp.get_context("fork")
    with ctx.Pool(WORKERS) as pool:
        # Everyone starts together once the fixture (and the 1 MB PDF) is ready.
        start = time.perf_counter() + 3.0
        deadline = start + SECONDS
        results = pool.map(_worker, [(i, with_file, start, deadline) for i in range(WORKERS)])
    # Each worker's own rate over the time it actually ran, summed.
    return sum(done / elapsed for done, elapsed in results if elapsed > 0)


def _inbox_p95() -> tuple[str, str]:
    from django.core.management import call_command
    from django.db.models import Count

    from opendvc.agencies.models import Agency, StaffRole
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.models import Dossier
    from opendvc.dossiers.selectors import InboxFilters, inbox, paginate

    if not Procedure.objects.filter(is_synthetic=False, status=Procedure.Status.PUBLISHED).exists():
        from opendvc.catalog import demo as catalog_demo

        catalog_demo.seed()  # the real procedures the synthetic dossiers are spread over
    wanted = int(os.environ.get("BENCH_DOSSIERS", "1000000"))
    have = Dossier.objects.filter(applicant__email__endswith="@synthetic.opendvc.vn").count()
    if have < wanted:
        from django.conf import settings

        settings.DEBUG = True
        call_command("generate_load_dossiers", dossiers=wanted - have)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dossiers_dossier")
    total = Dossier.objects.count()
    busiest = (Dossier.objects.values("receiving_agency").annotate(n=Count("id")).order_by("-n").first())
    agency = Agency.objects.get(pk=busiest["receiving_agency"])
    from django.contrib.auth import get_user_model

    officer, _ = get_user_model().objects.get_or_create(email="bench-officer@synthetic.opendvc.vn",
                                                        defaults={"full_name": "Cán bộ đo", "is_staff": True})
    StaffRole.objects.filter(user=officer).exclude(agency=agency).delete()
    StaffRole.objects.get_or_create(user=officer, agency=agency, role=StaffRole.Role.RECEIVING_OFFICER)
    procedure_code = Dossier.objects.filter(receiving_agency=agency).values_list("procedure__code", flat=True).first()
    filters = {
        "all": InboxFilters(),
        "submitted": InboxFilters(state="submitted"),
        "received": InboxFilters(state="received"),
        "overdue": InboxFilters(due="qua-han"),
        "due soon": InboxFilters(due="sap-den-han", sort="han-som"),
        "procedure": InboxFilters(procedure=procedure_code),
        "channel online": InboxFilters(channel="online"),
        "last 30 days": InboxFilters(date_from=__import__("datetime").date.today()
                                     - __import__("datetime").timedelta(days=30)),
    }
    worst = 0.0
    per = []
    for name, f in filters.items():
        times = []
        for _ in range(40):
            officer._staff_roles_cache = None
            t0 = time.perf_counter()
            page = paginate(inbox(user=officer, filters=f), page=1)
            [d.procedure.name for d in page.items]  # noqa: B018 - rendered columns
            times.append((time.perf_counter() - t0) * 1000)
        p95 = statistics.quantiles(times, n=20)[18]
        per.append(f"{name} {p95:.1f}")
        worst = max(worst, p95)
    return f"{worst:.1f} ms (worst filter; {total:,} dossiers; " + ", ".join(per) + ")", f"{total:,}"


def run() -> list[tuple[str, str, str]]:
    _setup()
    from django.db import connection

    engine = connection.vendor
    _bench_fixture()
    try:
        plain = _throughput(False)
        with_file = _throughput(True)
        inbox, _total = _inbox_p95()
    finally:
        shutil.rmtree(MEDIA, ignore_errors=True)
    note = "" if engine == "postgresql" else f" [{engine}, not PostgreSQL]"
    return [
        ("dossier submissions/s, no files (2 processes)" + note, f"{plain:.0f}/s", "≥ 150/s"),
        ("dossier submissions/s, one 1 MB PDF each" + note, f"{with_file:.0f}/s", "≥ 40/s"),
        ("officer inbox first page p95" + note, inbox, "≤ 50 ms"),
    ]


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric}: {value} (target {target})")
