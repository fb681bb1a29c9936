"""A peer's request refused by the checks every API request goes through (content type, size, JSON the
decoder cannot read or that carries what no column can store), before the webhook's handler, is in the
log of peers' requests with its reason, as the handler's own refusals are: the ICT department finds the
request the peer says it sent. The answer is the same problem+json as before; an ordinary API client's
bad request is not logged there."""

from __future__ import annotations

import json

import pytest

from opendvc.core import middleware
from opendvc.integrations.models import InboundMessage
from opendvc.integrations.onestop.signing import signed_headers

from .test_onestop import SECRET, URL, post_body, received  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

# Nested deeper than the decoder reads, with a long number that has the shared check decode it.
DEEP = b'{"message_id": "mc-1", "n": 1234567890123456, "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
NUL = b'{"message_id": "mc-1", "dossier": "X", "note": "a\\u0000b"}'
BIG_INT = b'{"message_id": "mc-1", "version": 12345678901234567890}'


def _send(client, body: bytes, ctype: str = "application/json", **headers):
    signed = {k: v for k, v in signed_headers(SECRET, body).items() if k != "Content-Type"}
    return client.post(URL, data=body, content_type=ctype, headers=signed | headers)


def _same_answer_unlogged(client, monkeypatch, send) -> dict:
    """The answer to the same request with no webhook registered (as before the log was kept)."""
    monkeypatch.setattr(middleware, "WEBHOOKS", {})
    before = InboundMessage.objects.count()
    answer = send()
    assert InboundMessage.objects.count() == before
    monkeypatch.undo()
    return answer.json() | {"status": answer.status_code}


@pytest.mark.parametrize(
    ("body", "ctype", "status", "code", "reason"),
    [
        (DEEP, "application/json", 400, "malformed_json", "JSON"),
        (NUL, "application/json", 422, "validation_error", "note: "),
        (BIG_INT, "application/problem+json", 422, "validation_error", "version: "),
        (b"message_id=mc-1&status=processing", "text/plain", 415, "unsupported_media_type", "text/plain"),
        (b"<xml/>", "application/xml", 415, "unsupported_media_type", "application/xml"),
    ],
)
def test_a_request_refused_before_the_handler_is_logged_with_its_reason(
    client, onestop, received, monkeypatch, body, ctype, status, code, reason  # noqa: F811
):
    answer = _send(client, body, ctype)
    assert answer.status_code == status, answer.content[:300]
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    log = InboundMessage.objects.get()
    assert (log.peer, log.outcome, log.code, log.message_id) == ("onestop", "refused", code, "")
    assert reason in log.detail and answer.json()["detail"] in log.detail
    assert log.body == body.decode()[:20000]
    assert not log.reapplicable  # its signature was never checked
    assert _same_answer_unlogged(client, monkeypatch, lambda: _send(client, body, ctype)) == (
        answer.json() | {"status": status}
    )


@pytest.mark.parametrize("size", [4_000, 50_000])
def test_an_oversize_body_is_logged_without_it(client, onestop, received, settings, size):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3_000
    body = json.dumps({"message_id": "mc-1", "note": "x" * size}).encode()
    answer = _send(client, body)
    assert answer.status_code == 413 and answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == "payload_too_large"
    log = InboundMessage.objects.get()
    assert (log.peer, log.code, log.body) == ("onestop", "payload_too_large", "")
    assert "3.000" in log.detail


def test_what_the_handler_refuses_is_logged_once(client, onestop, received):  # noqa: F811
    answer = post_body(client, b"{not json")
    assert answer.status_code == 400 and answer.json()["code"] == "malformed_json"
    assert InboundMessage.objects.get().body == "{not json"
    answer = post_body(client, b"{}", {"X-Signature": "0" * 64, "X-Timestamp": "1"})
    assert answer.status_code == 401
    assert InboundMessage.objects.filter(code="bad_signature").count() == 1
    assert InboundMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "ctype"),
    [
        ("/api/v1/integrations/outbox/replay", "text/plain"),
        ("/api/v1/integrations/outbox/replay", "application/json"),
        ("/api/v1/accounts/tokens", "text/plain"),
        ("/api/v1/no-such-address", "application/json"),
    ],
)
def test_an_api_clients_bad_request_is_not_logged(client, url, ctype):
    body = DEEP if ctype == "application/json" else b"x"
    answer = client.post(url, data=body, content_type=ctype)
    assert 400 <= answer.status_code < 500
    assert not InboundMessage.objects.exists()
    # The same request to the webhook is.
    assert client.post(URL, data=body, content_type=ctype).status_code == answer.status_code
    assert InboundMessage.objects.get().peer == "onestop"


@pytest.mark.parametrize(
    ("body", "ctype", "signature", "status", "code"),
    [
        (b'{"EventId": "e1"}', "application/json", "0" * 64, 401, "unauthenticated"),
        (b"EventId=e1", "text/plain", None, 415, "unsupported_media_type"),
        (b"[1, 2]", "application/json", None, 422, "validation_error"),
    ],
)
def test_the_postal_operators_refused_callbacks_are_logged(
    client, settings, body, ctype, signature, status, code
):
    from opendvc.postal.simulators import sign

    settings.POSTAL_WEBHOOK_SECRET = "bi-mat-buu-dien"
    answer = client.post(
        "/api/v1/postal/tracking",
        data=body,
        content_type=ctype,
        headers={"X-Postal-Signature": signature or sign("bi-mat-buu-dien", body)},
    )
    assert answer.status_code == status, answer.content[:300]
    assert answer.json()["code"] == code
    log = InboundMessage.objects.get()
    assert (log.peer, log.outcome, log.code, log.body) == ("postal", "refused", code, body.decode())
    assert log.peer_label != "postal"
