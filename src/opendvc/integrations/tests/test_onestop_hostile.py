"""The one-stop webhook refuses what its peer should never send with a problem, logged, changing
nothing: a signature that is not ASCII, a raw NUL byte, inputs the step does not take (some named like
the portal's own parameters), an overlong message id. Each was a 500 (and the refusal was not logged)."""

from __future__ import annotations

import json

import pytest

from opendvc.dossiers.models import Dossier, DossierEvent
from opendvc.integrations.models import InboundMessage
from opendvc.integrations.onestop.signing import signed_headers

from .test_onestop import SECRET, URL, post, post_body, received  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _unchanged(dossier, before) -> None:
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.version, DossierEvent.objects.count()) == before and fresh.status == "received"


def test_a_signature_that_is_not_ascii_is_401(client, onestop, received):  # noqa: F811
    answer = client.post(
        URL, data=b"{}", content_type="application/json", headers={"X-Signature": "é"}
    )
    assert answer.status_code == 401 and answer.json()["code"] == "bad_signature"
    assert InboundMessage.objects.get().code == "bad_signature"


@pytest.mark.parametrize("ctype", ["application/json", "multipart/form-data; boundary=X"])
@pytest.mark.parametrize("signed", [True, False])
def test_a_raw_nul_byte_is_refused_and_logged(client, onestop, received, ctype, signed):  # noqa: F811
    body = b'{"a":"\x00"}'
    headers = signed_headers(SECRET, body) if signed else {}
    answer = client.post(
        URL,
        data=body,
        content_type=ctype,
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    assert answer.status_code in (400, 401), answer.content[:300]
    assert answer["Content-Type"].startswith("application/problem+json")
    log = InboundMessage.objects.get()
    assert log.outcome == "refused" and "\x00" not in log.body


def test_a_raw_nul_byte_is_logged_on_postgresql_too(postgres_db, client, onestop, received):  # noqa: F811
    test_a_raw_nul_byte_is_refused_and_logged(client, onestop, received, "application/json", True)


@pytest.mark.parametrize(
    "inputs",
    [
        {"action": "x"},
        {"system": False},
        {"actor": None},
        {"dossier": "x"},
        {"request": 1},
        {"expected_version": 0},
        {"note": "ok", "ghi_chu": "x"},
    ],
)
def test_inputs_the_step_does_not_take_are_422_and_logged(client, onestop, received, inputs):  # noqa: F811
    before = (received.version, DossierEvent.objects.count())
    payload = {
        "message_id": "mc-in",
        "dossier": received.code,
        "status": "processing",
        "inputs": inputs,
    }
    answer = post(client, onestop, payload)
    assert answer.status_code == 422, answer.content[:300]
    body = answer.json()
    assert body["code"] == "validation_error"
    unknown = sorted(set(inputs) - {"note"})
    assert [e["path"] for e in body["errors"]] == [f"inputs.{k}" for k in unknown]
    assert "note" in body["errors"][0]["message"]
    _unchanged(received, before)
    assert InboundMessage.objects.get().code == "validation_error"


def test_an_input_the_step_takes_is_applied(client, onestop, received):  # noqa: F811
    payload = {
        "message_id": "mc-ok",
        "dossier": received.code,
        "status": "processing",
        "inputs": {"note": "Đã phân công"},
    }
    answer = post(client, onestop, payload)
    assert answer.status_code == 200, answer.content[:300]


def test_an_overlong_message_id_is_422_and_logged(client, onestop, received):  # noqa: F811
    before = (received.version, DossierEvent.objects.count())
    payload = {"message_id": "m" * 101, "dossier": received.code, "status": "processing"}
    answer = post(client, onestop, payload)
    assert answer.status_code == 422, answer.content[:300]
    assert answer.json()["errors"] == [{"path": "message_id", "message": "Tối đa 100 ký tự."}]
    _unchanged(received, before)
    log = InboundMessage.objects.get()
    assert log.outcome == "refused" and log.message_id == "m" * 100
    # 100 characters are taken.
    payload["message_id"] = "m" * 100
    assert post(client, onestop, payload).status_code == 200


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"message_id": "\ud800"}, "message_id"),
        ({"inputs": {"note": "a\udfffb"}}, "inputs.note"),
        ({"note": ["ok", "\ud83d"]}, "note.1"),
        ({"inputs": {"\udc00": "x"}}, "inputs.\\udc00"),
    ],
)
def test_half_a_surrogate_pair_is_422_at_its_path(client, onestop, received, payload, path):  # noqa: F811
    """``"\\ud800"`` alone is valid JSON but no text: it reached the database (a 500). The portal's
    check of every JSON body refuses it first, at its path (an escaped key written as its escape)."""
    before = (received.version, DossierEvent.objects.count())
    data = {"message_id": "mc-sur", "dossier": received.code, "status": "processing", **payload}
    # ASCII: the surrogate travels as its \u escape.
    answer = post_body(client, json.dumps(data).encode())
    assert answer.status_code == 422, answer.content[:300]
    assert answer["Content-Type"].startswith("application/problem+json")
    assert [e["path"] for e in answer.json()["errors"]] == [path]
    _unchanged(received, before)


def test_half_a_surrogate_pair_is_refused_on_postgresql_too(postgres_db, client, onestop, received):  # noqa: F811
    test_half_a_surrogate_pair_is_422_at_its_path(
        client, onestop, received, {"message_id": "\ud800"}, "message_id"
    )


@pytest.mark.parametrize(
    ("status", "payload", "path"),
    [
        ("stopped", {"reason": {"a": 1}}, "reason"),
        ("stopped", {"inputs": {"reason": 12}}, "reason"),
        ("stopped", {"reason": ["Hồ sơ", "giả mạo"]}, "reason"),
        ("result_ready", {"result": ["Giấy phép"]}, "result"),
        ("result_ready", {"result": "Giấy phép", "note": {"a": 1}}, "note"),
        ("supplement_requested", {"items": ["Bản sao"], "inputs": {"note": True}}, "note"),
    ],
)
def test_a_text_input_that_is_not_text_is_422_and_logged(client, onestop, received, status, payload, path):  # noqa: F811
    """A reason, a result or a note sent as a number, a list or an object was taken as given and
    failed where it was written into the national portal's progress message (a 500)."""
    processing = post(
        client, onestop, {"message_id": "mc-p", "dossier": received.code, "status": "processing"}
    )
    assert processing.status_code == 200, processing.content[:300]
    fresh = Dossier.objects.get(pk=received.pk)
    before = (fresh.version, DossierEvent.objects.count())
    data = {"message_id": "mc-text", "dossier": received.code, "status": status, **payload}
    answer = post(client, onestop, data)
    assert answer.status_code == 422, answer.content[:300]
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["errors"] == [{"path": path, "message": "Phải là chuỗi ký tự."}]
    fresh = Dossier.objects.get(pk=received.pk)
    assert (fresh.version, DossierEvent.objects.count()) == before and fresh.status == "processing"
    assert InboundMessage.objects.filter(message_id="mc-text").get().outcome == "refused"
