"""The citizen's document store: uploads with type, issuer, number and dates within a quota; reuse in a
new dossier by reference, matched by type; expired documents refused; sharing with expiry and access
log; own uploads deleted, results kept; the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import DossierFile
from opendvc.dossiers.tests.conftest import checked_pdf, sign_in
from opendvc.vault import services
from opendvc.vault.models import ShareAccess, StoredDocument

pytestmark = pytest.mark.django_db


def _upload(owner, document_type="Giấy chứng sinh", **kw):
    return services.document_upload(
        owner=owner,
        checked=checked_pdf(),
        document_type=document_type,
        issuer="Bệnh viện Đa khoa Đồng Nai",
        number="123/GCS",
        **kw,
    )


def _draft(procedure, citizen, justice):
    return dossier_services.dossier_create_draft(
        applicant=citizen,
        procedure=procedure,
        receiving_agency=justice,
        actor=citizen,
        channel="online",
    )


def test_reuse_by_reference_matched_by_type(procedure, citizen, justice):
    doc = _upload(citizen, issued_on=date(2026, 1, 5))
    draft = _draft(procedure, citizen, justice)
    component = procedure.components.get(name="Giấy chứng sinh")
    other = procedure.components.get(name="Tờ khai đăng ký khai sinh")
    assert services.reusable_for(owner=citizen, component=component) == [doc]
    assert services.reusable_for(owner=citizen, component=other) == []
    services.document_reuse(dossier=draft, component=component, document=doc, actor=citizen)
    f = DossierFile.objects.get(dossier=draft, component=component)
    assert f.file.name == doc.file.name  # the same stored object: no copy of the bytes
    assert f.sha256 == doc.sha256
    with pytest.raises(ProblemError) as err:
        services.document_reuse(dossier=draft, component=other, document=doc, actor=citizen)
    assert err.value.status == 422


def test_expired_document_is_flagged_and_not_reusable(procedure, citizen, justice):
    doc = _upload(citizen, issued_on=date(2020, 1, 1), expires_on=date(2021, 1, 1))
    assert doc.expired
    component = procedure.components.get(name="Giấy chứng sinh")
    assert services.reusable_for(owner=citizen, component=component) == []
    with pytest.raises(ProblemError) as err:
        services.document_reuse(
            dossier=_draft(procedure, citizen, justice),
            component=component,
            document=doc,
            actor=citizen,
        )
    assert "hết hạn" in str(err.value)


def test_someone_elses_document_cannot_be_reused(procedure, citizen, stranger, justice):
    doc = _upload(stranger)
    with pytest.raises(ProblemError) as err:
        services.document_reuse(
            dossier=_draft(procedure, citizen, justice),
            component=procedure.components.get(name="Giấy chứng sinh"),
            document=doc,
            actor=citizen,
        )
    assert err.value.status == 404


def test_quota(citizen, settings):
    size = checked_pdf().size
    settings.VAULT_QUOTA_BYTES = size * 2
    _upload(citizen)
    _upload(citizen)
    with pytest.raises(ProblemError) as err:
        _upload(citizen)
    assert err.value.status == 413 and err.value.code == "quota_exceeded"


def test_share_link_expires_and_logs_access(client, citizen):
    doc = _upload(citizen)
    link = services.share_create(document=doc, actor=citizen, days=3)
    url = f"/kho-du-lieu/chia-se/{link.token}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert ShareAccess.objects.filter(link=link).count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert client.get(url).status_code == 404
    assert ShareAccess.objects.filter(link=link).count() == 1
    with pytest.raises(ProblemError):
        services.share_create(document=doc, actor=citizen, days=365)


def test_the_store_page_lists_the_links_with_their_reads_and_revokes_them(
    client, citizen, stranger
):
    doc = _upload(citizen)
    sign_in(client, citizen)
    assert client.post(f"/kho-du-lieu/{doc.public_id}/chia-se/", {"days": "3"}).status_code == 302
    link = doc.share_links.get()
    anonymous = Client()
    assert anonymous.get(f"/kho-du-lieu/chia-se/{link.token}/").status_code == 200
    page = client.get("/kho-du-lieu/").content.decode()
    assert "Còn hiệu lực đến" in page and "1 lượt xem" in page and "lần cuối" in page
    assert f"/kho-du-lieu/chia-se/{link.token}/thu-hoi/" in page
    # Only the owner revokes, and only by the form.
    other = Client()
    other.force_login(stranger)
    assert other.post(f"/kho-du-lieu/chia-se/{link.token}/thu-hoi/").status_code == 404
    assert client.get(f"/kho-du-lieu/chia-se/{link.token}/thu-hoi/").status_code == 405
    assert client.post(f"/kho-du-lieu/chia-se/{link.token}/thu-hoi/").status_code == 302
    assert anonymous.get(f"/kho-du-lieu/chia-se/{link.token}/").status_code == 404
    page = client.get("/kho-du-lieu/").content.decode()
    assert "Đã thu hồi lúc" in page and f"/kho-du-lieu/chia-se/{link.token}/thu-hoi/" not in page


def test_delete_own_upload_but_not_an_issued_result(citizen, stranger):
    doc = _upload(citizen)
    name = doc.file.name
    with pytest.raises(ProblemError):
        services.document_delete(document=doc, actor=stranger)
    services.document_delete(document=doc, actor=citizen)
    assert not StoredDocument.objects.filter(pk=doc.pk).exists()
    result = StoredDocument.objects.create(
        owner=citizen, source="result", document_type="Kết quả giải quyết"
    )
    with pytest.raises(ProblemError) as err:
        services.document_delete(document=result, actor=citizen)
    assert err.value.status == 409
    assert name


def test_api_upload_list_share_and_delete(client, citizen):
    sign_in(client, citizen)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.tests.conftest import small_pdf

    r = client.post(
        "/api/v1/vault/documents",
        {
            "file": SimpleUploadedFile("cccd.pdf", small_pdf(), content_type="application/pdf"),
            "document_type": "Căn cước công dân",
            "number": "075090001234",
            "expires_on": "2030-01-01",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["document_type"] == "Căn cước công dân" and body["reusable"] is True
    r = client.get("/api/v1/vault/documents")
    assert [d["id"] for d in r.json()] == [body["id"]]
    r = client.post(
        f"/api/v1/vault/documents/{body['id']}/shares", {"days": 2}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["accesses"] == 0
    token = r.json()["token"]
    assert client.get(f"/kho-du-lieu/chia-se/{token}/").status_code == 200
    assert client.get(f"/api/v1/vault/documents/{body['id']}/shares").json()[0]["accesses"] == 1
    assert client.delete(f"/api/v1/vault/shares/{token}").status_code == 204
    assert client.get(f"/kho-du-lieu/chia-se/{token}/").status_code == 404
    listed = client.get(f"/api/v1/vault/documents/{body['id']}/shares").json()[0]
    assert listed["active"] is False and listed["revoked_at"]
    for days in (True, "2", 2.5):
        r = client.post(
            f"/api/v1/vault/documents/{body['id']}/shares",
            {"days": days},
            content_type="application/json",
        )
        assert r.status_code == 422, days
    r = client.post(
        f"/api/v1/vault/documents/{body['id']}/shares", {"days": 0}, content_type="application/json"
    )
    assert r.status_code == 422
    assert client.delete(f"/api/v1/vault/documents/{body['id']}").status_code == 204
    assert client.get("/api/v1/vault/documents").json() == []


@pytest.mark.parametrize(
    ("dates", "path"),
    [
        ({"issued_on": date(2099, 1, 1)}, "issued_on"),
        ({"issued_on": date(1, 1, 1)}, "issued_on"),
        ({"expires_on": date(9999, 12, 31)}, "expires_on"),
    ],
)
def test_a_stored_documents_dates_are_plausible(citizen, dates, path):
    """Issued by today, and no date a typing slip (01/01/0001, 31/12/9999) would give."""
    with pytest.raises(ProblemError) as refused:
        _upload(citizen, **dates)
    assert [e["path"] for e in refused.value.extra["errors"]] == [path]
    assert not StoredDocument.objects.filter(owner=citizen).exists()


def test_a_text_longer_than_its_column_is_refused_at_its_field_not_cut(client, citizen):
    """A number, issuer or type cut to its column would name another paper: the API refuses it at
    its field (with every other problem) and stores nothing; the page says which field, keeps what
    was typed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.tests.conftest import small_pdf

    sign_in(client, citizen)
    r = client.post(
        "/api/v1/vault/documents",
        {
            "file": SimpleUploadedFile("cccd.pdf", small_pdf(), content_type="application/pdf"),
            "document_type": "C" * 201,
            "issuer": "Cục Cảnh sát " + "Q" * 300,
            "number": "0" * 101,
            "title": "T" * 301,
        },
    )
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    paths = [e["path"] for e in r.json()["errors"]]
    assert sorted(paths) == ["document_type", "issuer", "number", "title"]
    assert "Tối đa 100 ký tự (đang có 101)" in str(r.json()["errors"])
    assert not StoredDocument.objects.filter(owner=citizen).exists()
    r = client.post(
        "/kho-du-lieu/",
        {
            "document_type": "Căn cước công dân",
            "number": "0750900012345" * 10,
            "file": SimpleUploadedFile("a.pdf", small_pdf()),
        },
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert "Số: Tối đa 100 ký tự (đang có 130)." in page
    assert 'value="Căn cước công dân"' in page
    assert not StoredDocument.objects.filter(owner=citizen).exists()


def test_api_upload_messages_are_vietnamese_and_an_empty_date_is_no_date(client, citizen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.tests.conftest import small_pdf

    sign_in(client, citizen)

    def post(**fields):
        return client.post(
            "/api/v1/vault/documents",
            {
                "file": SimpleUploadedFile("cccd.pdf", small_pdf(), content_type="application/pdf"),
                **fields,
            },
        )

    r = post(issued_on="31/02/2026")
    assert r.status_code == 422
    messages = {e["path"]: e["message"] for e in r.json()["errors"]}
    assert messages == {
        "document_type": "Thiếu trường bắt buộc.",
        "issued_on": "Phải là ngày dạng YYYY-MM-DD.",
    }
    r = post(document_type="Căn cước công dân", issued_on="", expires_on=" ")
    assert r.status_code == 201, r.content
    assert r.json()["issued_on"] is None and r.json()["expires_on"] is None


def test_store_page_upload_with_bad_date_keeps_the_input(client, citizen):
    sign_in(client, citizen)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.tests.conftest import small_pdf

    r = client.post(
        "/kho-du-lieu/",
        {
            "document_type": "Giấy chứng sinh",
            "issued_on": "32/13/2026",
            "file": SimpleUploadedFile("a.pdf", small_pdf()),
        },
    )
    assert r.status_code == 422
    assert "dd/mm/yyyy" in r.content.decode() and "Giấy chứng sinh" in r.content.decode()
    r = client.post(
        "/kho-du-lieu/",
        {
            "document_type": "Giấy chứng sinh",
            "issued_on": "05/01/2026",
            "file": SimpleUploadedFile("a.pdf", small_pdf()),
        },
    )
    assert r.status_code == 302
    assert StoredDocument.objects.get(owner=citizen).issued_on == date(2026, 1, 5)


def test_an_issued_document_is_listed_with_its_size(client, procedure, citizen, officer):
    """The API listed every receipt and result the portal issued as 0 bytes."""
    from opendvc.dossiers import services as dossier_services
    from opendvc.dossiers.tests.conftest import submitted_dossier

    d = submitted_dossier(procedure, citizen)
    dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    stored = StoredDocument.objects.get(owner=citizen, dossier_document__kind="receipt")
    sign_in(client, citizen)
    listed = client.get("/api/v1/vault/documents").json()
    assert [d["size"] for d in listed] == [stored.dossier_document.file.size]
    assert listed[0]["size"] > 0


def test_closing_the_account_ends_the_links_its_holder_shared(client, citizen, stranger):
    """An administrator closes an account at its holder's request (its personal data erased): the
    documents it shared stopped being readable through it only when each link expired; every active
    link now ends with the account, audited, and another person's links stay."""
    from opendvc.accounts import services as account_services
    from opendvc.accounts.models import DeletionRequest
    from opendvc.accounts.tests.factories import StaffRoleFactory
    from opendvc.audit.models import AuditEntry

    mine = services.share_create(document=_upload(citizen), actor=citizen, days=3)
    theirs = services.share_create(document=_upload(stranger), actor=stranger, days=3)
    anonymous = Client()
    assert anonymous.get(f"/kho-du-lieu/chia-se/{mine.token}/").status_code == 200
    request = account_services.request_account_deletion(user=citizen, reason="Không dùng nữa")
    admin = StaffRoleFactory(role="administrator").user
    account_services.handle_deletion_request(actor=admin, deletion_request=request, approve=True)
    assert DeletionRequest.objects.get().status == DeletionRequest.Status.DONE
    assert anonymous.get(f"/kho-du-lieu/chia-se/{mine.token}/").status_code == 404
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert AuditEntry.objects.filter(action="vault.share_revoke", actor=admin).count() == 1
    assert anonymous.get(f"/kho-du-lieu/chia-se/{theirs.token}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_both_pass_the_quota(
    postgres_db, citizen, settings, monkeypatch
):
    """Room for one more file and two uploads at the same moment: both read the same usage, but the
    check is made again holding the owner's row, so one is stored and the other refused."""
    import threading

    from django.db import connection

    size = checked_pdf().size
    settings.VAULT_QUOTA_BYTES = size * 2
    _upload(citizen)
    barrier = threading.Barrier(2, timeout=10)
    usage = services.owner_usage
    first_read: set[int] = set()

    def usage_read_together(*, owner):
        used = usage(owner=owner)
        if threading.get_ident() not in first_read:  # both have read the usage before going on
            first_read.add(threading.get_ident())
            barrier.wait()
        return used

    monkeypatch.setattr(services, "owner_usage", usage_read_together)
    results: list = []

    def run():
        try:
            results.append(_upload(citizen))
        except ProblemError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    monkeypatch.undo()
    assert sorted(r if isinstance(r, str) else "stored" for r in results) == [
        "quota_exceeded",
        "stored",
    ]
    assert services.owner_usage(owner=citizen) == size * 2
    assert StoredDocument.objects.filter(owner=citizen).count() == 2
    # the refused file, stored before the second check, is removed again
    assert len([f for f in settings.MEDIA_ROOT.rglob("*") if f.is_file()]) == 2
