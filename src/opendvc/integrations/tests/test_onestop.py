"""Agencies that process in the province's one-stop software: the received dossier goes there through
the outbox (form data, signed expiring file links, fees); the software's signed webhook moves the
dossier through the same state machine as the system actor; bad requests change nothing and are
logged."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from opendvc.agencies.models import Agency
from opendvc.dossiers.models import Dossier, DossierEvent
from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import submitted_dossier
from opendvc.integrations.models import Delivery, InboundMessage
from opendvc.integrations.onestop.signing import file_token, signed_headers
from opendvc.integrations.onestop.simulator import OneStopSimulator
from opendvc.integrations.outbox import outbox_relay
from opendvc.integrations.transport import reset_senders

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/onestop/events"
SECRET = "bi-mat-kiem-thu"


@pytest.fixture
def onestop(settings, justice):
    simulator = OneStopSimulator(secret=SECRET).start()
    settings.ONESTOP_URL = simulator.url
    settings.ONESTOP_SECRET = SECRET
    settings.NATIONAL_PORTAL_URL = ""
    Agency.objects.filter(pk=justice.pk).update(processing_backend=Agency.Backend.ONESTOP)
    reset_senders()
    yield simulator
    simulator.stop()
    reset_senders()


@pytest.fixture
def received(onestop, procedure, citizen, officer):
    dossier = submitted_dossier(procedure, citizen)
    return dossier_act(dossier=dossier, action="receive", actor=officer)


def post(client, simulator, payload, *, now=None, signature=None):
    body, headers = simulator.signed(payload, now=now)
    if signature is not None:
        headers["X-Signature"] = signature
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def test_the_received_dossier_is_sent_with_signed_file_links(client, onestop, received):
    assert Delivery.objects.filter(destination="onestop").count() == 1
    assert outbox_relay(budget_seconds=5).delivered == 1
    sent = onestop.dossiers[received.code]
    assert sent["procedure"] == received.procedure.code
    assert sent["form_data"] == received.form_data
    assert "form_data_ciphertext" not in sent and sent["files"]
    link = sent["files"][0]["url"]
    path = httpx.URL(link).path
    answer = client.get(path)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    # Tampered or expired links are refused.
    assert client.get(path[:-3] + "abc/").status_code == 404
    expired = file_token(received.files.first().pk, now=time.time() - 10 * 24 * 3600)
    assert client.get(f"/lien-thong/mot-cua/tep/{expired}/").status_code == 404


def test_a_signed_status_change_moves_the_dossier_as_the_system(client, onestop, received):
    answer = post(
        client, onestop, {"message_id": "mc-1", "dossier": received.code, "status": "processing"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "processing"
    received.refresh_from_db()
    assert received.status == "processing"
    event = DossierEvent.objects.filter(dossier=received).order_by("-pk").first()
    assert event.action == "start_processing" and event.actor_id is None
    assert InboundMessage.objects.filter(outcome="accepted", message_id="mc-1").exists()
    # The same message again: refused, nothing changes.
    again = post(
        client, onestop, {"message_id": "mc-1", "dossier": received.code, "status": "processing"}
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"signature": "0" * 64}, 401, "bad_signature"),
        ({"now": time.time() - 400}, 401, "stale_request"),
        ({"payload": {"dossier": "KHONG-CO", "status": "processing"}}, 404, "not_found"),
        ({"payload": {"status": "da_xong"}}, 422, "invalid_status"),
        ({"payload": {"status": "returned"}}, 409, "conflict"),
        # The action table does not (yet) let the system approve: refused clearly, not as a 403.
        (
            {"payload": {"status": "result_ready", "inputs": {"result": "Giấy khai sinh"}}},
            422,
            "invalid_status",
        ),
        ({"payload": {"message_id": ""}}, 422, "validation_error"),
    ],
)
def test_bad_requests_change_nothing_and_are_logged(
    client, onestop, received, change, status, code
):
    payload = {
        "message_id": f"mc-{code}",
        "dossier": received.code,
        "status": "processing",
        **change.get("payload", {}),
    }
    before = (received.version, DossierEvent.objects.count())
    answer = post(
        client, onestop, payload, now=change.get("now"), signature=change.get("signature")
    )
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    fresh = Dossier.objects.get(pk=received.pk)
    assert (fresh.version, DossierEvent.objects.count()) == before and fresh.status == "received"
    log = InboundMessage.objects.get()
    assert log.outcome == "refused" and log.code == code


def test_the_ict_department_sees_refused_requests(client, onestop, received, agencies):
    from opendvc.dossiers.tests.conftest import sign_in, staff

    post(
        client,
        onestop,
        {"message_id": "mc-x", "dossier": received.code, "status": "processing"},
        signature="0" * 64,
    )
    sign_in(client, staff("ict_department", "000.00.00.H19"))
    html = client.get("/quan-tri/lien-thong/").content.decode()
    assert "bad_signature" in html and "onestop" in html, re.findall(
        r"<h1[^>]*>.*?</h1>|<td>.*?</td>", html
    )[:12]


def test_malformed_body_is_refused(client, onestop, received):
    body = b"{not json"
    headers = signed_headers(SECRET, body)
    answer = client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "malformed_json"
    assert InboundMessage.objects.get().body == "{not json"
