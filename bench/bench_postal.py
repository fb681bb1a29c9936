"""Benchmark of postal pickup and return.

Setup: a fresh temporary SQLite database (or ``DATABASE_URL``), migrated, with the demo agencies, one
postal worker of the justice department and ``ORDERS`` open return legs (no dossier: the tracking path
does not need one) with their 24-hour deadlines spread over the coming days.

Figures (median, in-process, no HTTP):
* the 24-hour deadline on the working-day clock (``clock.return_due``; target ≤ 0.1 ms),
* one new tracking update applied (lock, timeline row, audit entry; target ≤ 20 ms),
* the same update sent again (found by its id, nothing written; target ≤ 2 ms),
* the postal worker's queue counts with ``ORDERS`` open returns (target ≤ 200 ms).

Run: ``.venv/bin/python bench/bench_postal.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDERS = 2000


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    if not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="opendvc-bench-postal-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _median_ms(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def run() -> list[tuple[str, str, str]]:
    _setup()
    from django.utils import timezone

    from opendvc.accounts.models import User
    from opendvc.agencies import demo as agency_demo
    from opendvc.agencies.models import Agency, StaffRole
    from opendvc.postal import clock, selectors
    from opendvc.postal.carrier import TrackingEvent
    from opendvc.postal.models import PostalOrder, Status
    from opendvc.postal.services import tracking_apply

    agency_demo.seed()
    agency = Agency.objects.get(code="000.00.32.H19")
    worker, _ = User.objects.get_or_create(
        email="bench-postal@example.vn", defaults={"full_name": "Bưu tá"}
    )
    StaffRole.objects.get_or_create(user=worker, agency=agency, role=StaffRole.Role.POSTAL_OPERATOR)
    now = timezone.now()
    if PostalOrder.objects.filter(order_number__startswith="BENCH-").count() < ORDERS:
        rows = []
        for i in range(ORDERS):
            ready = now - timedelta(hours=i % 48)
            rows.append(
                PostalOrder(
                    leg="return",
                    order_number=f"BENCH-{i:06d}-return",
                    status=Status.HANDED_TO_POST,
                    agency=agency,
                    applicant=worker,
                    contact_name="Nguyễn Thị Hoa",
                    contact_phone="0912345678",
                    address="12 Võ Thị Sáu, phường Trấn Biên",
                    province="Đồng Nai",
                    ready_at=ready,
                    due_at=clock.return_due(ready_at=ready, inside_province=True),
                )
            )
        PostalOrder.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)

    due_ms = _median_ms(lambda: clock.return_due(ready_at=now, inside_province=True), 2000)

    numbers = iter(range(ORDERS))
    sent: list[TrackingEvent] = []

    def apply_new():
        i = next(numbers)
        event = TrackingEvent(
            event_id=f"BENCH-{i}-2",
            order_number=f"BENCH-{i:06d}-return",
            status="in_transit",
            at=timezone.now(),
        )
        sent.append(event)
        assert tracking_apply(event=event)

    new_ms = _median_ms(apply_new, 300)
    again = iter(sent)
    duplicate_ms = _median_ms(lambda: tracking_apply(event=next(again)), 300)
    queue_ms = _median_ms(lambda: selectors.queue_counts(user=worker), 10)
    return [
        ("24-hour deadline on the working-day clock", f"{due_ms:.3f} ms", "≤ 0.1 ms"),
        ("tracking update applied (lock, timeline row, audit)", f"{new_ms:.2f} ms", "≤ 20 ms"),
        ("same tracking update again (applied once)", f"{duplicate_ms:.2f} ms", "≤ 2 ms"),
        (f"postal worker's queue counts, {ORDERS} open returns", f"{queue_ms:.1f} ms", "≤ 200 ms"),
    ]


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric}: {value} (target {target})")
