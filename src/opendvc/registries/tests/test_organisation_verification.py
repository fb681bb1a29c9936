"""An organisation's tax code is a declaration until its legal representative verifies it: the national
business registry must name, as the representative, the CCCD the national electronic identity verified
on the account. Only verified tax codes are unique, so whoever typed a business's tax code first does
not keep the business out of the portal; the counter intake files into the verified organisation.
Through the service, the page and the API, with the registry a real HTTP server."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from opendvc.accounts import services as accounts_services
from opendvc.accounts.models import Membership, Organisation
from opendvc.accounts.services import verify_cccd_from_identity_provider
from opendvc.accounts.tests.factories import ProfileFactory, UserFactory
from opendvc.audit.models import AuditEntry
from opendvc.core.problems import ProblemError
from opendvc.dossiers.tests.conftest import (  # noqa: F401 - fixtures
    agencies,
    officer,
    procedure,
    sign_in,
)
from opendvc.registries import dataset
from opendvc.registries.services import organisation_verify

pytestmark = pytest.mark.django_db

_people, FIRMS = dataset.build()
# Two businesses of the registry's dataset, and their representatives' numbers.
FIRM, OTHER_FIRM = FIRMS[1], FIRMS[2]


def person(cccd: str, *, verified: bool = True):
    profile = ProfileFactory(user__full_name="Người Đại Diện")
    profile.cccd = cccd
    profile.save()
    if verified:
        assert verify_cccd_from_identity_provider(user=profile.user, cccd=cccd)
    return profile.user


def organisation(user, firm=FIRM, *, name="Tên tự khai"):
    return accounts_services.create_organisation(
        user=user,
        data={
            "name": name,
            "tax_code": firm.tax_code,
            "legal_representative": "Người tự khai",
            "province_code": 75,
            "ward_code": 26041,
        },
    )


def test_the_registrys_representative_verifies_and_the_registry_names_the_organisation(business):
    representative = person(FIRM.representative_cccd)
    org = organisation(representative)
    assert not org.verified
    verified = organisation_verify(user=representative, organisation=org)
    assert verified.verified and verified.verified_by == representative
    # The organisation is as the registry has it.
    assert verified.name == FIRM.name and verified.legal_representative == FIRM.representative
    entry = AuditEntry.objects.get(action="accounts.organisation_verified")
    assert entry.actor == representative and entry.changes["tax_code"] == FIRM.tax_code
    assert entry.changes["name"] == ["Tên tự khai", FIRM.name]
    # Asked once; asking again changes nothing and asks nothing.
    asked = len(business.received)
    assert (
        organisation_verify(user=representative, organisation=verified).verified_at
        == verified.verified_at
    )
    assert len(business.received) == asked


def test_an_unverified_cccd_is_told_to_sign_in_with_the_electronic_identity(business):
    typed = person(FIRM.representative_cccd, verified=False)
    org = organisation(typed)
    with pytest.raises(ProblemError) as refused:
        organisation_verify(user=typed, organisation=org)
    assert refused.value.status == 422 and refused.value.code == "cccd_unverified"
    assert "VNeID" in refused.value.detail
    assert business.received == []  # nothing asked of the registry
    org.refresh_from_db()
    assert not org.verified


def test_someone_who_is_not_the_registrys_representative_is_refused(business):
    squatter = person(OTHER_FIRM.representative_cccd)
    org = organisation(squatter)  # FIRM's tax code, typed by someone else
    with pytest.raises(ProblemError) as refused:
        organisation_verify(user=squatter, organisation=org)
    assert refused.value.status == 422 and refused.value.code == "not_representative"
    assert FIRM.tax_code in refused.value.detail
    org.refresh_from_db()
    assert not org.verified and org.name == "Tên tự khai"
    entry = AuditEntry.objects.get(action="registries.organisation_verification_refused")
    assert entry.changes["outcome"] == "not_representative" and FIRM.tax_code not in str(
        entry.changes
    )


def test_only_a_representative_verifies(business):
    representative = person(FIRM.representative_cccd)
    staff = person(OTHER_FIRM.representative_cccd)
    org = organisation(representative)
    Membership.objects.create(organisation=org, user=staff, role=Membership.Role.AUTHORISED_STAFF)
    with pytest.raises(ProblemError) as refused:
        organisation_verify(user=staff, organisation=org)
    assert refused.value.status == 403
    assert business.received == []


@pytest.mark.parametrize(
    ("switch", "status", "code"),
    [
        ({"extra": {"not_found": True}}, 422, "not_on_record"),
        ({"status": 500}, 503, "service_unavailable"),
        ({"malformed": True}, 503, "service_unavailable"),
        # A record without its representative's number decides nothing.
        (
            {"extra": {"mismatch": {"legal_representative": "Nguyễn Văn A"}}},
            503,
            "service_unavailable",
        ),
        (
            {"extra": {"mismatch": {"legal_representative": {"full_name": "A", "cccd": 75}}}},
            503,
            "service_unavailable",
        ),
    ],
)
def test_a_registry_that_has_no_record_or_cannot_answer_verifies_nothing(
    business, switch, status, code
):
    representative = person(FIRM.representative_cccd)
    org = organisation(representative)
    business.switches.update(switch)
    with pytest.raises(ProblemError) as refused:
        organisation_verify(user=representative, organisation=org)
    assert (refused.value.status, refused.value.code) == (status, code)
    org.refresh_from_db()
    assert not org.verified


def test_a_typed_tax_code_does_not_keep_the_business_out(business):
    squatter = person(OTHER_FIRM.representative_cccd)
    squatted = organisation(squatter)
    # The real representative adds the business although someone typed its tax code first…
    representative = person(FIRM.representative_cccd)
    own = organisation(representative)
    assert own.pk != squatted.pk
    organisation_verify(user=representative, organisation=own)
    # …and once verified, the tax code is theirs: no one adds it again or verifies another copy.
    with pytest.raises(ValidationError) as taken:
        organisation(person("075301009999", verified=False))
    assert [e.code for e in taken.value.error_dict["tax_code"]] == ["duplicate_tax_code"]
    with pytest.raises(ProblemError) as refused:
        organisation_verify(user=squatter, organisation=squatted)
    assert refused.value.status == 409


def test_the_counter_intake_files_into_the_verified_organisation(business):
    from opendvc.accounts.services import applicant_find_or_create

    squatter = person(OTHER_FIRM.representative_cccd)
    organisation(squatter)
    representative = person(FIRM.representative_cccd)
    own = organisation(representative)
    clerk = UserFactory(is_staff=True)
    # Before the verification: an organisation the applicant belongs to, never the squatter's.
    _user, found = applicant_find_or_create(
        actor=clerk, cccd=FIRM.representative_cccd, tax_code=FIRM.tax_code
    )
    assert found == own
    organisation_verify(user=representative, organisation=own)
    # A member of staff of the business at the counter: the verified organisation.
    _user, found = applicant_find_or_create(
        actor=clerk,
        cccd="075301008888",
        tax_code=FIRM.tax_code,
        full_name="Lê Văn Nhân Viên",
        phone="0912888888",
    )
    assert found == own


def test_the_page_shows_the_state_and_verifies(business, client):
    representative = person(FIRM.representative_cccd)
    org = organisation(representative)
    sign_in(client, representative)
    url = f"/ca-nhan/to-chuc/{org.public_id}/"
    page = client.get(url).content.decode()
    assert "Chưa xác thực" in page and "Xác thực với CSDL đăng ký doanh nghiệp" in page
    assert "Mã số thuế chưa xác thực" in client.get("/ca-nhan/to-chuc/").content.decode()
    done = client.post(f"/ca-nhan/to-chuc/{org.public_id}/xac-thuc/", follow=True)
    text = done.content.decode()
    assert done.status_code == 200 and f"Đã xác thực mã số thuế {FIRM.tax_code}" in text
    assert "Đã xác thực với CSDL quốc gia về đăng ký doanh nghiệp" in text
    assert "Xác thực với CSDL đăng ký doanh nghiệp" not in text
    # A refusal is a message on the page, in Vietnamese, never an error page.
    business.switches.update({"down": True})
    other = organisation(representative, OTHER_FIRM)
    refused = client.post(f"/ca-nhan/to-chuc/{other.public_id}/xac-thuc/", follow=True)
    assert refused.status_code == 200
    assert "tạm thời không truy cập được" in refused.content.decode()
    assert not Organisation.objects.get(pk=other.pk).verified
    # Someone outside the organisation does not see it.
    client.force_login(UserFactory())
    assert client.post(f"/ca-nhan/to-chuc/{org.public_id}/xac-thuc/").status_code == 404


def test_the_api(business, client):
    representative = person(FIRM.representative_cccd)
    org = organisation(representative)
    squatter = person(OTHER_FIRM.representative_cccd)
    squatted = organisation(squatter)
    sign_in(client, squatter)
    r = client.post(f"/api/v1/accounts/organisations/{squatted.public_id}/verification")
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_representative"
    sign_in(client, representative)
    listed = client.get("/api/v1/accounts/organisations").json()
    assert [o["tax_code_verified"] for o in listed] == [False]
    r = client.post(f"/api/v1/accounts/organisations/{org.public_id}/verification")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["verified"] is True and body["name"] == FIRM.name and body["verified_at"]
    assert client.get("/api/v1/accounts/organisations").json()[0]["tax_code_verified"] is True
    # Another's organisation is not found; the squatter's copy can no longer be verified.
    assert (
        client.post(f"/api/v1/accounts/organisations/{squatted.public_id}/verification").status_code
        == 404
    )
    sign_in(client, squatter)
    assert (
        client.post(f"/api/v1/accounts/organisations/{squatted.public_id}/verification").status_code
        == 409
    )


def test_the_receiving_officer_sees_whether_the_organisation_is_verified(
    business,
    client,
    procedure,  # noqa: F811 - the fixture
    officer,  # noqa: F811 - the fixture
):
    from opendvc.dossiers.models import Dossier
    from opendvc.dossiers.tests.conftest import submitted_dossier

    representative = person(FIRM.representative_cccd)
    org = organisation(representative)
    dossier = submitted_dossier(procedure, representative)
    Dossier.objects.filter(pk=dossier.pk).update(acting_for=org)
    sign_in(client, officer)
    url = f"/mot-cua/ho-so/{dossier.code}/"
    assert "chưa xác thực, do người nộp tự khai" in client.get(url).content.decode()
    organisation_verify(user=representative, organisation=org)
    page = client.get(url).content.decode()
    assert "đã xác thực với CSDL đăng ký doanh nghiệp" in page and "tự khai" not in page
