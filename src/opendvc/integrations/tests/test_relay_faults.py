"""The relay against the national portal's simulator when the peer is unlucky: a peer that asks us to
wait (429 or 503 with ``Retry-After``) is not asked again sooner, within the backoff's cap; a dead
delivery sent again by hand, or deliveries a long pause held, get a new window of retries (they died at
their first failure: the window was counted from the message's creation)."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.core.simulators import Response
from opendvc.integrations.models import Delivery, Destination, Message
from opendvc.integrations.national.mapping import national_mapping_seed
from opendvc.integrations.outbox import (
    delivery_replay,
    destination_pause,
    outbox_relay,
)
from opendvc.ops.checks import check_by_name, run_checks
from opendvc.ops.models import Incident
from opendvc.ops.services import incidents_from_checks

from .conftest import national_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(national, settings):
    national_mapping_seed()
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 3600  # the base stays 0: the backoff alone waits nothing
    return national


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured(mapped, status):
    national_sync()
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
    national_sync("H19-1")
    when = timezone.now() + timedelta(seconds=300)
    mapped.switches.update({"status": 429, "retry_after": format_datetime(when, usegmt=True)})
    outbox_relay(budget_seconds=0)
    first = Delivery.objects.get()
    assert first.next_attempt_at >= when - timedelta(seconds=2)
    # A peer asking for a day is asked again at the cap. (The time asked passes: for the delivery
    # and for its destination, which the peer's answer held as well.)
    mapped.switches.retry_after = "86400"
    Delivery.objects.update(next_attempt_at=timezone.now())
    Destination.objects.update(held_until=timezone.now())
    before = timezone.now()
    outbox_relay(budget_seconds=0)
    first.refresh_from_db()
    assert before + timedelta(seconds=590) <= first.next_attempt_at
    assert first.next_attempt_at <= timezone.now() + timedelta(seconds=601)


def test_without_retry_after_the_backoff_applies(mapped):
    national_sync()
    mapped.switches.status = 429
    outbox_relay(budget_seconds=0)
    assert Delivery.objects.get().next_attempt_at <= timezone.now()  # backoff 0 in the fixture
    mapped.switches.status = None
    outbox_relay(budget_seconds=0)
    row = Delivery.objects.get()
    assert row.status == "delivered", row.last_error


def test_a_dead_delivery_replayed_by_hand_is_retried_again_not_killed_at_once(mapped, settings):
    settings.OUTBOX_DEAD_AFTER_SECONDS = 3600
    national_sync()
    Message.objects.update(created_at=timezone.now() - timedelta(hours=2))
    mapped.switches.status = 502
    outbox_relay(budget_seconds=0)
    row = Delivery.objects.get()
    assert row.status == "dead"
    ict = User.objects.create_user(email="ict@example.vn", password="x")  # noqa: S106
    assert delivery_replay(ids=[row.pk], actor=ict) == 1
    # The peer is still failing: the replayed delivery gets a new window of retries, not one try.
    outbox_relay(budget_seconds=0)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 2
    mapped.switches.status = None
    Delivery.objects.update(next_attempt_at=timezone.now())
    outbox_relay(budget_seconds=0)
    row.refresh_from_db()
    assert row.status == "delivered"


def test_deliveries_held_by_a_long_pause_are_retried_after_the_resume(mapped, settings):
    settings.OUTBOX_DEAD_AFTER_SECONDS = 3600
    ict = User.objects.create_user(email="ict@example.vn", password="x")  # noqa: S106
    destination_pause(code="national", paused=True, actor=ict)
    national_sync()
    Message.objects.update(created_at=timezone.now() - timedelta(hours=2))  # paused two hours
    destination_pause(code="national", paused=False, actor=ict)
    mapped.switches.status = 502
    outbox_relay(budget_seconds=0)
    # Never tried before the pause: a first failure after the resume is retried.
    assert Delivery.objects.get().status == "failed"


def test_a_dead_delivery_opens_an_incident_and_is_measured_until_replayed(mapped, settings, client):
    """The peers' outbox was on no health check nor metric: deliveries given up or waiting for hours
    were seen only by whoever opened the outbox page."""
    settings.OUTBOX_DEAD_AFTER_SECONDS = 0
    settings.METRICS_AUTH_DISABLED = True
    national_sync()
    mapped.switches.status = 500
    outbox_relay(budget_seconds=0)
    [row] = Delivery.objects.all()
    assert row.status == "dead"
    [result] = run_checks([check_by_name("outbox")])
    assert not result.ok and result.detail == "national: 1 dead"
    assert incidents_from_checks(results=[result]) == {"outbox": "opened"}
    incident = Incident.objects.get(check_name="outbox", resolved_at__isnull=True)
    assert "Cổng DVC quốc gia" in " ".join(incident.affected_services)
    metrics = client.get("/metrics").content.decode()
    assert 'opendvc_outbox_deliveries{destination="national",status="dead"} 1.0' in metrics
    # Replayed once the peer is back: delivered, the incident resolved.
    settings.OUTBOX_DEAD_AFTER_SECONDS = 3600
    mapped.switches.status = None
    delivery_replay(ids=[row.pk], actor=None)
    outbox_relay(budget_seconds=0)
    [result] = run_checks([check_by_name("outbox")])
    assert result.ok
    assert incidents_from_checks(results=[result]) == {"outbox": "resolved"}
    assert "opendvc_outbox_deliveries{" not in client.get("/metrics").content.decode()


def test_deliveries_waiting_too_long_fail_the_check_unless_paused(mapped, settings):
    settings.OPS_OUTBOX_AGE_MINUTES = 60
    national_sync()
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    [result] = run_checks([check_by_name("outbox")])
    assert not result.ok and result.detail == "national: 1 waiting > 60 min"
    ict = User.objects.create_user(email="ict@example.vn", password="x")  # noqa: S106
    destination_pause(code="national", paused=True, actor=ict)
    assert run_checks([check_by_name("outbox")])[0].ok


def test_deliveries_waiting_while_the_peer_holds_them_do_not_fail_the_check(mapped, settings):
    """A peer's Retry-After holds its destination: its old messages wait as asked, no alarm, while
    another destination's old messages still raise one; once the hold has ended, they raise it too."""
    settings.OPS_OUTBOX_AGE_MINUTES = 60
    national_sync()
    other = Delivery.objects.get()
    other.pk, other.destination = None, "sms"
    other.save()
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    now = timezone.now()
    Destination.objects.update_or_create(
        code="national", defaults={"held_until": now + timedelta(minutes=5), "held_at": now}
    )
    [result] = run_checks([check_by_name("outbox")])
    assert not result.ok and result.detail == "sms: 1 waiting > 60 min"
    Delivery.objects.filter(destination="sms").delete()
    assert run_checks([check_by_name("outbox")])[0].ok
    Destination.objects.filter(code="national").update(held_until=now - timedelta(seconds=1))
    [result] = run_checks([check_by_name("outbox")])
    assert not result.ok and result.detail == "national: 1 waiting > 60 min"


def _answering(simulator, status: int, body: bytes) -> None:
    """The national portal opens sessions as usual but answers every message with ``body``."""

    def answer(request):
        if request.path.rstrip("/").endswith("/login"):
            return simulator.handle(request)
        return Response(status=status, body=body)

    simulator.malformed_body = answer
    simulator.switches.malformed = True


FLAWED_ANSWERS = [
    (500, b'{"error": "H\x00ng"}', "failed"),
    (200, b'{"error_code": "0", "message": "Th\\u00e0nh c\\u00f4ng\\u0000\\ud800"}', "delivered"),
]


@pytest.mark.parametrize(("status", "body", "outcome"), FLAWED_ANSWERS)
def test_a_nul_or_half_a_surrogate_in_the_answer_is_recorded(mapped, status, body, outcome):
    """A NUL byte in the peer's error page (or a NUL or half a surrogate pair in its JSON) failed the
    record of the whole batch on PostgreSQL: its deliveries stayed "delivering" and were sent again at
    each lease's end, for ever."""
    _answering(mapped, status, body)
    national_sync()
    outbox_relay(budget_seconds=0)
    delivery = Delivery.objects.get()
    assert delivery.status == outcome and delivery.attempts == 1
    recorded = delivery.last_error if outcome == "failed" else delivery.answer["message"]
    assert "\x00" not in recorded and "\\u0000" in recorded
    if outcome == "delivered":
        assert recorded == "Thành công\\u0000\ufffd"


def test_a_nul_in_the_answer_is_recorded_on_postgresql_too(postgres_db, mapped):
    for status, body, outcome in FLAWED_ANSWERS:
        Delivery.objects.all().delete()
        test_a_nul_or_half_a_surrogate_in_the_answer_is_recorded(mapped, status, body, outcome)
