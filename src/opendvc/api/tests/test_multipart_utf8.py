"""A multipart upload whose file name or text field is not UTF-8 is refused as such (400), not
reported as a missing file nor stored with U+FFFD in place of what was sent."""

from __future__ import annotations

import pytest
from django.test import Client

from opendvc.accounts.models import User

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
BOUNDARY = "ranh-gioi-7d3a"


@pytest.fixture
def person():
    return User.objects.create_user(email="tai-len@example.vn", password="mat-khau-dai-123")


@pytest.fixture
def signed_in(person):
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


def _pdf() -> bytes:
    from opendvc.dossiers.tests.conftest import pdf_bytes

    return pdf_bytes()


def _body(*, filename: bytes, document_type: bytes, padding: int = 0) -> bytes:
    """The upload, after a part of ``padding`` bytes the handler does not read (a large one makes
    the body streamed to the parser in chunks)."""
    b = BOUNDARY.encode()
    pad = (
        [
            b"--" + b + b"\r\n",
            b'Content-Disposition: form-data; name="dem"; filename="dem.bin"\r\n\r\n',
            b"x" * padding + b"\r\n",
        ]
        if padding
        else []
    )
    return b"".join(
        [
            *pad,
            b"--" + b + b"\r\n",
            b'Content-Disposition: form-data; name="document_type"\r\n\r\n',
            document_type + b"\r\n",
            b"--" + b + b"\r\n",
            b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n',
            b"Content-Type: application/pdf\r\n\r\n",
            _pdf() + b"\r\n",
            b"--" + b + b"--\r\n",
        ]
    )


def _post(client, body: bytes):
    return client.post(
        "/api/v1/vault/documents", body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )


def _stored(person) -> bool:
    from opendvc.vault.models import StoredDocument

    return StoredDocument.objects.filter(owner=person).exists()


@pytest.mark.parametrize("padding", [0, 3 * 1024 * 1024], ids=["in-memory", "streamed"])
def test_a_file_name_that_is_not_utf8_is_400_not_a_missing_file(signed_in, person, padding):
    response = _post(
        signed_in, _body(filename=b"\xff\xfe.pdf", document_type=b"CCCD", padding=padding)
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["reason"] == "not_utf8" and "UTF-8" in body["detail"]
    assert not _stored(person)


@pytest.mark.parametrize("padding", [0, 3 * 1024 * 1024], ids=["in-memory", "streamed"])
def test_a_text_field_that_is_not_utf8_is_400_not_stored_with_replacement(
    signed_in, person, padding
):
    response = _post(
        signed_in, _body(filename=b"cccd.pdf", document_type=b"\xff\xfe", padding=padding)
    )
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["errors"] == [
        {"path": "document_type", "message": "Không phải văn bản UTF-8 hợp lệ."}
    ]
    assert not _stored(person)


def test_a_replacement_character_in_a_file_name_is_refused(signed_in, person):
    response = _post(
        signed_in,
        _body(filename="\ufffd.pdf".encode(), document_type=b"CCCD"),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "file"
    assert not _stored(person)


@pytest.mark.parametrize("padding", [0, 3 * 1024 * 1024], ids=["in-memory", "streamed"])
def test_utf8_names_and_fields_are_accepted(signed_in, person, padding):
    response = _post(
        signed_in,
        _body(
            filename="căn cước.pdf".encode(),
            document_type=b"CCCD",
            padding=padding,
        ),
    )
    assert response.status_code == 201, response.content[:300]
    assert _stored(person)


@pytest.mark.parametrize("bad", [False, True])
def test_part_headers_are_checked_wherever_the_stream_is_cut(bad):
    import io

    from opendvc.core.middleware import _PartHeaders

    body = _body(filename=b"\xff\xfe.pdf" if bad else b"cccd.pdf", document_type=b"\xff CCCD")
    for size in (1, 2, 3, 7, 16, 61, 1000):
        scanner = _PartHeaders(BOUNDARY.encode())
        scanner.stream = io.BytesIO(body)
        while scanner.read(size):
            pass
        assert scanner.undecodable is bad, size
