"""A stored object missing from the storage (deleted from the bucket, a restore without files) or a
storage that cannot be read just now never makes the store answer 500: an issued result or receipt
is filed with its size unknown and the issuance goes on; a download or a shared link gets a
Vietnamese page (404 missing, 503 unreadable) or problem+json, and records no read; reuse in a
dossier is refused with the reason. The store's list shows each document's size, "—" when unknown."""

from __future__ import annotations

import logging

import pytest
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat

from opendvc.catalog.models import Procedure
from opendvc.core.tests.s3server import s3_client, unreachable_storages
from opendvc.core.tests.storage_faults import unreadable_disk
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument, ResultDownload
from opendvc.dossiers.tests.conftest import checked_pdf, sign_in, submitted_dossier
from opendvc.vault import services
from opendvc.vault.models import ShareAccess, StoredDocument
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
        unreadable_disk(monkeypatch, receipt.file.name)
    with caplog.at_level(logging.WARNING, logger="opendvc.vault.services"):
        stored = services.document_file(dossier_document=receipt)
    assert (stored.source, _sized(stored), stored.owner) == ("receipt", 0, citizen)
    assert any(receipt.file.name in r.getMessage() for r in caplog.records)
    # Filed once: a second filing finds it.
    assert services.document_file(dossier_document=receipt).pk == stored.pk


# -- the store's pages and API ---------------------------------------------------------------------


def test_the_store_lists_each_documents_size_and_a_dash_when_unknown(
    client, procedure, citizen, officer
):
    upload = _upload(citizen)
    d = submitted_dossier(procedure, citizen)
    dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    receipt = StoredDocument.objects.get(owner=citizen, source="receipt")
    unsized = _upload(citizen, "Căn cước công dân")
    StoredDocument.objects.filter(pk=unsized.pk).update(size=0)
    default_storage.delete(unsized.file.name)  # the list reads no object
    sign_in(client, citizen)
    r = client.get("/kho-du-lieu/")
    assert r.status_code == 200
    page = r.content.decode()
    cards = page.split('<li class="card">')[1:]
    by_id = {str(doc.public_id): doc for doc in (upload, receipt, unsized)}
    shown = {
        pid: card.split("Kích thước</dt><dd>")[1].split("</dd>")[0]
        for card in cards
        for pid in by_id
        if f"/kho-du-lieu/{pid}/" in card
    }
    assert shown == {
        str(upload.public_id): filesizeformat(upload.size),
        str(receipt.public_id): filesizeformat(receipt.size),
        str(unsized.public_id): "—",
    }
    # In Vietnamese number formatting, as the quota above the list (a decimal comma: "1,2 KB").
    assert "," in shown[str(receipt.public_id)] and "." not in shown[str(receipt.public_id)]


def test_a_missing_result_gets_a_page_and_is_no_download(
    client, procedure, citizen, officer, leader, django_capture_on_commit_callbacks
):
    d = _approved_not_issued(procedure, citizen, officer, leader, django_capture_on_commit_callbacks)
    services.result_issue(dossier=d)
    stored = StoredDocument.objects.get(owner=citizen, source="result")
    default_storage.delete(stored.stored.name)
    sign_in(client, citizen)
    assert client.get("/kho-du-lieu/").status_code == 200
    r = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/")
    assert r.status_code == 404 and MISSING in r.content.decode()
    r = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/", HTTP_ACCEPT="application/json")
    assert (r.status_code, r["Content-Type"]) == (404, "application/problem+json")
    assert r.json()["code"] == "file_missing"
    assert not ResultDownload.objects.filter(dossier=d).exists()


@pytest.mark.parametrize("shape", ["deleted", "no_file"])
def test_a_missing_upload_gets_a_page_and_its_shared_link_logs_no_read(client, citizen, shape):
    doc = _upload(citizen)
    link = services.share_create(document=doc, actor=citizen, days=3)
    if shape == "deleted":
        default_storage.delete(doc.file.name)
    else:  # a row that names no file
        StoredDocument.objects.filter(pk=doc.pk).update(file="")
    sign_in(client, citizen)
    r = client.get(f"/kho-du-lieu/{doc.public_id}/tai-ve/")
    assert r.status_code == 404 and MISSING in r.content.decode()
    client.logout()
    r = client.get(f"/kho-du-lieu/chia-se/{link.token}/")
    assert r.status_code == 404 and MISSING in r.content.decode()
    assert not ShareAccess.objects.filter(link=link).exists()


def test_an_unreadable_storage_gets_a_page_saying_to_try_again(client, citizen, monkeypatch):
    doc = _upload(citizen)
    link = services.share_create(document=doc, actor=citizen, days=3)
    unreadable_disk(monkeypatch)
    sign_in(client, citizen)
    r = client.get(f"/kho-du-lieu/{doc.public_id}/tai-ve/")
    assert (r.status_code, r["Retry-After"]) == (503, "60")
    assert UNREADABLE in r.content.decode()
    r = client.get(f"/kho-du-lieu/{doc.public_id}/tai-ve/", HTTP_ACCEPT="application/json")
    assert (r.status_code, r.json()["code"]) == (503, "storage_unavailable")
    client.logout()
    assert client.get(f"/kho-du-lieu/chia-se/{link.token}/").status_code == 503
    assert not ShareAccess.objects.filter(link=link).exists()


@pytest.mark.parametrize("failure", ["deleted", "unreadable"])
def test_reuse_of_a_document_whose_file_cannot_be_read_is_refused(
    client, procedure, citizen, justice, monkeypatch, failure
):
    component = procedure.components.get(name="Giấy chứng sinh")
    draft = dossier_services.dossier_create_draft(
        applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen,
        channel="online",
    )
    sized, unsized = _upload(citizen), _upload(citizen)
    StoredDocument.objects.filter(pk=unsized.pk).update(size=0)
    names = [sized.file.name, unsized.file.name]
    if failure == "deleted":
        for name in names:
            default_storage.delete(name)
    else:
        unreadable_disk(monkeypatch, *names)
    expected = {"deleted": (404, "file_missing"), "unreadable": (503, "storage_unavailable")}
    sign_in(client, citizen)
    for doc in (sized, unsized):
        r = client.post(
            f"/api/v1/vault/documents/{doc.public_id}/reuse",
            {"dossier": str(draft.public_id), "component": component.pk},
            content_type="application/json",
        )
        assert (r.status_code, r.json()["code"]) == expected[failure]
        refs, errors = services.filing_references(owner=citizen, chosen=[(component, doc.public_id)])
        assert refs == [] and len(errors) == 1 and "Giấy chứng sinh" in errors[0]
    assert not draft.files.exists()


# -- an S3-compatible storage ----------------------------------------------------------------------


def test_on_s3_a_deleted_object_gets_404_and_an_outage_503_and_both_are_filed_unsized(
    bucket, s3_endpoint, client, procedure, citizen, officer, settings
):
    gone, later = (_received_receipt(procedure, citizen, officer) for _ in range(2))
    s3_client(s3_endpoint).delete_object(Bucket=bucket, Key=f"media/{gone.file.name}")
    stored = services.document_file(dossier_document=gone)
    assert _sized(stored) == 0
    upload = _upload(citizen)
    sign_in(client, citizen)
    r = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/")
    assert r.status_code == 404 and MISSING in r.content.decode()
    assert client.get(f"/kho-du-lieu/{upload.public_id}/tai-ve/").status_code == 200
    # The bucket's server cannot be reached (refused at once, no retries).
    settings.STORAGES = unreachable_storages(bucket)
    assert _sized(services.document_file(dossier_document=later)) == 0
    r = client.get(f"/kho-du-lieu/{upload.public_id}/tai-ve/", HTTP_ACCEPT="application/json")
    assert (r.status_code, r.json()["code"]) == (503, "storage_unavailable")
    r = client.get(f"/kho-du-lieu/{upload.public_id}/tai-ve/")
    assert r.status_code == 503 and UNREADABLE in r.content.decode()
