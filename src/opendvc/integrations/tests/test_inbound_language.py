"""The log of peers' requests keeps each refusal's reason in Vietnamese, whatever language the peer
asked for: the ICT department's ledger reads the same for every request. The answer to the peer stays
in its language (``Accept-Language: en``: English)."""

from __future__ import annotations

import json

import pytest

from opendvc.integrations.models import InboundMessage
from opendvc.integrations.onestop.signing import signed_headers

from .test_onestop import SECRET, URL, received  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _send(client, body: bytes, ctype: str = "application/json", *, signature: str | None = None):
    headers = {k: v for k, v in signed_headers(SECRET, body).items() if k != "Content-Type"}
    if signature is not None:
        headers["X-Signature"] = signature
    return client.post(
        URL, data=body, content_type=ctype, headers=headers | {"Accept-Language": "en"}
    )


def _event(**fields) -> bytes:
    return json.dumps({"message_id": "mc-1", "status": "processing", **fields}).encode()


@pytest.mark.parametrize(
    ("request_", "english", "vietnamese"),
    [
        pytest.param(
            {"body": _event(dossier="X"), "signature": "0" * 64},
            "Invalid signature.",
            "Chữ ký không hợp lệ.",
            id="the handler's refusal",
        ),
        pytest.param(
            {"body": _event(dossier="KHONG-CO")},
            "No dossier processed by the one-stop software has this code.",
            "Không tìm thấy hồ sơ do phần mềm một cửa xử lý.",
            id="the handler's refusal after the signature",
        ),
        pytest.param(
            {"body": b"message_id=mc-1", "ctype": "text/plain"},
            "'text/plain'",
            "Kiểu nội dung 'text/plain' không được hỗ trợ",
            id="a check before the handler, with a value",
        ),
        pytest.param(
            {"body": _event(dossier="X", note="a\x00b")},
            "NUL",
            "note: Chuỗi chứa ký tự NUL (\\u0000), không được chấp nhận.",
            id="a check before the handler, with a field's error",
        ),
    ],
)
def test_a_refusal_answered_in_english_is_logged_in_vietnamese(
    client, onestop, received, request_, english, vietnamese  # noqa: F811
):
    answer = _send(client, **request_)
    assert 400 <= answer.status_code < 500 and answer["Content-Language"] == "en"
    problem = answer.json()
    assert english in problem["detail"] + json.dumps(problem.get("errors", []))
    log = InboundMessage.objects.get()
    assert vietnamese in log.detail, log.detail
    assert problem["detail"] not in log.detail
