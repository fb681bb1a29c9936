import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from opendvc.accounts import selectors, services
from opendvc.accounts.models import Membership, Organisation

from .factories import MembershipFactory, UserFactory

ORG = {
    "name": "Công ty TNHH Nông sản Đồng Nai",
    "tax_code": "3600252847",
    "legal_representative": "Phạm Văn Dũng",
    "province_code": 75,
    "ward_code": 26068,
    "street": "5 Phan Chu Trinh",
}


@pytest.mark.django_db
class TestOrganisations:
    def test_create_and_acting_as(self, citizen):
        org = services.create_organisation(user=citizen, data=ORG)
        assert Membership.objects.get(user=citizen).role == "representative"
        choices = selectors.acting_as_choices(citizen)
        assert choices[0][0] == "self" and choices[1] == (
            f"org:{org.public_id}",
            f"Tổ chức: {org.name}",
        )
        assert selectors.resolve_acting_as(citizen, choices[1][0]) == org
        assert selectors.resolve_acting_as(citizen, "self") is None

    def test_cannot_act_for_others(self, citizen):
        other_org = MembershipFactory().organisation
        for value in (f"org:{other_org.public_id}", "org:not-a-uuid", "xyz"):
            with pytest.raises(Http404):
                selectors.resolve_acting_as(citizen, value)

    @pytest.mark.parametrize("tax", ["12345", "3600252847-01", "abc"])
    def test_invalid_tax_code(self, citizen, tax):
        with pytest.raises(ValidationError) as exc:
            services.create_organisation(user=citizen, data={**ORG, "tax_code": tax})
        assert exc.value.error_dict["tax_code"][0].code == "invalid_tax_code"
        assert not Organisation.objects.exists()

    def test_branch_tax_code_and_duplicate(self, citizen):
        org = services.create_organisation(user=citizen, data={**ORG, "tax_code": "3600252847001"})
        assert org.tax_code == "3600252847-001"
        # The same person twice: refused.
        with pytest.raises(ValidationError) as exc:
            services.create_organisation(user=citizen, data={**ORG, "tax_code": "3600252847-001"})
        assert exc.value.error_dict["tax_code"][0].code == "already_member"
        # Someone else may declare it while it is unverified (the first to type a tax code does
        # not own it)…
        second = services.create_organisation(
            user=UserFactory(), data={**ORG, "tax_code": "3600252847-001"}
        )
        assert second.pk != org.pk
        # …but not once an organisation has verified it.
        services.organisation_mark_verified(organisation=org, user=citizen, data={})
        with pytest.raises(ValidationError) as exc:
            services.create_organisation(
                user=UserFactory(), data={**ORG, "tax_code": "3600252847-001"}
            )
        assert exc.value.error_dict["tax_code"][0].code == "duplicate_tax_code"
        assert Organisation.objects.count() == 2 and Membership.objects.count() == 2

    def test_members(self, citizen):
        org = services.create_organisation(user=citizen, data=ORG)
        staff = UserFactory(email="nv@example.vn")
        m = services.add_member(
            actor=citizen, organisation=org, email="NV@example.vn", role="authorised_staff"
        )
        with pytest.raises(PermissionDenied):
            services.add_member(
                actor=staff, organisation=org, email=citizen.email, role="representative"
            )
        with pytest.raises(ValidationError) as exc:
            services.add_member(
                actor=citizen,
                organisation=org,
                email="khong-co@example.vn",
                role="authorised_staff",
            )
        assert exc.value.error_dict["email"][0].code == "user_not_found"
        rep = Membership.objects.get(user=citizen)
        with pytest.raises(ValidationError):
            services.remove_member(actor=citizen, membership=rep)
        services.remove_member(actor=staff, membership=m)  # leaving is allowed
        assert not Membership.objects.filter(user=staff).exists()

    def test_pages(self, citizen_client, citizen):
        r = citizen_client.post(
            reverse("accounts:organisation_create"),
            {**ORG, "tax_code": "12", "role": "representative"},
        )
        assert r.status_code == 422 and "Mã số thuế phải gồm 10 chữ số" in r.content.decode()
        assert 'value="12"' in r.content.decode()
        r = citizen_client.post(
            reverse("accounts:organisation_create"), {**ORG, "role": "representative"}
        )
        org = Organisation.objects.get()
        assert r.status_code == 302 and r["Location"] == reverse(
            "accounts:organisation", args=[org.public_id]
        )
        # Adding a member who has no account is refused at the field, the address typed kept.
        r = citizen_client.post(
            reverse("accounts:organisation", args=[org.public_id]),
            {"email": "chua-co@example.vn", "role": "authorised_staff"},
        )
        html = r.content.decode()
        assert r.status_code == 422 and 'aria-describedby="id_email_error"' in html
        assert 'value="chua-co@example.vn"' in html and 'href="#id_email"' in html
        assert (
            "Công ty TNHH Nông sản"
            in citizen_client.get(reverse("accounts:organisations")).content.decode()
        )
        other = MembershipFactory().organisation
        assert (
            citizen_client.get(reverse("accounts:organisation", args=[other.public_id])).status_code
            == 404
        )


@pytest.mark.django_db
def test_ward_list_follows_province(citizen_client):
    r = citizen_client.get(
        reverse("accounts:organisation_create"), {"province_code": "79"}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert (
        "Phường Sài Gòn" in html and f'hx-get="{reverse("accounts:organisation_create")}"' in html
    )


@pytest.mark.django_db
def test_acting_as_field(citizen):
    from django import forms

    from opendvc.accounts.forms import acting_as_field

    org = services.create_organisation(user=citizen, data=ORG)
    other = MembershipFactory().organisation

    class F(forms.Form):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.fields["acting_as"] = acting_as_field(citizen)

    ok = F({"acting_as": f"org:{org.public_id}"})
    assert (
        ok.is_valid() and selectors.resolve_acting_as(citizen, ok.cleaned_data["acting_as"]) == org
    )
    bad = F({"acting_as": f"org:{other.public_id}"})
    assert not bad.is_valid() and "không được nộp hồ sơ nhân danh" in bad.errors["acting_as"][0]


@pytest.mark.django_db
def test_the_admin_cannot_set_or_change_a_verification(client):
    """Verification is the business registry's word: the admin shows it read-only, and a verified
    organisation's tax code, name and representative cannot be edited there."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from opendvc.accounts.models import User

    from .factories import PASSWORD

    admin_user = User.objects.create_superuser(email="quantri@example.vn", password=PASSWORD)
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)
    citizen = UserFactory()
    org = services.create_organisation(user=citizen, data=ORG)
    url = f"/admin/accounts/organisation/{org.pk}/change/"
    html = client.get(url).content.decode()
    assert 'name="tax_code"' in html and 'name="verified_at"' not in html
    services.organisation_mark_verified(organisation=org, user=citizen, data={})
    html = client.get(url).content.decode()
    assert 'name="tax_code"' not in html and 'name="name"' not in html
    assert "3600252847" in html  # shown, read-only
    assert client.get("/admin/accounts/organisation/?verified_at__isempty=0").status_code == 200


@pytest.mark.django_db
def test_a_persons_organisations_are_in_vietnamese_order():
    citizen = UserFactory()
    names = [
        "Hộ kinh doanh Ánh Dương",
        "Công ty TNHH Đại Phát",
        "Công ty TNHH Xây dựng",
        "Công ty Cổ phần An Bình",
    ]
    for n, name in enumerate(names):
        services.create_organisation(
            user=citizen, data={**ORG, "name": name, "tax_code": f"360025284{n}"}
        )
    expected = [
        "Công ty Cổ phần An Bình",
        "Công ty TNHH Đại Phát",
        "Công ty TNHH Xây dựng",
        "Hộ kinh doanh Ánh Dương",
    ]
    assert [m.organisation.name for m in selectors.memberships_of(citizen)] == expected


@pytest.mark.django_db
def test_the_person_adding_an_organisation_is_its_representative(citizen_client, citizen):
    """The form let the person adding an organisation choose to be an authorised employee: the
    organisation then had no representative, so nobody could add members or verify its tax code.
    Whoever adds it is now its representative; employees are added by the representative."""
    page = citizen_client.get(reverse("accounts:organisation_create")).content.decode()
    assert 'name="role"' not in page and "Bạn sẽ là người đại diện của tổ chức trên Cổng" in page
    r = citizen_client.post(
        reverse("accounts:organisation_create"), {**ORG, "role": "authorised_staff"}
    )
    assert r.status_code == 302
    assert Membership.objects.get(user=citizen).role == Membership.Role.REPRESENTATIVE
    detail = citizen_client.get(r["Location"]).content.decode()
    assert "Thêm thành viên" in detail and "chưa có người đại diện" not in detail


@pytest.mark.django_db
def test_an_organisation_without_a_representative_says_so_and_a_member_takes_the_role(
    citizen_client, citizen
):
    from opendvc.audit.models import AuditEntry

    org = Organisation.objects.create(**{**ORG, "tax_code": "3600252847"})
    mine = Membership.objects.create(
        organisation=org, user=citizen, role=Membership.Role.AUTHORISED_STAFF
    )
    other = MembershipFactory(organisation=org, role=Membership.Role.AUTHORISED_STAFF)
    url = reverse("accounts:organisation", args=[org.public_id])
    page = citizen_client.get(url).content.decode()
    assert "Tổ chức chưa có người đại diện trên Cổng" in page
    claim = reverse("accounts:organisation_representative_claim", args=[org.public_id])
    assert f'action="{claim}"' in page
    assert citizen_client.get(claim).status_code == 405
    assert citizen_client.post(claim)["Location"] == url
    mine.refresh_from_db()
    assert mine.role == Membership.Role.REPRESENTATIVE
    assert AuditEntry.objects.filter(action="accounts.representative_claimed").count() == 1
    page = citizen_client.get(url).content.decode()
    assert "chưa có người đại diện" not in page and "Thêm thành viên" in page
    # the other employee can no longer take it
    with pytest.raises(ValidationError) as exc:
        services.claim_representative(user=other.user, organisation=org)
    assert exc.value.code == "has_representative"
    # a stranger cannot
    with pytest.raises(PermissionDenied):
        services.claim_representative(user=UserFactory(), organisation=org)


@pytest.mark.django_db
def test_a_verified_organisation_without_a_representative_points_to_the_support_desk(
    citizen_client, citizen
):
    org = Organisation.objects.create(**ORG)
    Membership.objects.create(organisation=org, user=citizen, role=Membership.Role.AUTHORISED_STAFF)
    services.organisation_mark_verified(organisation=org, user=None, data={})
    page = citizen_client.get(
        reverse("accounts:organisation", args=[org.public_id])
    ).content.decode()
    assert "Tổ chức chưa có người đại diện trên Cổng" in page and "tổng đài hỗ trợ" in page
    claim = reverse("accounts:organisation_representative_claim", args=[org.public_id])
    assert claim not in page
    citizen_client.post(claim)
    assert Membership.objects.get(user=citizen).role == Membership.Role.AUTHORISED_STAFF


@pytest.mark.django_db
def test_a_representative_hands_the_role_over_and_only_then_may_close_the_account(
    citizen_client, citizen
):
    """The only representative could not give the role to an employee (the portal even told members
    to ask for it), and closing their account left the organisation with nobody to manage it."""
    from opendvc.accounts.models import DeletionRequest
    from opendvc.audit.models import AuditEntry

    org = services.create_organisation(user=citizen, data=ORG)
    staff = MembershipFactory(organisation=org, role=Membership.Role.AUTHORISED_STAFF)
    url = reverse("accounts:organisation", args=[org.public_id])
    page = citizen_client.get(url).content.decode()
    change = reverse("accounts:organisation_member_role", args=[org.public_id, staff.pk])
    assert f'action="{change}"' in page and f'<label for="vai-tro-{staff.pk}"' in page

    # Closing the account while the only representative: refused, naming the organisation.
    deletion = reverse("accounts:deletion")
    page = citizen_client.post(deletion, {"reason": "Không dùng nữa", "confirm": "on"}).content.decode()
    assert "người đại diện duy nhất" in page and org.name in page
    assert not DeletionRequest.objects.exists()
    # An employee cannot change roles; an unknown role is refused; the last representative stays.
    assert citizen_client.get(change).status_code == 405
    with pytest.raises(PermissionDenied):
        services.member_role_change(actor=staff.user, membership=staff, role="representative")
    citizen_client.post(change, {"role": "chu-tich"}, follow=True)
    mine = Membership.objects.get(user=citizen)
    last = citizen_client.post(
        reverse("accounts:organisation_member_role", args=[org.public_id, mine.pk]),
        {"role": "authorised_staff"},
        follow=True,
    ).content.decode()
    assert "Tổ chức cần ít nhất một người đại diện." in last
    mine.refresh_from_db()
    assert mine.role == Membership.Role.REPRESENTATIVE

    # The hand-over: the employee becomes a representative, audited; then the first steps down.
    assert citizen_client.post(change, {"role": "representative"})["Location"] == url
    staff.refresh_from_db()
    assert staff.role == Membership.Role.REPRESENTATIVE
    entry = AuditEntry.objects.get(action="accounts.member_role_changed")
    assert entry.changes["role"] == ["authorised_staff", "representative"]
    assert citizen_client.post(deletion, {"reason": "Không dùng nữa", "confirm": "on"}).status_code == 302
    assert DeletionRequest.objects.filter(user=citizen).exists()


@pytest.mark.django_db
def test_an_administrator_cannot_close_the_account_of_an_organisations_only_representative():
    """Asked while another representative remained, who then left: the approval is refused."""
    from opendvc.accounts.models import DeletionRequest

    from .factories import StaffRoleFactory

    rep = UserFactory()
    org = services.create_organisation(user=rep, data=ORG)
    other = MembershipFactory(organisation=org, role=Membership.Role.REPRESENTATIVE)
    MembershipFactory(organisation=org, role=Membership.Role.AUTHORISED_STAFF)
    dr = services.request_account_deletion(user=rep)
    services.remove_member(actor=other.user, membership=other)
    admin = StaffRoleFactory(role="administrator").user
    with pytest.raises(ValidationError) as exc:
        services.handle_deletion_request(actor=admin, deletion_request=dr, approve=True)
    assert exc.value.code == "sole_representative"
    dr.refresh_from_db()
    assert dr.status == DeletionRequest.Status.PENDING and rep.is_active
    # A representative alone in the organisation may close the account (nobody is left behind).
    alone = UserFactory()
    services.create_organisation(user=alone, data={**ORG, "tax_code": "0301234567"})
    services.request_account_deletion(user=alone)
