"""A storage that cannot be read or written while an action needs a stored file inside its request
(a result signed inside the approval, the leader's result file, the applicant's supplementary
papers) refuses the action cleanly: 503 with ``Retry-After``, a Vietnamese page keeping what was
typed or a ``storage_unavailable`` problem, the dossier, its history and the audit trail unchanged,
no file left behind; the same action succeeds once the storage is back."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.audit.models import AuditEntry
from opendvc.core.problems import ProblemError
from opendvc.core.tests.s3server import unreachable_storages
from opendvc.core.tests.storage_faults import unreadable_disk, unwritable_disk
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument, DossierEvent, DossierFile, Upload
from opendvc.dossiers.tests.conftest import checked_pdf, sign_in, small_pdf
from opendvc.signing.models import SignedDocument

from .conftest import configure_agency, in_processing

pytestmark = pytest.mark.django_db

MESSAGE = "Kho lưu trữ tệp tạm thời không đọc được; thao tác chưa được thực hiện"


def _stored_pdfs(settings) -> set[str]:
    return {str(p) for p in settings.MEDIA_ROOT.rglob("*.pdf")} if settings.MEDIA_ROOT.exists() else set()


def _unchanged(d: Dossier, action: str) -> None:
    now = Dossier.objects.get(pk=d.pk)
    assert (now.status, now.version) == (d.status, d.version)
    assert not DossierEvent.objects.filter(dossier=d, action=action).exists()
    assert not AuditEntry.objects.filter(action=f"dossier.{action}").exists()


def _down(kind: str, monkeypatch, settings) -> None:
    if kind == "disk":
        unwritable_disk(monkeypatch)
        unreadable_disk(monkeypatch)
    else:
        settings.STORAGES = unreachable_storages("opendvc-test")


def _up(kind: str, monkeypatch, settings, storages) -> None:
    monkeypatch.undo()
    settings.STORAGES = storages


@pytest.mark.parametrize("with_file", [False, True], ids=["rendered result", "leader's file too"])
def test_an_approval_signed_inside_it_is_not_applied_while_the_storage_is_unreadable(
    trust, procedure, citizen, officer, leader, justice, monkeypatch, settings, with_file
):
    """Without a request (a command, a worker) the result is made and signed inside the approval."""
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = in_processing(procedure, citizen, officer)
    files = [checked_pdf("giay-khai-sinh.pdf")] if with_file else []
    before = _stored_pdfs(settings)
    unreadable_disk(monkeypatch)

    def approve():
        return dossier_services.dossier_act_with_files(
            dossier=Dossier.objects.get(pk=d.pk), action="approve", actor=leader, files=files,
            files_input="result_files", result="Giấy khai sinh",
        )

    with pytest.raises(ProblemError) as caught:
        approve()
    assert (caught.value.code, caught.value.status) == ("storage_unavailable", 503)
    _unchanged(d, "approve")
    assert not DossierDocument.objects.filter(dossier=d, kind="result").exists()
    assert not Upload.objects.exists()
    assert _stored_pdfs(settings) == before  # the rendered result and the leader's file removed

    monkeypatch.undo()
    done = approve()
    assert done.status == "result_ready"
    results = DossierDocument.objects.filter(dossier=d, kind="result")
    assert results.count() == 1 + len(files)
    assert SignedDocument.objects.filter(document__in=results).count() == results.count()
    assert AuditEntry.objects.filter(action="dossier.approve").count() == 1


@pytest.mark.parametrize("kind", ["disk", "s3"])
def test_the_approval_page_with_a_result_file_answers_503_and_keeps_the_text(
    trust, client, procedure, citizen, officer, leader, justice, monkeypatch, settings, kind
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = in_processing(procedure, citizen, officer)
    storages = settings.STORAGES
    sign_in(client, leader)
    before = _stored_pdfs(settings)

    def post():
        return client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
            "action": "approve", "result": "Cấp trích lục khai sinh số 12/2026", "version": d.version,
            "result_files": SimpleUploadedFile("giay-khai-sinh.pdf", small_pdf(), "application/pdf")})

    _down(kind, monkeypatch, settings)
    r = post()
    page = r.content.decode()
    assert (r.status_code, r["Retry-After"]) == (503, "60")
    assert MESSAGE in page and "Cấp trích lục khai sinh số 12/2026</textarea>" in page
    _unchanged(d, "approve")
    assert not Upload.objects.exists() and not AuditEntry.objects.filter(action="dossier.upload").exists()
    _up(kind, monkeypatch, settings, storages)
    assert _stored_pdfs(settings) == before

    r = post()
    assert r.status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == "result_ready"
    assert AuditEntry.objects.filter(action="dossier.approve").count() == 1


@pytest.mark.parametrize("kind", ["disk", "s3"])
def test_an_api_upload_for_an_action_answers_storage_unavailable(
    client, procedure, citizen, officer, leader, monkeypatch, settings, kind
):
    d = in_processing(procedure, citizen, officer)
    storages = settings.STORAGES
    sign_in(client, leader)
    _down(kind, monkeypatch, settings)
    r = client.post("/api/v1/files", {"file": SimpleUploadedFile("ket-qua.pdf", small_pdf())})
    assert (r.status_code, r["Retry-After"], r["Content-Type"]) == (503, "60", "application/problem+json")
    assert r.json()["code"] == "storage_unavailable" and MESSAGE in r.json()["detail"]
    assert not Upload.objects.exists()
    _up(kind, monkeypatch, settings, storages)

    upload = client.post("/api/v1/files", {"file": SimpleUploadedFile("ket-qua.pdf", small_pdf())})
    assert upload.status_code == 201
    r = client.post(f"/api/v1/dossiers/{d.code}/actions",
                    {"action": "approve", "result": "Giấy khai sinh", "result_files": [upload.json()["id"]]},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "result_ready"


@pytest.mark.parametrize("kind", ["disk", "s3"])
def test_a_supply_while_the_storage_is_down_answers_503_and_keeps_the_note(
    client, procedure, citizen, officer, leader, monkeypatch, settings, kind
):
    d = in_processing(procedure, citizen, officer)
    d = dossier_services.dossier_act(dossier=d, action="request_supplement", actor=leader, items=["Trích lục"])
    storages = settings.STORAGES
    sign_in(client, citizen)
    before, files = _stored_pdfs(settings), DossierFile.objects.filter(dossier=d).count()

    def post():
        return client.post(f"/ho-so-cua-toi/{d.public_id}/bo-sung/", {
            "ghi-chu": "Bản sao có chứng thực",
            "tep": SimpleUploadedFile("trich-luc.pdf", small_pdf(), "application/pdf")})

    _down(kind, monkeypatch, settings)
    r = post()
    page = r.content.decode()
    assert (r.status_code, r["Retry-After"]) == (503, "60")
    assert MESSAGE in page and "Bản sao có chứng thực</textarea>" in page
    _unchanged(d, "supply")
    assert DossierFile.objects.filter(dossier=d).count() == files
    assert not AuditEntry.objects.filter(action="dossier.supplement_files").exists()
    _up(kind, monkeypatch, settings, storages)
    assert _stored_pdfs(settings) == before

    assert post().status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == "processing"
