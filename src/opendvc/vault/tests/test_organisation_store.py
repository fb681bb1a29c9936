"""The organisation's store (Regulation Art. 6.2: every person and organisation has one): a result
issued to a dossier filed in an organisation's name is read by whoever may act for the organisation —
its representative included, when an authorised member filed it — and by nobody else; sharing and
deleting stay with the member who holds it."""

from __future__ import annotations

import pytest

from opendvc.accounts.models import Membership, Organisation
from opendvc.accounts.tests.factories import UserFactory
from opendvc.catalog.models import Procedure
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument, ResultDownload
from opendvc.dossiers.tests.conftest import checked_pdf
from opendvc.signing.tests.conftest import configure_agency
from opendvc.vault import services
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(citizen):
    org = Organisation.objects.create(name="Công ty TNHH Đại Phát", tax_code="3603999001",
                                      legal_representative="Lê Văn Đại")
    Membership.objects.create(organisation=org, user=citizen, role=Membership.Role.AUTHORISED_STAFF)
    return org


@pytest.fixture
def representative(company):
    user = UserFactory(full_name="Lê Văn Đại")
    Membership.objects.create(organisation=company, user=user, role=Membership.Role.REPRESENTATIVE)
    return user


def _returned_for(company, procedure, citizen, officer, leader, capture):
    """A level-4 dossier filed by ``citizen`` for ``company``, approved and returned online."""
    from opendvc.agencies.models import Agency

    Procedure.objects.filter(pk=procedure.pk).update(level=4)
    d = dossier_services.dossier_create_draft(
        applicant=citizen, procedure=procedure, receiving_agency=Agency.objects.get(code="000.00.32.H19"),
        actor=citizen, acting_for=company,
    )
    comps = list(procedure.components.filter(required=True))
    dossier_services.dossier_update_draft(dossier=d, actor=citizen, add_files=[(c, checked_pdf()) for c in comps])
    d = dossier_services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    d = dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with capture(execute=True):
        dossier_services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy phép kinh doanh")
    return Dossier.objects.get(pk=d.pk)


def test_the_representative_reads_a_result_a_member_filed_and_a_stranger_does_not(
    client, company, representative, procedure, citizen, officer, leader, stranger, justice, trust,
    django_capture_on_commit_callbacks,
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = _returned_for(company, procedure, citizen, officer, leader, django_capture_on_commit_callbacks)
    assert d.status == "returned"
    stored = StoredDocument.objects.get(dossier_document__dossier=d, source="result")
    assert (stored.owner, stored.organisation) == (citizen, company)

    # The representative: the organisation's store is linked from their own, lists the result, and
    # the result downloads (recorded as their download).
    client.force_login(representative)
    home = client.get("/kho-du-lieu/").content.decode()
    assert f"/kho-du-lieu/to-chuc/{company.public_id}/" in home
    page = client.get(f"/kho-du-lieu/to-chuc/{company.public_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert d.code in body and "Nguyễn Thị Hoa" in body and f"/kho-du-lieu/{stored.public_id}/tai-ve/" in body
    # Holding it stays with the member who filed: no share or delete form for the representative.
    assert f"/kho-du-lieu/{stored.public_id}/chia-se/" not in body and "/xoa/" not in body
    r = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert ResultDownload.objects.filter(dossier=d, user=representative).exists()
    api = client.get(f"/api/v1/vault/organisations/{company.public_id}/documents")
    # The result and the receipt of the intake, both issued to the dossier filed in its name.
    assert api.status_code == 200
    assert sorted((x["source"], x["dossier_code"]) for x in api.json()) == [("receipt", d.code), ("result", d.code)]
    # ... but it is not the representative's own document.
    assert client.get(f"/kho-du-lieu/{stored.public_id}/chia-se/").status_code in (404, 405)
    assert client.post(f"/kho-du-lieu/{stored.public_id}/xoa/").status_code == 404

    # A stranger: nothing of it, in pages and API alike.
    client.force_login(stranger)
    assert client.get(f"/kho-du-lieu/to-chuc/{company.public_id}/").status_code == 404
    assert client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/").status_code == 404
    api = client.get(f"/api/v1/vault/organisations/{company.public_id}/documents")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/problem+json")
    assert f"/kho-du-lieu/to-chuc/{company.public_id}/" not in client.get("/kho-du-lieu/").content.decode()


def test_the_organisation_keeps_its_results_when_the_member_who_filed_leaves(
    client, company, representative, citizen
):
    doc = services.document_upload(owner=citizen, organisation=company, document_type="Giấy phép kinh doanh",
                                   checked=checked_pdf("giay-phep.pdf"))
    Membership.objects.filter(organisation=company, user=citizen).delete()
    assert list(services.organisation_documents(organisation=company)) == [doc]
    client.force_login(representative)
    assert client.get(f"/kho-du-lieu/{doc.public_id}/tai-ve/").status_code == 200
    # The member who left keeps their own copy; the organisation's store is no longer theirs.
    client.force_login(citizen)
    assert client.get(f"/kho-du-lieu/{doc.public_id}/tai-ve/").status_code == 200
    assert client.get(f"/kho-du-lieu/to-chuc/{company.public_id}/").status_code == 404


def test_an_empty_organisation_store_says_what_will_come(client, company, representative):
    client.force_login(representative)
    r = client.get(f"/kho-du-lieu/to-chuc/{company.public_id}/")
    assert r.status_code == 200 and "chưa có giấy tờ nào" in r.content.decode()
    assert DossierDocument.objects.count() == 0


def test_the_organisation_store_speaks_english(client, company, representative, citizen):
    services.document_upload(owner=citizen, organisation=company, document_type="Giấy phép kinh doanh",
                             checked=checked_pdf("giay-phep.pdf"))
    client.force_login(representative)
    client.cookies["django_language"] = "en"
    body = client.get(f"/kho-du-lieu/to-chuc/{company.public_id}/").content.decode()
    for english in ("Organisation's document store", "Member holding the document", "Stored at", "Download"):
        assert english in body
    for vietnamese in ("Kho dữ liệu của tổ chức", "Thành viên giữ giấy tờ", "Tải về"):
        assert vietnamese not in body
    # What people typed stays as typed, marked as Vietnamese for screen readers.
    assert 'lang="vi">Công ty TNHH Đại Phát</span>' in body
