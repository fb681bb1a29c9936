"""Agencies that process in the province's one-stop software: the received dossier goes there through
the outbox (form data, signed expiring file links, fees); the software's signed webhook moves the
dossier through the same state machine as the system actor; bad requests change nothing and are
logged."""

from __future__ import annotations

import re
import time
from datetime import datetime

import httpx
import pytest

from opendvc.dossiers.models import Dossier, DossierEvent
from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import submitted_dossier
from opendvc.integrations.models import Delivery, InboundMessage
from opendvc.integrations.onestop.signing import file_token, signed_headers
from opendvc.integrations.outbox import outbox_relay
from opendvc.integrations.tests.conftest import ONESTOP_SECRET as SECRET

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/onestop/events"


@pytest.fixture
def received(onestop, procedure, citizen, officer):
    dossier = submitted_dossier(procedure, citizen)
    return dossier_act(dossier=dossier, action="receive", actor=officer)


def post(client, simulator, payload, *, now=None, signature=None):
    body, headers = simulator.signed(payload, now=now)
    if signature is not None:
        headers["X-Signature"] = signature
    return post_body(client, body, headers)


def post_body(client, body: bytes, headers: dict | None = None):
    """POST ``body`` as it is to the webhook, with ``headers`` (signed with the test secret when
    none are given)."""
    headers = signed_headers(SECRET, body) if headers is None else headers
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


def test_the_dates_sent_are_iso_8601_in_vietnam_time(onestop, received):
    """The software files the dossier under the dates it is sent: in UTC (+00:00) a dossier received
    at 07:30 in Hà Nội was dated the day before."""
    assert outbox_relay(budget_seconds=5).delivered == 1
    sent = onestop.dossiers[received.code]
    for name, value in (("received_at", received.received_at), ("due_at", received.due_at)):
        assert sent[name].endswith("+07:00"), (name, sent[name])
        assert datetime.fromisoformat(sent[name]) == value


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
        # Approval from ``received`` is not open (the dossier is not being processed yet).
        ({"payload": {"status": "result_ready", "result": "Giấy khai sinh"}}, 409, "conflict"),
        (
            {
                "payload": {
                    "status": "result_ready",
                    "inputs": {"result": "x"},
                    "result_files": [{"name": "kq.pdf", "url": "http://203.0.113.1/kq.pdf"}],
                }
            },
            422,
            "validation_error",
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


@pytest.mark.parametrize(
    ("language", "title", "words"),
    [
        ("vi", "Thời điểm gửi nằm ngoài khoảng cho phép", "lệch quá 300 giây"),
        ("en", "Sending time outside the allowed window", "is more than 300 seconds off"),
    ],
)
def test_a_stale_timestamp_is_said_so_not_as_a_missing_sign_in(
    client, onestop, received, settings, language, title, words
):
    """A request whose X-Timestamp was outside the window was answered 401 "Chưa đăng nhập" (not
    signed in), which sent the peer's operators after credentials instead of their clock."""
    settings.INBOUND_WINDOW_SECONDS = 300
    body, headers = onestop.signed(
        {"message_id": "mc-old", "dossier": received.code, "status": "processing"},
        now=time.time() - 400,
    )
    answer = client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert answer.status_code == 401, answer.content
    problem = answer.json()
    assert problem["code"] == "stale_request" and problem["title"] == title
    assert words in problem["detail"] and "X-Timestamp" in problem["detail"]
    assert problem["errors"][0]["path"] == "X-Timestamp"
    # The log keeps the reason in Vietnamese whatever language the peer asked in.
    assert "lệch quá 300 giây" in InboundMessage.objects.get(code="stale_request").detail


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
    answer = post_body(client, b"{not json")
    assert answer.status_code == 400 and answer.json()["code"] == "malformed_json"
    assert InboundMessage.objects.get().body == "{not json"


# --- over real HTTP: the simulator posts to the portal on a live server --------------------------


@pytest.fixture
def processing(onestop, received, live_server):
    onestop.portal_url = live_server.url
    answer = onestop.report(received.code, "processing")[0]
    assert answer.status_code == 200, answer.text
    received.refresh_from_db()
    assert received.status == "processing"
    return received


def _last_event(dossier):
    return DossierEvent.objects.filter(dossier=dossier).order_by("-pk").first()


def test_the_software_approves_with_its_result_file(onestop, processing):
    from opendvc.dossiers.models import DossierDocument
    from opendvc.dossiers.tests.conftest import small_pdf

    link = onestop.publish_result(small_pdf())
    answer = onestop.report(
        processing.code,
        "result_ready",
        result="Giấy khai sinh bản chính",
        result_files=[{"name": "giay-khai-sinh.pdf", "url": link}],
    )[0]
    assert answer.status_code == 200, answer.text
    fresh = Dossier.objects.get(pk=processing.pk)
    assert fresh.status == "result_ready"
    event = _last_event(fresh)
    assert event.action == "approve" and event.actor_id is None
    results = DossierDocument.objects.filter(dossier=fresh, kind="result")
    # The software's own file, beside the portal's result notice (made after the response).
    stored = [d.file.read() for d in results if d.file]
    assert small_pdf() in stored and results.count() == 2
    assert InboundMessage.objects.filter(outcome="accepted", detail__startswith="approve").exists()


def test_the_result_file_may_come_in_the_body(onestop, processing):
    import base64

    from opendvc.dossiers.models import DossierDocument
    from opendvc.dossiers.tests.conftest import small_pdf

    answer = onestop.report(
        processing.code,
        "result_ready",
        {"result": "Giấy khai sinh"},
        result_files=[{"name": "kq.pdf", "content_base64": base64.b64encode(small_pdf()).decode()}],
    )[0]
    assert answer.status_code == 200, answer.text
    assert any(
        d.file.read() == small_pdf()
        for d in DossierDocument.objects.filter(dossier=processing).exclude(file="")
    )


def test_a_result_that_is_not_a_pdf_changes_nothing(onestop, processing):
    link = onestop.publish_result(b"<html>not a pdf</html>")
    before = DossierEvent.objects.filter(dossier=processing).count()
    answer = onestop.report(
        processing.code, "result_ready", result="Giấy khai sinh", result_files=[{"url": link}]
    )[0]
    assert answer.status_code == 422 and answer.json()["errors"][0]["path"] == "result_files"
    fresh = Dossier.objects.get(pk=processing.pk)
    assert fresh.status == "processing"
    assert DossierEvent.objects.filter(dossier=processing).count() == before


def test_the_software_requests_a_supplement(onestop, processing):
    answer = onestop.report(
        processing.code,
        "supplement_requested",
        items=["Bản sao giấy chứng nhận kết hôn của cha mẹ"],
        note="Bổ sung trong 05 ngày làm việc",
    )[0]
    assert answer.status_code == 200, answer.text
    fresh = Dossier.objects.get(pk=processing.pk)
    assert fresh.status == "supplement_requested"
    assert fresh.completion_items == ["Bản sao giấy chứng nhận kết hôn của cha mẹ"]
    assert _last_event(fresh).action == "request_supplement"


def test_a_supplement_without_items_is_refused(onestop, processing):
    answer = onestop.report(processing.code, "supplement_requested")[0]
    assert answer.status_code == 422 and answer.json()["code"] == "validation_error"
    assert Dossier.objects.get(pk=processing.pk).status == "processing"


def test_the_software_stops_the_dossier_with_its_reason(onestop, processing):
    answer = onestop.report(
        processing.code, "stopped", reason="Người yêu cầu không đủ điều kiện theo quy định"
    )[0]
    assert answer.status_code == 200, answer.text
    fresh = Dossier.objects.get(pk=processing.pk)
    assert fresh.status == "stopped"
    event = _last_event(fresh)
    assert event.action == "stop" and event.actor_id is None


def test_an_invalid_status_over_http_changes_nothing(onestop, processing):
    before = (processing.version, DossierEvent.objects.count())
    answer = onestop.report(processing.code, "da_duyet")[0]
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_status"
    assert "result_ready" in answer.json()["errors"][0]["message"]
    fresh = Dossier.objects.get(pk=processing.pk)
    assert (fresh.version, DossierEvent.objects.count()) == before


def test_officers_keep_their_rights_only(processing, processor):
    """The system's new rows do not widen an officer's: a processing officer still cannot approve."""
    from opendvc.core.problems import ProblemError

    with pytest.raises(ProblemError) as err:
        dossier_act(dossier=processing, action="approve", actor=processor, result="x")
    assert err.value.status == 403
