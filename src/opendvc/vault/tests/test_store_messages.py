"""The store's messages read as sentences, the upload form reports every error at once, and a repeated
delete or reuse does its work once."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.audit.models import AuditEntry
from opendvc.catalog.models import Procedure
from opendvc.core.problems import ProblemError
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import DossierFile
from opendvc.dossiers.tests.conftest import checked_pdf, sign_in, small_pdf, submitted_dossier
from opendvc.vault import services
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db


def _upload(owner, document_type="Giấy chứng sinh", **kw):
    return services.document_upload(
        owner=owner, checked=checked_pdf(), document_type=document_type, **kw
    )


def _draft(procedure, citizen, justice):
    return dossier_services.dossier_create_draft(
        applicant=citizen,
        procedure=procedure,
        receiving_agency=justice,
        actor=citizen,
        channel="online",
    )


def test_a_withheld_results_download_and_share_say_the_whole_sentence(
    client, procedure, citizen, officer, leader, django_capture_on_commit_callbacks
):
    Procedure.objects.filter(pk=procedure.pk).update(level=3)
    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    d = dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    stored = StoredDocument.objects.get(owner=citizen, source="result")
    client.force_login(citizen)
    for response in (
        client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/"),
        client.post(f"/kho-du-lieu/{stored.public_id}/chia-se/", {"days": "3"}),
    ):
        assert response.status_code == 302
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert shown and "nhận kết quả trực tuyến" not in shown
        for text in shown:
            assert text.startswith("Thủ tục “") and "mức độ 3" in text
            assert "không cung cấp nhận kết quả trực tuyến" in text
            # The field's sentence is the detail's first: said once.
            assert text.count("không cung cấp") == 1


def test_a_field_error_sentence_is_shown_as_it_is():
    from opendvc.vault.views import _messages

    problem = ProblemError(
        "validation_error",
        "Thông tin giấy tờ chưa hợp lệ.",
        extra={
            "errors": [{"path": "issued_on", "message": "Ngày cấp phải từ 01/01/1900 đến hôm nay."}]
        },
    )
    assert _messages(problem) == ["Ngày cấp phải từ 01/01/1900 đến hôm nay."]
    fragment = ProblemError(
        "x", "Câu đầy đủ.", extra={"errors": [{"path": "p", "message": "mảnh câu"}]}
    )
    assert _messages(fragment) == ["Câu đầy đủ."]


def test_the_quota_message_names_the_file_the_space_used_and_the_limit(citizen, settings):
    from django.template.defaultfilters import filesizeformat

    size = checked_pdf().size
    settings.VAULT_QUOTA_BYTES = size * 3 // 2
    _upload(citizen)  # the store is not full: half a file's space is left
    with pytest.raises(ProblemError) as refused:
        services.document_upload(
            owner=citizen, checked=checked_pdf("to-khai.pdf"), document_type="Giấy chứng sinh"
        )
    detail = refused.value.detail
    assert refused.value.status == 413 and refused.value.code == "quota_exceeded"
    assert "đã đầy" not in detail and "0 MB" not in detail
    assert "“to-khai.pdf”" in detail
    for amount in (size, size * 3 // 2, size * 3 // 2 - size):
        assert filesizeformat(amount) in detail


def test_the_upload_form_reports_the_dates_and_the_file_together(client, citizen):
    sign_in(client, citizen)
    r = client.post(
        "/kho-du-lieu/",
        {
            "document_type": "Giấy chứng sinh",
            "issued_on": "01/01/2030",
            "file": SimpleUploadedFile("rong.pdf", b""),
        },
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert "Ngày cấp phải từ 01/01/1900 đến hôm nay." in page
    assert "rỗng" in page and "chọn lại tệp" in page
    # A good file with a bad date: the file is named, to be chosen again.
    r = client.post(
        "/kho-du-lieu/",
        {
            "document_type": "Giấy chứng sinh",
            "issued_on": "01/01/2030",
            "file": SimpleUploadedFile("a.pdf", small_pdf()),
        },
    )
    assert r.status_code == 422
    assert "Tệp “a.pdf” chưa được lưu" in r.content.decode()
    assert not StoredDocument.objects.filter(owner=citizen).exists()


def test_a_document_is_deleted_and_audited_once(citizen):
    doc = _upload(citizen)
    stale = StoredDocument.objects.get(pk=doc.pk)  # a second request that read it before the delete
    services.document_delete(document=doc, actor=citizen)
    with pytest.raises(ProblemError) as again:
        services.document_delete(document=stale, actor=citizen)
    assert again.value.status == 404
    assert AuditEntry.objects.filter(action="vault.delete").count() == 1


def test_the_same_document_is_attached_once(client, procedure, citizen, justice):
    doc = _upload(citizen, issued_on=date(2026, 1, 5))
    draft = _draft(procedure, citizen, justice)
    component = procedure.components.get(name="Giấy chứng sinh")
    services.document_reuse(dossier=draft, component=component, document=doc, actor=citizen)
    services.document_reuse(dossier=draft, component=component, document=doc, actor=citizen)
    assert DossierFile.objects.filter(dossier=draft, component=component).count() == 1
    sign_in(client, citizen)
    url = f"/api/v1/vault/documents/{doc.public_id}/reuse"
    body = {"dossier": str(draft.public_id), "component": component.pk}
    assert client.post(url, body, content_type="application/json").status_code == 200
    assert DossierFile.objects.filter(dossier=draft, component=component).count() == 1


def test_the_filing_page_attaches_a_document_ticked_twice_once(client, procedure, citizen, justice):
    doc = _upload(citizen, issued_on=date(2026, 1, 5))
    component = procedure.components.get(name="Giấy chứng sinh")
    client.force_login(citizen)
    saved = client.post(
        f"/nop-ho-so/{procedure.code}/",
        {"co-quan": justice.pk, "action": "nhap", f"kho-{component.pk}": [str(doc.public_id)] * 2},
    )
    assert saved.status_code == 302
    assert DossierFile.objects.filter(component=component).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deletions_delete_and_audit_once(citizen):
    """Two deletions sent together (PostgreSQL, where they run at once): one 204 and one entry."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    doc = _upload(citizen)
    copies = [StoredDocument.objects.get(pk=doc.pk) for _ in range(3)]
    outcomes: list[object] = []
    start = threading.Barrier(len(copies))

    def delete(copy):
        try:
            start.wait()
            services.document_delete(document=copy, actor=citizen)
            outcomes.append("deleted")
        except ProblemError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=delete, args=(c,)) for c in copies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [404, 404, "deleted"]
    assert AuditEntry.objects.filter(action="vault.delete").count() == 1


def test_a_problem_shows_each_sentence_once_on_a_page():
    problem = ProblemError(
        "not_offered_at_level",
        "Thủ tục “A” ở mức độ 2 không cung cấp nộp hồ sơ trực tuyến. Thủ tục có biểu mẫu để tải.",
        extra={
            "errors": [
                {"path": "procedure", "message": "Thủ tục “A” ở mức độ 2 không cung cấp nộp hồ sơ trực tuyến."},
                {"path": "x", "message": "Câu khác."},
            ]
        },
    )
    assert problem.messages() == [problem.detail, "Câu khác."]


def test_an_impossible_date_is_named_by_its_field(client, citizen):
    """31/02 is written dd/mm/yyyy but is no day: the message said only "Ngày phải theo dạng
    dd/mm/yyyy.", without telling which of the two dates to fix; it names the field and the fault."""
    sign_in(client, citizen)
    for field, label in (("issued_on", "Ngày cấp"), ("expires_on", "Ngày hết hạn")):
        r = client.post(
            "/kho-du-lieu/",
            {
                "document_type": "Giấy chứng sinh",
                field: "31/02/2026",
                "file": SimpleUploadedFile("a.pdf", small_pdf()),
            },
        )
        assert r.status_code == 422
        page = r.content.decode()
        assert f"{label} “31/02/2026” không phải ngày có thật" in page, field
        assert 'value="31/02/2026"' in page
    assert not StoredDocument.objects.filter(owner=citizen).exists()


def test_a_result_not_handed_over_yet_is_not_reused_in_a_dossier(
    client, procedure, citizen, officer, leader, justice, django_capture_on_commit_callbacks
):
    """The store does not open a result collected at the counter or by post before it is handed over
    (nor share it); reusing it in a dossier, where its file opens from the dossier's page, is refused
    the same way, and the filing page does not offer it."""
    from opendvc.dossiers.tests.conftest import make_procedure

    Procedure.objects.filter(pk=procedure.pk).update(level=3)
    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    d = dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    result = StoredDocument.objects.get(owner=citizen, source="result")
    assert services.document_withheld(result) is not None
    later = make_procedure(
        code="1.009999", components=(("Bản sao kết quả giải quyết hồ sơ trước", True),)
    )
    component = later.components.get()
    assert services.type_matches(component=component, document=result)
    draft = _draft(later, citizen, justice)
    sign_in(client, citizen)
    r = client.post(
        f"/api/v1/vault/documents/{result.public_id}/reuse",
        {"dossier": str(draft.public_id), "component": component.pk},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "not_offered_at_level"
    refs, errors = services.filing_references(owner=citizen, chosen=[(component, result.public_id)])
    assert refs == [] and "mức độ 3" in errors[0]
    assert services.filing_offer(owner=citizen, components=[component]) == {component.pk: []}
    assert not DossierFile.objects.filter(dossier=draft).exists()
