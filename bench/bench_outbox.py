"""Benchmark of the outbox relay: messages per second delivered to the national portal's simulator.

Setup: PostgreSQL (``DATABASE_URL``; default postgres://postgres@127.0.0.1:5432/opendvc_bench_outbox,
created if missing), migrated; the outbox emptied; ``COUNT`` messages written (``DOSSIERS`` dossiers ×
``EVENTS`` events each, alternately ``DongBoHoSoMC`` and ``CapNhatTienDoHoSoMC``). The simulator runs
in a child process (a real HTTP server on a free port), so it does not share the relay's interpreter.

Measured: one relay process (``outbox_relay``, the code the Celery task and ``manage.py run_outbox``
run, default settings: batches of 200, 16 sending threads, chains of 20 per dossier) from the first
claim until every delivery is ``delivered``; messages/s = COUNT / seconds (target ≥ 500/s). The
simulator's applied count is checked equal to COUNT (no loss, no double application). The load
average is printed before and after.

Run: ``.venv/bin/python bench/bench_outbox.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from harness import ensure_database

ROOT = Path(__file__).resolve().parents[1]
DOSSIERS = 1000
EVENTS = 5
COUNT = DOSSIERS * EVENTS
TARGET = 500.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendvc_bench_outbox"
SIMULATOR = """
import sys, time
from opendvc.integrations.national.simulator import NationalPortalSimulator
s = NationalPortalSimulator().start()
print(s.url, flush=True)
sys.stdin.read()
"""


def _setup(url: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    os.environ["NATIONAL_PORTAL_URL"] = url
    os.environ["NATIONAL_PORTAL_USERNAME"] = "tinh"
    os.environ["NATIONAL_PORTAL_PASSWORD"] = "mat-khau"  # noqa: S105 - the simulator's demo password
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _write() -> None:
    from django.db import transaction

    from opendvc.integrations.models import Delivery, Message
    from opendvc.integrations.national.mapping import national_mapping_seed
    from opendvc.integrations.national.messages import PROGRESS, SYNC
    from opendvc.integrations.outbox import outbox_enqueue

    national_mapping_seed()
    Delivery.objects.all().delete()
    Message.objects.all().delete()
    with transaction.atomic():
        for n in range(DOSSIERS):
            code = f"BENCH-{n:05d}"
            for i in range(EVENTS):
                if i % 2 == 0:
                    kind, payload = (
                        SYNC,
                        {
                            "isUpdating": i > 0,
                            "state": "received",
                            "channel": "online",
                            "data": {
                                "MaHoSo": code,
                                "MaTTHC": "1.001193",
                                "TenTTHC": "Đăng ký khai sinh",
                                "ChuHoSo": "Nguyễn Văn An",
                                "DonViXuLy": "000.00.32.H19",
                                "NgayTiepNhan": "20261202090000",
                            },
                        },
                    )
                else:
                    kind, payload = (
                        PROGRESS,
                        {
                            "state": "processing",
                            "data": {
                                "MaHoSo": code,
                                "NguoiXuLy": "Cán bộ",
                                "ThoiDiemXuLy": "20261202090000",
                                "NoiDungXuLy": f"Bước {i}",
                            },
                        },
                    )
                outbox_enqueue(
                    kind=kind,
                    payload=payload,
                    destinations=["national"],
                    ordering_key=f"dossier:{code}",
                )


def run() -> list[tuple[str, str, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    sim = subprocess.Popen(
        [sys.executable, "-c", SIMULATOR],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        url = sim.stdout.readline().strip()
        _setup(url)
        _write()
        from opendvc.integrations.models import Delivery
        from opendvc.integrations.outbox import outbox_relay

        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        result = outbox_relay(budget_seconds=600)
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        delivered = Delivery.objects.filter(status="delivered").count()
        assert delivered == COUNT, (delivered, result.as_dict())
        import httpx

        applied = len(
            [
                r
                for r in httpx.get(f"{url}/_requests", timeout=60).json()
                if r["path"] in ("/DongBoHoSoMC", "/CapNhatTienDoHoSoMC")
            ]
        )
        rate = COUNT / elapsed
        print(
            f"{COUNT} messages in {elapsed:.2f} s = {rate:.0f}/s; requests at the simulator {applied}; "
            f"load average {load_before:.1f} → {load_after:.1f}; {result.as_dict()}",
            file=sys.stderr,
        )
        return [
            (
                "relay → national simulator, messages/s (PostgreSQL, 1 relay)",
                f"{rate:,.0f} /s",
                f"≥ {TARGET:.0f} /s",
            ),
            ("messages delivered / written", f"{delivered:,} / {COUNT:,}", "all"),
            ("load average (1 min) before → after", f"{load_before:.1f} → {load_after:.1f}", "—"),
        ]
    finally:
        sim.stdin.close()
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
