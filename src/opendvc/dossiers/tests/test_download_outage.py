"""A dossier's stored file that is missing from the storage (a lost bucket, a restore without files)
or a storage that cannot be read just now never makes a download a server error, on the applicant's
side or the office's: a Vietnamese page (404 missing, 503 with ``Retry-After`` unreadable) or
problem+json. A result that could not be read is no recorded download; one that was read is."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from opendvc.core.tests.s3server import unreachable_storages
from opendvc.core.tests.storage_faults import unreadable_disk
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier, DossierDocument, ResultDownload

from .conftest import sign_in, small_pdf, submitted_dossier

pytestmark = pytest.mark.django_db

MISSING = "không còn trong kho lưu trữ"
UNREADABLE = "tạm thời không đọc được"
EXPECTED = {"deleted": (404, MISSING, "file_missing"), "unreadable": (503, UNREADABLE, "storage_unavailable")}


def _returned(procedure, citizen) -> tuple[Dossier, DossierDocument]:
    """A dossier whose result is issued to the applicant online."""
    d = submitted_dossier(procedure, citizen)
    doc = DossierDocument(dossier=d, kind="result", sha256=hashlib.sha256(small_pdf()).hexdigest())
    doc.file.save("ket-qua.pdf", ContentFile(small_pdf()), save=False)
    doc.save()
    Dossier.objects.filter(pk=d.pk).update(status=State.RETURNED)
    return Dossier.objects.get(pk=d.pk), doc


def _urls(d: Dossier, doc: DossierDocument) -> dict[tuple[str, str], tuple[str, str]]:
    """Each download view as ``(side, what) -> (url, stored name)``."""
    f = d.files.first()
    return {
        ("citizen", "file"): (f"/ho-so-cua-toi/{d.public_id}/tep/{f.pk}/", f.file.name),
        ("citizen", "result"): (f"/ho-so-cua-toi/{d.public_id}/giay-to/{doc.pk}/", doc.file.name),
        ("officer", "file"): (f"/mot-cua/ho-so/{d.code}/tep/{f.pk}/", f.file.name),
        ("officer", "result"): (f"/mot-cua/ho-so/{d.code}/giay-to/{doc.pk}/", doc.file.name),
    }


@pytest.mark.parametrize("failure", ["deleted", "unreadable"])
@pytest.mark.parametrize("side", ["citizen", "officer"])
def test_a_file_that_cannot_be_read_gets_a_page_and_no_download_is_recorded(
    client, procedure, citizen, officer, monkeypatch, side, failure
):
    d, doc = _returned(procedure, citizen)
    urls = _urls(d, doc)
    status, text, code = EXPECTED[failure]
    sign_in(client, citizen if side == "citizen" else officer)
    for what in ("file", "result"):
        url, name = urls[(side, what)]
        if failure == "deleted":
            default_storage.delete(name)
        else:
            unreadable_disk(monkeypatch, name)
        r = client.get(url)
        assert (r.status_code, text in r.content.decode()) == (status, True), (side, what)
        r = client.get(url, HTTP_ACCEPT="application/json")
        assert (r.status_code, r.json()["code"]) == (status, code), (side, what)
        if failure == "unreadable":
            assert r["Retry-After"] == "60"
    assert not ResultDownload.objects.filter(dossier=d).exists()


def test_a_result_read_is_recorded_once_per_download(client, procedure, citizen, monkeypatch):
    d, doc = _returned(procedure, citizen)
    other, other_doc = _returned(procedure, citizen)
    unreadable_disk(monkeypatch, other_doc.file.name)
    sign_in(client, citizen)
    r = client.get(f"/ho-so-cua-toi/{d.public_id}/giay-to/{doc.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == small_pdf()
    assert client.get(f"/ho-so-cua-toi/{other.public_id}/giay-to/{other_doc.pk}/").status_code == 503
    assert list(ResultDownload.objects.values_list("dossier", flat=True)) == [d.pk]


def test_on_s3_an_outage_gives_503_and_records_no_download(
    bucket, s3_endpoint, client, procedure, citizen, settings
):
    d, doc = _returned(procedure, citizen)
    sign_in(client, citizen)
    settings.STORAGES = unreachable_storages(bucket)
    for url in (
        f"/ho-so-cua-toi/{d.public_id}/giay-to/{doc.pk}/",
        f"/ho-so-cua-toi/{d.public_id}/tep/{d.files.first().pk}/",
    ):
        r = client.get(url)
        assert (r.status_code, r["Retry-After"]) == (503, "60") and UNREADABLE in r.content.decode()
    assert not ResultDownload.objects.filter(dossier=d).exists()
