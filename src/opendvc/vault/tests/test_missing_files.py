"""A stored object missing from the storage (deleted from the bucket, a restore without files) or a
storage that cannot be read just now never makes the store answer 500: an issued result or receipt
is filed with its size unknown and the issuance goes on; a download or a shared link gets a
Vietnamese page (404 missing, 503 unreadable) or problem+json, and records no read; reuse in a
dossier is refused with the reason. The store's list shows each document's size, "—" when unknown."""

from __future__ import annotations

import errno
import logging

import pytest
from django.core.files.storage import default_storage

from opendvc.catalog.models import Procedure
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument
from opendvc.dossiers.tests.conftest import checked_pdf, submitted_dossier
from opendvc.vault import services
from opendvc.vault.models import StoredDocument
from opendvc.vault.testing import without_online_issuance

pytestmark = pytest.mark.django_db

MISSING = "không còn trong kho lưu trữ"
UNREADABLE = "tạm thời không đọc được"


def _upload(owner, document_type="Giấy chứng sinh"):
    return services.document_upload(owner=owner, checked=checked_pdf(), document_type=document_type)


def _received_receipt(procedure, citizen, officer) -> DossierDocument:
    """The receipt issued at reception, its store entry removed (as before it was filed)."""
    d = submitted_dossier(procedure, citizen)
    dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    doc = DossierDocument.objects.get(dossier=d, kind="receipt")
    StoredDocument.objects.filter(dossier_document=doc).delete()
    return doc


def _approved_not_issued(procedure, citizen, officer, leader, capture) -> Dossier:
    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # online return
    d = submitted_dossier(procedure, citizen)
    for action in ("receive", "start_processing"):
        d = dossier_services.dossier_act(dossier=d, action=action, actor=officer)
    with without_online_issuance(), capture(execute=True):
        dossier_services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    return Dossier.objects.get(pk=d.pk)


def _unreadable_disk(monkeypatch, *names):
    """The local storage fails to read ``names`` (a disk error), or every object when none is given."""
    storage = type(default_storage._wrapped)
    real_open, real_size = storage._open, storage.size

    def failing(real):
        def read(self, name, *args):
            if not names or name in names:
                raise OSError(errno.EIO, "Input/output error")
            return real(self, name, *args)

        return read

    monkeypatch.setattr(storage, "_open", failing(real_open))
    monkeypatch.setattr(storage, "size", failing(real_size))


def _sized(doc) -> int:
    return StoredDocument.objects.get(pk=doc.pk).size


# -- filing issued documents -----------------------------------------------------------------------


def test_a_result_whose_object_is_missing_is_issued_with_its_size_unknown(
    procedure, citizen, officer, leader, django_capture_on_commit_callbacks, caplog
):
    d = _approved_not_issued(procedure, citizen, officer, leader, django_capture_on_commit_callbacks)
    result = DossierDocument.objects.get(dossier=d, kind="result")
    default_storage.delete(result.file.name)
    with caplog.at_level(logging.WARNING, logger="opendvc.vault.services"):
        done = services.result_issue(dossier=d)
    assert done.status == "returned"
    stored = StoredDocument.objects.get(dossier_document=result)
    assert (stored.source, stored.size) == ("result", 0)
    assert services.unsized_documents().filter(pk=stored.pk).exists()
    assert any(result.file.name in r.getMessage() and "missing" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("failure", ["deleted", "unreadable"])
def test_a_receipt_whose_object_cannot_be_read_is_filed_with_its_size_unknown(
    procedure, citizen, officer, monkeypatch, caplog, failure
):
    receipt = _received_receipt(procedure, citizen, officer)
    if failure == "deleted":
        default_storage.delete(receipt.file.name)
    else:
        _unreadable_disk(monkeypatch, receipt.file.name)
    with caplog.at_level(logging.WARNING, logger="opendvc.vault.services"):
        stored = services.document_file(dossier_document=receipt)
    assert (stored.source, _sized(stored), stored.owner) == ("receipt", 0, citizen)
    assert any(receipt.file.name in r.getMessage() for r in caplog.records)
    # Filed once: a second filing finds it.
    assert services.document_file(dossier_document=receipt).pk == stored.pk
