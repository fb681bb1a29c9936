"""A peer's ``Retry-After`` holds its destination for every relay process, not only the one that was
answered: ``manage.py run_outbox`` processes on a copy of the test database, against the national
portal's simulator."""

from __future__ import annotations

import json

import pytest

from opendvc.core.tests.served import database_copy, manage, server_env
from opendvc.integrations.national.simulator import NationalPortalSimulator

# django_db: the test database must exist, it is copied for the relay processes.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ENQUEUE = """
from opendvc.integrations.national.mapping import national_mapping_seed
from opendvc.integrations.outbox import outbox_enqueue
national_mapping_seed()
for code in ("H19-1", "H19-2", "H19-3"):
    outbox_enqueue(
        kind="national.DongBoHoSoMC",
        payload={"state": "received", "channel": "online", "data": {
            "MaHoSo": code, "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh",
            "ChuHoSo": "Nguyễn Văn An", "DonViXuLy": "000.00.32.H19"}},
        destinations=["national"],
        ordering_key="dossier:" + code,
    )
"""
STATE = """
import json
from opendvc.integrations.models import Delivery, Destination
held = Destination.objects.filter(code="national").values_list("held_until", flat=True).first()
print(json.dumps({
    "statuses": list(Delivery.objects.order_by("pk").values_list("status", flat=True)),
    "held": held is not None,
}))
"""
# The hold's time, and the failed delivery's own wait, have passed.
TIME_PASSES = """
from datetime import timedelta
from django.utils import timezone
from opendvc.integrations.models import Delivery, Destination
Destination.objects.update(held_until=timezone.now() - timedelta(seconds=1))
Delivery.objects.update(next_attempt_at=timezone.now())
"""


def _relay(env: dict[str, str], **extra: str) -> str:
    return manage({**env, **extra}, "run_outbox", "--budget", "0").strip().splitlines()[-1]


@pytest.fixture(scope="module")
def copied(django_db_setup, django_db_blocker, tmp_path_factory):
    # Copied outside any test transaction (the copy waits for a transaction of the same connection).
    tmp = tmp_path_factory.mktemp("hold")
    with django_db_blocker.unblock(), database_copy(tmp, suffix="hold") as url:
        yield server_env(
            url, tmp, OUTBOX_BACKOFF_BASE_SECONDS="60", OUTBOX_BACKOFF_CAP_SECONDS="3600"
        )


def test_a_hold_set_by_one_relay_process_is_respected_by_another(copied):
    simulator = NationalPortalSimulator().start()
    try:
        env = {
            **copied,
            "NATIONAL_PORTAL_URL": simulator.url,
            "NATIONAL_PORTAL_USERNAME": "tinh",
            "NATIONAL_PORTAL_PASSWORD": "mat-khau",
        }
        manage(env, "shell", "-c", ENQUEUE)
        simulator.switches.update({"status": 429, "retry_after": "600"})
        # One relay, one delivery at a time: the peer asks it to wait.
        assert _relay(env, OUTBOX_BATCH_SIZE="1") == "claimed=1 delivered=0 failed=1 dead=0"
        # Another relay process (the peer would answer now): it claims nothing of the destination.
        simulator.switches.reset()
        assert _relay(env) == "claimed=0 delivered=0 failed=0 dead=0"
        assert len(simulator.received) == 1
        state = json.loads(manage(env, "shell", "-c", STATE).strip().splitlines()[-1])
        assert state == {"statuses": ["failed", "pending", "pending"], "held": True}
        # Once the time has passed, any relay sends them.
        manage(env, "shell", "-c", TIME_PASSES)
        assert _relay(env) == "claimed=3 delivered=3 failed=0 dead=0"
        assert sorted(code for _m, _s, code in simulator.applied) == ["H19-1", "H19-2", "H19-3"]
    finally:
        simulator.stop()
