"""The relay against the national portal's simulator when the peer is unlucky: a peer that asks us to
wait (429 or 503 with ``Retry-After``) is not asked again sooner, within the backoff's cap."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from opendvc.integrations.models import Delivery
from opendvc.integrations.national.mapping import national_mapping_seed
from opendvc.integrations.outbox import outbox_enqueue, outbox_relay

pytestmark = pytest.mark.django_db


def _sync(code: str = "H19-1") -> None:
    outbox_enqueue(
        kind="national.DongBoHoSoMC",
        payload={
            "state": "received",
            "channel": "online",
            "data": {
                "MaHoSo": code,
                "MaTTHC": "1.001193",
                "TenTTHC": "Đăng ký khai sinh",
                "ChuHoSo": "Nguyễn Văn An",
                "DonViXuLy": "000.00.32.H19",
            },
        },
        destinations=["national"],
        ordering_key=f"dossier:{code}",
    )


@pytest.fixture
def mapped(national, settings):
    national_mapping_seed()
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 3600  # the base stays 0: the backoff alone waits nothing
    return national


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured(mapped, status):
    _sync()
    mapped.switches.update({"status": status, "retry_after": "120"})
    before = timezone.now()
    outbox_relay(budget_seconds=0)
    row = Delivery.objects.get()
    assert row.status == "failed" and str(status) in row.last_error and "120" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=120)
    # Not due before then: the relay leaves it.
    assert outbox_relay(budget_seconds=0).claimed == 0


def test_retry_after_as_a_date_and_within_the_cap(mapped, settings):
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 600
    _sync("H19-1")
    when = timezone.now() + timedelta(seconds=300)
    mapped.switches.update({"status": 429, "retry_after": format_datetime(when, usegmt=True)})
    outbox_relay(budget_seconds=0)
    first = Delivery.objects.get()
    assert first.next_attempt_at >= when - timedelta(seconds=2)
    # A peer asking for a day is asked again at the cap.
    mapped.switches.retry_after = "86400"
    Delivery.objects.update(next_attempt_at=timezone.now())
    before = timezone.now()
    outbox_relay(budget_seconds=0)
    first.refresh_from_db()
    assert before + timedelta(seconds=590) <= first.next_attempt_at
    assert first.next_attempt_at <= timezone.now() + timedelta(seconds=601)


def test_without_retry_after_the_backoff_applies(mapped):
    _sync()
    mapped.switches.status = 429
    outbox_relay(budget_seconds=0)
    assert Delivery.objects.get().next_attempt_at <= timezone.now()  # backoff 0 in the fixture
    mapped.switches.status = None
    outbox_relay(budget_seconds=0)
    row = Delivery.objects.get()
    assert row.status == "delivered", row.last_error
