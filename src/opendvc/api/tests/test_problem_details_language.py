"""The API's refusals of malformed requests (the shared checks before any view: content type, JSON
flaws, body size, unknown address, method) explain themselves in the language the client asks for
with ``Accept-Language``, as the titles already did; Vietnamese otherwise. Codes never change."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from opendvc.accounts.models import User

EN = {"HTTP_ACCEPT_LANGUAGE": "en-US, en;q=0.9"}


@pytest.fixture
def client(db):
    user = User.objects.create_user(email="khach-api@example.vn", password="mat-khau-dai-123")
    c = Client()
    c.force_login(user)
    return c


def _send(client, case: str, headers: dict):
    if case == "content_type":
        return client.post("/api/v1/tokens", '{"name":"x"}', content_type="text/plain", **headers)
    if case == "nul":
        return client.post("/api/v1/tokens", '{"name":"a\\u0000b"}', content_type="application/json", **headers)
    if case == "surrogate":
        return client.post("/api/v1/tokens", '{"name":"a\\ud800b"}', content_type="application/json", **headers)
    if case == "big_integer":
        return client.post("/api/v1/tokens", '{"n": ' + "9" * 40 + "}", content_type="application/json", **headers)
    if case == "deep":
        return client.post("/api/v1/tokens", "[" * 200_000 + "]" * 200_000, content_type="application/json", **headers)
    if case == "size":
        return client.post("/api/v1/tokens", '{"name":"' + "x" * 5000 + '"}', content_type="application/json", **headers)
    if case == "schema":
        return client.post("/api/v1/tokens", '{"name": ""}', content_type="application/json", **headers)
    if case == "not_object":
        return client.post("/api/v1/tokens", "[1, 2]", content_type="application/json", **headers)
    if case == "bad_json":
        return client.post("/api/v1/tokens", "{bad json", content_type="application/json", **headers)
    if case == "unknown_object":
        return client.get("/api/v1/dossiers/00000000-0000-0000-0000-000000000000", **headers)
    if case == "not_found":
        return client.get("/api/v1/khong-ton-tai", **headers)
    if case == "method":
        return client.post("/api/v1/ping", "{}", content_type="application/json", **headers)
    raise AssertionError(case)


CASES = [
    # case, status, code, English words, Vietnamese words (in the detail or the errors' messages)
    ("content_type", 415, "unsupported_media_type", "Content type 'text/plain' is not supported",
     "Kiểu nội dung 'text/plain' không được hỗ trợ"),
    ("nul", 422, "validation_error", "contains a NUL character", "chứa ký tự NUL"),
    ("surrogate", 422, "validation_error", "lone UTF-16 surrogate", "nửa cặp thay thế UTF-16"),
    ("big_integer", 422, "validation_error", "integer that is too large", "số nguyên quá lớn"),
    ("size", 413, "payload_too_large", "exceeds the limit of 1.000 bytes", "vượt quá giới hạn 1.000 byte"),
    ("not_found", 404, "not_found", "does not exist or has moved", "không tồn tại hoặc đã được chuyển đi"),
    ("schema", 422, "validation_error", "see the list of errors", "xem danh sách lỗi"),
    ("not_object", 422, "validation_error", "must be a JSON object", "phải là một đối tượng JSON"),
    ("bad_json", 400, "malformed_json", "The content sent is not valid JSON.", "Nội dung gửi lên không phải JSON hợp lệ."),
    ("unknown_object", 404, "not_found", "The requested resource was not found.", "Không tìm thấy tài nguyên yêu cầu."),
    ("method", 405, "method_not_allowed", "not supported at this address", "không được hỗ trợ cho địa chỉ này"),
]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
@pytest.mark.parametrize(("case", "status", "code", "english", "vietnamese"), CASES)
def test_refusals_explain_themselves_in_the_language_asked(client, case, status, code, english, vietnamese):
    for headers, words, other in ((EN, english, vietnamese), ({}, vietnamese, english),
                                  ({"HTTP_ACCEPT_LANGUAGE": "en;q=0.1, vi;q=0.9"}, vietnamese, english)):
        response = _send(client, case, headers)
        assert response.status_code == status, response.content
        body = response.json()
        assert body["code"] == code
        said = " ".join([body["detail"], *(e.get("message", "") for e in body.get("errors", []))])
        assert words in said and other not in said, (headers, said)


def test_nesting_too_deep_is_explained_in_english(client):
    body = _send(client, "deep", EN).json()
    assert body["code"] == "malformed_json"
    assert body["detail"].startswith("The content sent is not valid JSON")


def test_each_field_error_speaks_the_language_asked(client):
    """The request checker's messages per field (too short, missing, one of…), with their limits."""
    body = '{"name": "", "scopes": ["read", "nope"], "expires_in_days": "x"}'
    english = client.post("/api/v1/tokens", body, content_type="application/json", **EN).json()
    vietnamese = client.post("/api/v1/tokens", body, content_type="application/json").json()
    said_en = {e["path"]: e["message"] for e in english["errors"]}
    said_vi = {e["path"]: e["message"] for e in vietnamese["errors"]}
    assert said_en.keys() == said_vi.keys() and said_en
    for path in said_en:
        assert said_en[path] != said_vi[path], (path, said_en[path])
    import re

    vietnamese_letters = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
    assert not any(vietnamese_letters.search(m) for m in said_en.values()), said_en


def test_pages_keep_vietnamese_whatever_the_header(db):
    # Not the API: the page's refusal stays Vietnamese (the language switch decides, not the header).
    response = Client().get("/thu-tuc/?q=a%00b", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "chứa ký tự NUL" in response.content.decode()
