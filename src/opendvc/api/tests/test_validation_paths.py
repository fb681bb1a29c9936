"""Every ``validation_error`` carries its list of errors, each at a path of the request: an empty JSON
body is the body itself (path ""), not the name of the handler's parameter; a bad header is named."""

from __future__ import annotations

import pytest
from django.test import Client

from opendvc.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    client = Client()
    client.force_login(User.objects.create_user(email="duong-dan@example.vn", password="mat-khau-dai-123"))
    return client


@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/api/v1/tokens", "/api/v1/feedback"])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_an_empty_body_is_told_as_the_body(signed_in, path, content_type):
    r = signed_in.post(path, "", content_type=content_type)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [{"path": "", "message": "Thiếu nội dung yêu cầu: gửi một đối tượng JSON."}]


def test_a_missing_multipart_file_keeps_its_name(signed_in):
    r = signed_in.post("/api/v1/files", {})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "file"


def test_an_overlong_idempotency_key_is_an_error_of_its_header(signed_in):
    r = signed_in.post("/api/v1/dossiers", {"procedure": "1.001193"}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["path"] == "Idempotency-Key" and "200" in error["message"]
