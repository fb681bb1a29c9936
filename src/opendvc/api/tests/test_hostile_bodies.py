"""Bodies no client should send, answered with a problem and nothing stored: NUL characters in a
multipart upload's text fields, and JSON nested deeper than the decoder reads (with a NUL escape or a
long number, which the NUL/number check decodes before the API does)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from opendvc.accounts.models import User

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def person():
    return User.objects.create_user(email="nguoi-dan@example.vn", password="mat-khau-dai-123")


@pytest.fixture
def signed_in(person):
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


def _pdf() -> SimpleUploadedFile:
    from opendvc.dossiers.tests.conftest import pdf_bytes

    return SimpleUploadedFile("cccd.pdf", pdf_bytes(), "application/pdf")


@pytest.mark.parametrize(
    "fields",
    [
        {"document_type": "CCCD\x00"},
        {"document_type": "CCCD", "ghi\x00chu": "x"},
    ],
)
def test_nul_in_an_api_uploads_text_field_is_400_and_nothing_is_stored(signed_in, person, fields):
    from opendvc.vault.models import StoredDocument

    response = signed_in.post("/api/v1/vault/documents", {**fields, "file": _pdf()})
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    assert "NUL" in response.json()["detail"]
    assert not StoredDocument.objects.filter(owner=person).exists()


def test_nul_in_an_upload_is_400_on_postgresql_too(postgres_db, signed_in, person):
    test_nul_in_an_api_uploads_text_field_is_400_and_nothing_is_stored(
        signed_in, person, {"document_type": "CCCD\x00"}
    )


def test_the_same_upload_without_nul_is_not_refused_by_the_check(signed_in):
    response = signed_in.post("/api/v1/vault/documents", {"document_type": "CCCD", "file": _pdf()})
    assert response.status_code != 400 and response.status_code < 500, response.content[:300]


@pytest.mark.parametrize("flaw", ['"\\u0000"', "1234567890123456"])
@pytest.mark.parametrize(
    "path", ["/api/v1/postal/tracking", "/api/v1/integrations/onestop/events", "/api/v1/dossiers"]
)
def test_deeply_nested_json_with_a_nul_or_a_long_number_is_malformed_not_500(flaw, path):
    depth = 1000
    body = '{"x":' + flaw + ',"a":' + "[" * depth + "]" * depth + "}"
    response = Client(raise_request_exception=False).post(
        path, body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("size", [100, 3 * 1024 * 1024])
@pytest.mark.parametrize("path", ["/api/v1/postal/tracking", "/api/v1/integrations/onestop/events"])
def test_a_multipart_body_to_an_endpoint_reading_the_raw_body_is_not_500(settings, path, size):
    """The NUL check parses a multipart form before the handler; a signed webhook that reads the raw
    body still can (a small body) or is told it is too large (beyond the in-memory limit)."""
    settings.POSTAL_WEBHOOK_SECRET = "bi-mat"
    settings.ONESTOP_SECRET = "bi-mat"
    response = Client(raise_request_exception=False).post(
        path,
        {"ghi_chu": "x", "file": SimpleUploadedFile("a.bin", b"a" * size)},
        headers={"X-Postal-Signature": "0" * 64, "X-Signature": "0" * 64},
    )
    assert response.status_code in (400, 401, 413), response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
