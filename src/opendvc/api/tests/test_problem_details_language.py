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


# The handlers' own refusals: (case, status, code, English words, Vietnamese words).
HANDLER_CASES = [
    ("idempotency_key", 422, "validation_error", "at most 200 characters", "dài tối đa 200 ký tự"),
    ("unknown_procedure", 422, "validation_error", "The procedure code does not exist.", "Mã thủ tục không tồn tại."),
    ("upload_rate", 429, "rate_limited", "You uploaded too many files", "Bạn tải lên quá nhiều tệp"),
    ("lookup_rate", 429, "rate_limited", "Too many lookups in one minute", "Bạn tra cứu quá nhiều lần"),
    ("results_agency", 422, "validation_error", "There is no agency with this code.", "Không có cơ quan với mã này."),
    ("results_period", 422, "validation_error", "The period is not valid.", "Khoảng thời gian không hợp lệ."),
    ("ict_only", 403, "permission_denied", "Only the Department of Science and Technology",
     "Chỉ Sở Khoa học và Công nghệ"),
    ("no_catalog_pull", 404, "not_found", "The catalogue has never been pulled.", "Chưa lấy danh mục lần nào."),
    ("replay_nothing", 422, "validation_error", "Choose at least one delivery.", "Chọn ít nhất một lượt gửi."),
    ("verify_too_large", 413, "payload_too_large", "The file is too large (at most 20 MB).", "Tệp quá lớn (tối đa 20 MB)."),
    ("verify_rate", 429, "rate_limited", "Too many verifications in one minute", "Bạn xác thực quá nhiều lần"),
]


def _refuse(client, admin, monkeypatch, case: str, headers: dict):
    from types import SimpleNamespace

    from django.core.files.uploadedfile import SimpleUploadedFile

    def over_limit(module):
        monkeypatch.setattr(f"{module}.ratelimit_hit", lambda **kw: SimpleNamespace(allowed=False))

    def pdf():
        return {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7\n" + b"x" * 100, "application/pdf")}

    if case == "idempotency_key":
        return client.post("/api/v1/dossiers", '{"procedure": "X"}', content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="k" * 201, **headers)
    if case == "unknown_procedure":
        return client.post("/api/v1/dossiers", '{"procedure": "KHONG-CO"}', content_type="application/json", **headers)
    if case == "upload_rate":
        over_limit("opendvc.dossiers.api")
        return client.post("/api/v1/files", pdf(), **headers)
    if case == "lookup_rate":
        over_limit("opendvc.dossiers.api")
        return client.get("/api/v1/public/dossiers/X", **headers)
    if case == "results_agency":
        return client.get("/api/v1/public/results?agency=KHONG-CO", **headers)
    if case == "results_period":
        return client.get("/api/v1/public/results?from=2026-05-01&to=2026-01-01", **headers)
    if case == "ict_only":
        return client.get("/api/v1/integrations/catalog-pull", **headers)
    if case == "no_catalog_pull":
        return admin.get("/api/v1/integrations/catalog-pull", **headers)
    if case == "replay_nothing":
        return admin.post("/api/v1/integrations/outbox/replay", '{"ids": []}', content_type="application/json", **headers)
    if case == "verify_too_large":
        monkeypatch.setattr("opendvc.signing.api.MAX_VERIFY_BYTES", 10)
        return client.post("/api/v1/public/verifications", pdf(), **headers)
    if case == "verify_rate":
        over_limit("opendvc.signing.api")
        return client.post("/api/v1/public/verifications", pdf(), **headers)
    raise AssertionError(case)


@pytest.mark.parametrize(("case", "status", "code", "english", "vietnamese"), HANDLER_CASES)
def test_handlers_refusals_speak_the_language_asked(client, monkeypatch, case, status, code, english, vietnamese):
    """The refusals written in the handlers themselves (dossiers, integrations, verification), in the
    detail and in each error's message."""
    admin = Client()
    admin.force_login(User.objects.create_superuser(email="qt-api@example.vn", password="mat-khau-dai-123"))
    for headers, words, other in ((EN, english, vietnamese), ({}, vietnamese, english)):
        response = _refuse(client, admin, monkeypatch, case, headers)
        assert response.status_code == status, response.content
        body = response.json()
        assert body["code"] == code
        said = " ".join([body["detail"], *(e.get("message", "") for e in body.get("errors", []))])
        assert words in said and other not in said, (headers, said)
