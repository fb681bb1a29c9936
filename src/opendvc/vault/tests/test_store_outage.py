"""A storage that cannot be written while a citizen stores a paper in their own store refuses the
upload cleanly: 503 with ``Retry-After``, the store's page in Vietnamese keeping what was typed, or a
``storage_unavailable`` problem; no row without its file and no file without its row. The same upload
succeeds once the storage is back."""

from __future__ import annotations

import errno

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.audit.models import AuditEntry
from opendvc.core.tests.s3server import unreachable_storages
from opendvc.core.tests.storage_faults import unwritable_disk
from opendvc.dossiers.tests.conftest import checked_pdf, sign_in, small_pdf
from opendvc.vault import services
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db

MESSAGE = "Kho lưu trữ tệp tạm thời không đọc được; thao tác chưa được thực hiện"


def _stored(settings) -> set[str]:
    folder = settings.MEDIA_ROOT / "vault"
    return {str(p) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def _down(kind: str, monkeypatch, settings) -> None:
    if kind == "disk":
        unwritable_disk(monkeypatch)
    else:
        settings.STORAGES = unreachable_storages("opendvc-test")


def _nothing_stored(citizen, settings) -> None:
    assert not StoredDocument.objects.filter(owner=citizen).exists()
    assert not AuditEntry.objects.filter(action="vault.upload").exists()
    assert _stored(settings) == set()


@pytest.mark.parametrize("kind", ["disk", "s3"])
def test_the_store_page_answers_503_and_keeps_what_was_typed(
    client, citizen, monkeypatch, settings, kind
):
    storages = settings.STORAGES
    sign_in(client, citizen)
    typed = {
        "document_type": "Giấy phép lái xe hạng B2",
        "issuer": "Sở Giao thông vận tải",
        "number": "790123456789",
        "issued_on": "15/03/2021",
        "expires_on": "15/03/2031",
    }

    def post():
        return client.post(
            "/kho-du-lieu/",
            {**typed, "file": SimpleUploadedFile("bang-lai.pdf", small_pdf(), "application/pdf")},
        )

    _down(kind, monkeypatch, settings)
    r = post()
    page = r.content.decode()
    assert (r.status_code, r["Retry-After"]) == (503, "60")
    assert MESSAGE in page and "hãy chọn lại tệp" in page
    for value in typed.values():
        assert f'value="{value}"' in page
    monkeypatch.undo()
    settings.STORAGES = storages
    _nothing_stored(citizen, settings)

    r = post()
    assert r.status_code == 302
    doc = StoredDocument.objects.get(owner=citizen)
    assert (doc.number, doc.issued_on.isoformat()) == ("790123456789", "2021-03-15")
    assert doc.file.read() == small_pdf()
    assert AuditEntry.objects.filter(action="vault.upload").count() == 1


@pytest.mark.parametrize("kind", ["disk", "s3"])
def test_the_api_upload_answers_storage_unavailable(client, citizen, monkeypatch, settings, kind):
    storages = settings.STORAGES
    sign_in(client, citizen)

    def post():
        return client.post(
            "/api/v1/vault/documents",
            {
                "document_type": "Căn cước công dân",
                "number": "079200001234",
                "issued_on": "2022-01-05",
                "file": SimpleUploadedFile("can-cuoc.pdf", small_pdf()),
            },
        )

    _down(kind, monkeypatch, settings)
    r = post()
    assert (r.status_code, r["Retry-After"], r["Content-Type"]) == (
        503,
        "60",
        "application/problem+json",
    )
    assert r.json()["code"] == "storage_unavailable" and MESSAGE in r.json()["detail"]
    monkeypatch.undo()
    settings.STORAGES = storages
    _nothing_stored(citizen, settings)

    r = post()
    assert r.status_code == 201 and r.json()["number"] == "079200001234"
    assert StoredDocument.objects.filter(owner=citizen).count() == 1


def test_a_row_that_fails_removes_its_file_even_while_deleting_fails(citizen, monkeypatch, settings):
    """The row's own error is the one raised; a file the storage cannot delete just now stays, named
    by no row."""
    storage = type(storages["default"])

    def refused(**kwargs):
        raise RuntimeError("audit trail not written")

    monkeypatch.setattr(services, "audit_record", refused)
    with pytest.raises(RuntimeError, match="audit trail"):
        services.document_upload(owner=citizen, checked=checked_pdf(), document_type="Hộ chiếu")
    assert not StoredDocument.objects.exists() and _stored(settings) == set()

    def broken(self, name):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(storage, "delete", broken)
    with pytest.raises(RuntimeError, match="audit trail"):
        services.document_upload(owner=citizen, checked=checked_pdf(), document_type="Hộ chiếu")
    assert not StoredDocument.objects.exists()


def test_a_deletion_stands_when_the_storage_cannot_delete_the_file(
    client, citizen, monkeypatch, settings, django_capture_on_commit_callbacks
):
    docs = [
        services.document_upload(owner=citizen, checked=checked_pdf(), document_type=kind)
        for kind in ("Hộ chiếu", "Giấy khai sinh")
    ]
    sign_in(client, citizen)
    settings.STORAGES = unreachable_storages("opendvc-test")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/kho-du-lieu/{docs[0].public_id}/xoa/")
    assert r.status_code == 302
    assert list(StoredDocument.objects.values_list("pk", flat=True)) == [docs[1].pk]
    assert AuditEntry.objects.filter(action="vault.delete").count() == 1
