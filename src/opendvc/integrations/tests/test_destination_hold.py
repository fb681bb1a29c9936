"""A peer's ``Retry-After`` (429 or 503) holds every message to that peer, not just the one it answered.

Against the national portal's and the SMS provider's simulators: after a 429 or 503 with
``Retry-After`` the relay claims nothing more of the destination until then (another destination keeps
being delivered), in this relay run, in the next one and in another process; a wait asked in seconds
or as an HTTP date, a huge one held at the backoff's cap, one the relay cannot read holding nothing.
The hold ends at its time, or when the peer accepts a delivery sent again by hand; a pause and its
resume are another matter. The outbox page and its JSON show until when the peer asked us to wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from opendvc.api.services import api_token_create
from opendvc.dossiers.tests.conftest import sign_in, staff
from opendvc.integrations import outbox
from opendvc.integrations.models import Delivery, Destination
from opendvc.integrations.national.mapping import national_mapping_seed
from opendvc.integrations.outbox import (
    backlog,
    delivery_replay,
    destination_pause,
    outbox_relay,
)
from opendvc.integrations.sms.client import sms_send

from .conftest import national_sync

pytestmark = pytest.mark.django_db

CODES = ("H19-1", "H19-2", "H19-3")


@pytest.fixture
def peers(national, sms, settings):
    """Three dossiers for the national portal (each its own key) and a text message for the SMS
    provider. A failure is tried again after 30–60 s of backoff, so a relay run that loops until
    nothing is due tries each delivery once."""
    national_mapping_seed()
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 60.0
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 3600.0
    deliveries = [national_sync(code) for code in CODES]
    sms_send(phone="0912 345 678", text="Hồ sơ H19-1 đã được tiếp nhận.")
    return deliveries


def _national_requests(national) -> int:
    """Requests the national portal received (a session is opened first: a refused login counts)."""
    return len(national.received)


def _statuses() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for destination, status in Delivery.objects.order_by("pk").values_list("destination", "status"):
        rows.setdefault(destination, []).append(status)
    return rows


def _in(seconds: int) -> str:
    return format_datetime(timezone.now() + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("status", "retry_after", "seconds"),
    [(429, lambda: "120", 120), (503, lambda: "90", 90), (429, lambda: _in(300), 300)],
    ids=["429-seconds", "503-seconds", "429-http-date"],
)
def test_a_retry_after_holds_the_destinations_other_messages(
    peers, national, sms, time_machine, status, retry_after, seconds
):
    national.switches.update({"status": status, "retry_after": retry_after()})
    before = timezone.now()
    # Batches of one, until nothing is due: without the hold each dossier would be sent in turn.
    result = outbox_relay(limit=1, budget_seconds=60)
    after = timezone.now()
    assert _national_requests(national) == 1
    assert _statuses() == {"national": ["failed", "pending", "pending"], "sms": ["delivered"]}
    assert result.delivered == 1 and result.failed == 1
    assert len(sms.sent) == 1  # the other destination kept flowing
    held = Destination.objects.get(code="national").held_until
    assert before + timedelta(seconds=seconds - 2) <= held <= after + timedelta(seconds=seconds)
    # The next relay run leaves the destination too.
    assert outbox_relay(budget_seconds=0).claimed == 0
    assert _national_requests(national) == 1
    # Once the time has passed (and the peer answers again) they are sent.
    national.switches.reset()
    time_machine.move_to(held + timedelta(seconds=1))
    assert outbox_relay(budget_seconds=60).delivered == 3
    assert _statuses() == {"national": ["delivered"] * 3, "sms": ["delivered"]}
    assert sorted(code for _m, _s, code in national.applied) == list(CODES)
    assert backlog()[0]["held_until"] is None  # over by itself: nothing cleared it


@pytest.mark.parametrize(
    "retry_after",
    [lambda: "86400", lambda: "99999999999999", lambda: _in(365 * 24 * 3600)],
    ids=["a-day", "eleven-digits", "a-date-next-year"],
)
def test_a_huge_retry_after_holds_at_the_backoffs_cap(peers, national, settings, retry_after):
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 600.0
    national.switches.update({"status": 429, "retry_after": retry_after()})
    before = timezone.now()
    outbox_relay(limit=1, budget_seconds=60)
    after = timezone.now()
    held = Destination.objects.get(code="national").held_until
    assert before + timedelta(seconds=600) <= held <= after + timedelta(seconds=600)
    assert _national_requests(national) == 1


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [
        (429, "soon"),
        (429, "-5"),
        (503, "1.5"),
        (429, "Fri, 32 Dec 2026 25:00:00 GMT"),
        (429, "0"),
        (503, "Thu, 01 Jan 2026 00:00:00 GMT"),  # already past
        (500, "120"),  # not a peer saying it is overloaded or limiting us
    ],
)
def test_a_retry_after_that_asks_for_no_wait_holds_nothing(peers, national, status, retry_after):
    """The backoff alone applies: each delivery is tried (and waits its own backoff)."""
    national.switches.update({"status": status, "retry_after": retry_after})
    outbox_relay(limit=1, budget_seconds=60)
    assert _national_requests(national) == 3
    assert _statuses() == {"national": ["failed"] * 3, "sms": ["delivered"]}
    assert not Destination.objects.filter(held_until__isnull=False).exists()
    assert backlog()[0]["held_until"] is None


@pytest.fixture
def one_thread(settings, monkeypatch):
    """The relay's sending threads, one: a batch's deliveries go one after the other, in id order."""
    settings.OUTBOX_CONCURRENCY = 1
    monkeypatch.setattr(outbox, "_POOL", None)
    yield
    if outbox._POOL is not None:
        outbox._POOL.shutdown()


def test_the_rest_of_the_batch_is_not_sent_after_the_peer_asked_to_wait(
    peers, national, sms, one_thread
):
    national.switches.update({"status": 429, "retry_after": "120"})
    result = outbox_relay(budget_seconds=0)  # one batch holding all four
    assert result.claimed == 4 and result.failed == 1 and result.released == 2
    assert result.delivered == 1 and len(sms.sent) == 1
    assert _national_requests(national) == 1
    assert _statuses() == {"national": ["failed", "pending", "pending"], "sms": ["delivered"]}
    assert list(Delivery.objects.filter(status="pending").values_list("attempts", flat=True)) == [
        0,
        0,
    ]


def test_a_replay_by_hand_is_sent_and_its_success_ends_the_hold(peers, national):
    first = peers[0]
    national.switches.update({"status": 429, "retry_after": "600"})
    outbox_relay(limit=1, budget_seconds=60)
    held = Destination.objects.get(code="national")
    # Still refusing: the replayed delivery is sent, the peer asks again, the rest still wait.
    national.switches.retry_after = "900"
    assert delivery_replay(ids=[first.pk], actor=None) == 1
    outbox_relay(limit=1, budget_seconds=60)
    assert _national_requests(national) == 2
    again = Destination.objects.get(code="national")
    assert again.held_at > held.held_at and again.held_until > held.held_until
    assert _statuses()["national"] == ["failed", "pending", "pending"]
    # The peer is back: the replayed delivery is accepted, the hold is over, the rest are sent.
    national.switches.reset()
    assert outbox_relay(budget_seconds=0).claimed == 0
    assert delivery_replay(ids=[first.pk], actor=None) == 1
    assert outbox_relay(limit=1, budget_seconds=60).delivered == 3
    assert _statuses()["national"] == ["delivered"] * 3
    assert Destination.objects.get(code="national").held_until is None


def test_a_pause_and_its_resume_leave_the_hold_alone(peers, national):
    national.switches.update({"status": 429, "retry_after": "600"})
    outbox_relay(limit=1, budget_seconds=60)
    national.switches.reset()
    destination_pause(code="national", paused=True, actor=None)
    destination_pause(code="national", paused=False, actor=None)
    assert outbox_relay(budget_seconds=0).claimed == 0
    assert _national_requests(national) == 1
    dest = Destination.objects.get(code="national")
    assert not dest.paused and dest.held_until > timezone.now()
    # And a hold does not pause: the operator's switch is untouched by it.
    assert backlog()[0]["paused"] is False


def test_a_hold_is_not_shortened_by_a_later_shorter_answer(peers, national):
    national.switches.update({"status": 429, "retry_after": "900"})
    outbox_relay(limit=1, budget_seconds=60)
    long = Destination.objects.get(code="national").held_until
    national.switches.retry_after = "60"
    delivery_replay(ids=[peers[0].pk], actor=None)
    outbox_relay(limit=1, budget_seconds=60)
    assert _national_requests(national) == 2
    assert Destination.objects.get(code="national").held_until == long


@pytest.mark.parametrize(
    ("language", "words"),
    [("vi", "Nơi nhận yêu cầu chờ đến"), ("en", "Peer asked to wait until")],
)
def test_the_page_and_the_json_show_until_when_the_destination_is_held(
    client, peers, national, agencies, language, words
):
    national.switches.update({"status": 503, "retry_after": "3000"})
    outbox_relay(limit=1, budget_seconds=60)
    held = Destination.objects.get(code="national").held_until
    ict = staff("ict_department", "000.00.00.H19")
    sign_in(client, ict)
    client.cookies["django_language"] = language
    html = client.get("/quan-tri/lien-thong/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    local = held.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert words in html
    assert f'<time datetime="{local.isoformat()}">{local:%H:%M %d/%m/%Y}</time>' in html
    _token, raw = api_token_create(owner=ict, name="giam-sat", scopes=["read"])
    answer = client.get("/api/v1/integrations/outbox", headers={"Authorization": f"Bearer {raw}"})
    rows = {row["destination"]: row for row in answer.json()["destinations"]}
    # ISO 8601, to the millisecond (as every time in the API).
    to_ms = held.replace(microsecond=held.microsecond // 1000 * 1000)
    assert datetime.fromisoformat(rows["national"]["held_until"]) == to_ms
    assert rows["sms"]["held_until"] is None and rows["national"]["paused"] is False
