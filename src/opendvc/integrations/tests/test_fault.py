"""The outbox under faults, with the production pieces: PostgreSQL, a real Celery worker consuming the
relay task from Redis, the national portal's simulator over HTTP.

2,000 dossier events (200 dossiers × 10) are written; the worker delivers them while the simulator is
slow (two workers share the work), one is killed with SIGKILL in the middle of a batch, the simulator
goes down for a stretch (every attempt fails and is recorded) while a new worker starts, then the
simulator comes back. At the end: every message
delivered (0 lost), each applied once at the simulator (0 applied twice), in the order written for
each dossier, and the ledger's delivered count equals what the simulator applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from django.db import connection, transaction

from opendvc.core.tests.served import server_env
from opendvc.integrations.models import Delivery, Message
from opendvc.integrations.national.mapping import national_mapping_seed
from opendvc.integrations.national.messages import PROGRESS, SYNC
from opendvc.integrations.national.simulator import NationalPortalSimulator
from opendvc.integrations.outbox import outbox_enqueue

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[4]
DOSSIERS = 200
EVENTS = 10
STATES = [
    "submitted",
    "received",
    "processing",
    "payment_required",
    "processing",
    "result_ready",
    "returned",
    "returned",
    "returned",
    "returned",
]


def _write_events() -> None:
    with transaction.atomic():
        for n in range(DOSSIERS):
            code = f"H19.32-261202-{n:04d}"
            for i in range(EVENTS):
                state = STATES[i]
                if i % 2 == 0:
                    kind = SYNC
                    payload = {
                        "isUpdating": i > 0,
                        "state": state,
                        "channel": "online",
                        "data": {
                            "MaHoSo": code,
                            "MaTTHC": "1.001193",
                            "TenTTHC": "Đăng ký khai sinh",
                            "ChuHoSo": "Nguyễn Văn An",
                            "DonViXuLy": "000.00.32.H19",
                            "NgayTiepNhan": "20261202090000",
                        },
                    }
                else:
                    kind = PROGRESS
                    payload = {
                        "state": state,
                        "data": {
                            "MaHoSo": code,
                            "NguoiXuLy": "Cán bộ",
                            "ThoiDiemXuLy": f"202612020{i}0000",
                            "NoiDungXuLy": f"Bước {i}",
                        },
                    }
                outbox_enqueue(
                    kind=kind,
                    payload=payload,
                    destinations=["national"],
                    ordering_key=f"dossier:{code}",
                )


def _counts() -> dict[str, int]:
    from django.db.models import Count

    return dict(
        Delivery.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )


def _wait(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {_counts()}")


def test_no_message_lost_or_applied_twice_through_a_killed_worker_and_a_down_peer(
    postgres_db, redis_url, tmp_path
):
    from celery import Celery

    national_mapping_seed()
    simulator = NationalPortalSimulator().start()
    params = connection.settings_dict
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    database_url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    queue = f"outbox-fault-{uuid.uuid4().hex[:8]}"
    env = server_env(
        database_url,
        tmp_path,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=queue,
        CELERY_TASK_ALWAYS_EAGER="false",
        NATIONAL_PORTAL_URL=simulator.url,
        NATIONAL_PORTAL_USERNAME="tinh",
        NATIONAL_PORTAL_PASSWORD="mat-khau",  # noqa: S106
        OUTBOX_LEASE_SECONDS="2",
        OUTBOX_BACKOFF_BASE_SECONDS="0.2",
        OUTBOX_BACKOFF_CAP_SECONDS="1",
        OUTBOX_RELAY_BUDGET_SECONDS="2",
        OUTBOX_CONCURRENCY="8",
        OUTBOX_BATCH_SIZE="100",
        OUTBOX_DEAD_AFTER_SECONDS="3600",
    )

    def start_worker(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "opendvc",
                "worker",
                "-Q",
                queue,
                "-c",
                "1",
                "--pool",
                "solo",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    client = Celery(broker=redis_url, set_as_current=False)
    stop_beat = threading.Event()

    def beat() -> None:  # what Celery beat does, faster
        while not stop_beat.is_set():
            client.send_task("opendvc.integrations.tasks.relay_outbox", queue=queue)
            stop_beat.wait(0.5)

    workers: list[subprocess.Popen] = []
    beater = threading.Thread(target=beat, daemon=True)
    try:
        # Two relays from the start (they share the work through SKIP LOCKED); the peer is slow.
        simulator.switches.slow = 0.02
        workers += [start_worker("first"), start_worker("second")]
        _write_events()
        ids_by_dossier: dict[str, list[str]] = defaultdict(list)
        for message_id, key in Message.objects.order_by("pk").values_list(
            "message_id", "ordering_key"
        ):
            ids_by_dossier[key.split(":", 1)[1]].append(str(message_id))
        total = DOSSIERS * EVENTS
        assert sum(len(v) for v in ids_by_dossier.values()) == total
        beater.start()

        # 1. A worker is killed while a batch it claimed is out (whichever has one: on a loaded
        #    machine one worker may start late and the other take every batch). A relay claims
        #    keys with all their due deliveries (hundreds of rows) and marks them as it goes, so
        #    waiting for some to be delivered first could miss every batch on a slow poller.
        def busy_worker() -> subprocess.Popen | None:
            for worker in workers:
                if Delivery.objects.filter(
                    status="delivering", claimed_by__endswith=f":{worker.pid}"
                ).exists():
                    return worker
            return None

        _wait(
            lambda: busy_worker() is not None,
            timeout=90,
            what="a worker in the middle of a batch",
        )
        first = busy_worker() or workers[0]
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        in_flight = Delivery.objects.filter(
            status="delivering", claimed_by__endswith=f":{first.pid}"
        ).count()
        assert in_flight > 0
        # 2. The peer goes down for a stretch; it comes back with a new worker. Attempts meanwhile fail
        #    and are recorded.
        simulator.switches.update({"slow": 0.0, "down": True})
        workers.append(start_worker("third"))
        _wait(
            lambda: Delivery.objects.filter(status="failed").exclude(last_error="").count() >= 20,
            timeout=60,
            what="failures recorded while the peer is down",
        )
        simulator.switches.down = False
        # 3. Everything is delivered.
        _wait(
            lambda: _counts().get("delivered", 0) == total,
            timeout=90,
            what="every message delivered",
        )

        counts = _counts()
        assert counts == {"delivered": total}, counts
        applied_ids = [message_id for message_id, _service, _code in simulator.applied]
        # 0 lost, 0 applied twice, ledger == simulator.
        assert len(applied_ids) == len(set(applied_ids)) == total
        assert set(applied_ids) == {
            str(m) for m in Message.objects.values_list("message_id", flat=True)
        }
        # Order per dossier: as written.
        applied_by_dossier: dict[str, list[str]] = defaultdict(list)
        for message_id, _service, code in simulator.applied:
            applied_by_dossier[code].append(message_id)
        assert applied_by_dossier == ids_by_dossier
        # The faults happened and were recorded on the ledger.
        assert Delivery.objects.filter(attempts__gt=1).exists()
        errors = list(
            Delivery.objects.exclude(last_error="").values_list("last_error", flat=True)[:50]
        )
        assert errors and all(e for e in errors)
        assert any("kết nối" in e or "giao thức" in e for e in errors), errors[:3]
    finally:
        stop_beat.set()
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        simulator.stop()
        import redis

        redis.Redis.from_url(redis_url).delete(queue)
        for worker_log in tmp_path.glob("*.log"):
            text = worker_log.read_text(errors="replace")
            if "Traceback" in text:
                print(worker_log.name, text[-4000:])  # noqa: T201 - shown when the test fails
