"""A CCCD typed on the profile is only a declaration; it is verified when it comes from the national
electronic identity (the identity provider's claim, Decree 69/2024/NĐ-CP). A typed number gives no
rights: the identity provider's sign-in is not connected to the account that typed it, a squatter
cannot keep the owner from typing their own number, and the counter intake does not file a dossier
into the account that typed it. A verified number cannot be changed from the profile and blocks
others; the verified claim removes unverified claims of the same number from other accounts."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError

from opendvc.accounts import services
from opendvc.accounts.models import PersonProfile, User
from opendvc.audit.models import AuditEntry
from opendvc.notifications.models import Notification

from .factories import UserFactory
from .test_oidc import _authorize, _callback, _logged_in_user, _start, idp, oidc  # noqa: F401

CCCD = "075301004321"  # the identity provider's claim in ``oidc``
OTHER = "075090001234"


def _type(user, cccd):
    return services.update_profile(
        user=user, actor=user, data={"full_name": user.full_name, "cccd": cccd}
    )


def _verified(user, cccd=CCCD):
    assert services.verify_cccd_from_identity_provider(user=user, cccd=cccd)
    return PersonProfile.objects.get(user=user)


# --- (c) the first typist does not own the number ----------------------------------------------


@pytest.mark.django_db
def test_a_squatter_does_not_keep_the_owner_from_typing_their_number():
    squatter, owner = UserFactory(), UserFactory()
    _type(squatter, CCCD)
    profile = _type(owner, CCCD)  # was refused: "Số CCCD này đã được dùng cho một tài khoản khác"
    assert profile.cccd == CCCD and not profile.cccd_verified
    assert PersonProfile.objects.get(user=squatter).cccd == CCCD


@pytest.mark.django_db
def test_a_typed_number_is_unverified_and_says_by_what():
    user = UserFactory()
    profile = _type(user, CCCD)
    assert not profile.cccd_verified and profile.cccd_verified_at is None
    assert profile.cccd_source == PersonProfile.CccdSource.PROFILE
    # Made the old way (before the verification was recorded): unverified.
    legacy = PersonProfile.objects.create(user=UserFactory(), cccd=OTHER)
    assert not legacy.cccd_verified and legacy.cccd_source == ""


@pytest.mark.django_db
def test_a_number_verified_elsewhere_blocks_typing_it(client):
    _verified(UserFactory())
    other = UserFactory()
    with pytest.raises(ValidationError) as err:
        _type(other, CCCD)
    assert err.value.error_dict["cccd"][0].code == "duplicate_cccd"
    assert "định danh điện tử" in err.value.error_dict["cccd"][0].messages[0]
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, other)
    r = client.put("/api/v1/accounts/profile", {"cccd": CCCD}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "duplicate_cccd"


@pytest.mark.django_db
def test_a_verified_number_cannot_be_changed_from_the_profile(client):
    user = UserFactory()
    _verified(user)
    for value in (OTHER, ""):
        with pytest.raises(ValidationError) as err:
            _type(user, value)
        assert err.value.error_dict["cccd"][0].code == "cccd_verified"
    # Saving the profile with the same number keeps it verified.
    assert _type(user, CCCD).cccd_verified
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, user)
    r = client.put("/api/v1/accounts/profile", {"cccd": OTHER}, content_type="application/json")
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "cccd_verified"
    body = client.get("/api/v1/accounts/profile").json()
    assert body["cccd"] == CCCD and body["cccd_verified"] is True
    assert body["cccd_source"] == "identity_provider" and body["cccd_verified_at"]
    # The page: the number is read-only, a crafted POST does not change it.
    page = client.get("/ca-nhan/ho-so/").content.decode()
    assert (
        "Đã xác thực qua định danh điện tử" in page
        and "disabled" in page.split('name="cccd"')[1][:200]
    )
    r = client.post("/ca-nhan/ho-so/", {"full_name": user.full_name, "cccd": OTHER})
    assert r.status_code == 302
    assert PersonProfile.objects.get(user=user).cccd == CCCD


@pytest.mark.django_db
def test_the_profile_page_says_when_the_number_is_unverified(client):
    user = UserFactory()
    _type(user, CCCD)
    client.force_login(user)
    page = client.get("/ca-nhan/ho-so/").content.decode()
    assert "Chưa xác thực" in page and "Đã xác thực qua định danh điện tử" not in page
    body = client.get("/api/v1/accounts/profile").json()
    assert body["cccd_verified"] is False and body["cccd_verified_at"] is None


# --- (b) the identity provider's sign-in ---------------------------------------------------------


@pytest.mark.django_db
def test_identity_sign_in_is_not_connected_to_the_account_that_typed_the_number(client, oidc):  # noqa: F811
    squatter = UserFactory(email="ke-gian@example.vn")
    _type(squatter, CCCD)
    oidc.claims = {**oidc.claims, "email": "dan-moi@example.vn"}
    r = _callback(client, _authorize(_start(client)))
    assert r.status_code == 302
    victim = _logged_in_user(client)
    assert victim is not None and victim != squatter
    assert SocialAccount.objects.get().user == victim
    assert not SocialAccount.objects.filter(user=squatter).exists()
    mine = PersonProfile.objects.get(user=victim)
    assert mine.cccd == CCCD and mine.cccd_verified
    assert mine.cccd_source == PersonProfile.CccdSource.IDENTITY_PROVIDER
    # The verified claim wins: the typed claim is removed from the squatter's account, audited,
    # and its holder told.
    theirs = PersonProfile.objects.get(user=squatter)
    assert theirs.cccd == "" and theirs.cccd_hash is None and not theirs.cccd_verified
    entry = AuditEntry.objects.get(action="accounts.cccd_claim_removed")
    assert entry.target_id == str(theirs.public_id) and CCCD not in str(entry.changes)
    assert AuditEntry.objects.filter(action="accounts.cccd_verified").count() == 1
    notice = Notification.objects.get(
        recipient=squatter, template="cccd_claim_removed", channel="in_app"
    )
    assert CCCD not in notice.body and "định danh điện tử" in notice.body


@pytest.mark.django_db
def test_identity_sign_in_connects_to_the_account_it_verified(client, oidc):  # noqa: F811
    owner = UserFactory(email="chu@example.vn")
    _verified(owner)
    oidc.claims = {
        **oidc.claims,
        "sub": "vneid-khac",
        "email": "x@example.vn",
        "email_verified": False,
    }
    _callback(client, _authorize(_start(client)))
    assert _logged_in_user(client) == owner
    assert SocialAccount.objects.get().user == owner
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_sign_in_by_verified_email_verifies_the_accounts_number(client, oidc):  # noqa: F811
    """allauth's email authentication (the provider says the address is verified, and it is verified
    here) signs into that account; the claim then replaces what was typed, and is verified."""
    existing = UserFactory(email="dan@example.vn")
    _type(existing, OTHER)
    _callback(client, _authorize(_start(client)))
    assert _logged_in_user(client) == existing
    profile = PersonProfile.objects.get(user=existing)
    assert profile.cccd == CCCD and profile.cccd_verified
    # A later sign-in changes nothing more.
    client.logout()
    _callback(client, _authorize(_start(client)))
    assert AuditEntry.objects.filter(action="accounts.cccd_verified").count() == 1


@pytest.mark.django_db
def test_a_number_verified_on_another_account_is_not_taken_over(client, oidc):  # noqa: F811
    holder = UserFactory(email="chu@example.vn")
    _verified(holder)
    existing = UserFactory(email="dan@example.vn")  # signs in by verified email with the same claim
    _callback(client, _authorize(_start(client)))
    assert _logged_in_user(client) == existing
    assert PersonProfile.objects.get(user=holder).cccd_verified
    assert not PersonProfile.objects.filter(user=existing, cccd_hash__isnull=False).exists()


# --- the counter intake and the staff lookup -------------------------------------------------------


@pytest.mark.django_db
def test_counter_intake_does_not_file_into_the_account_that_typed_the_number():
    squatter = UserFactory()
    _type(squatter, CCCD)
    officer = UserFactory(is_staff=True)
    user, _org = services.applicant_find_or_create(
        actor=officer, cccd=CCCD, full_name="Lý Thị Dân", phone="0912000009"
    )
    assert user != squatter
    # The next visit finds the account the counter made.
    again, _org = services.applicant_find_or_create(actor=officer, cccd=CCCD)
    assert again == user
    # A verified number is the person's.
    owner = UserFactory()
    _verified(owner)
    found, _org = services.applicant_find_or_create(actor=officer, cccd=CCCD)
    assert found == owner


@pytest.mark.django_db
def test_staff_lookup_lists_the_verified_holder_first():
    from opendvc.accounts.selectors import find_persons

    _type(UserFactory(), CCCD)
    owner = UserFactory()
    _verified(owner)
    _type(UserFactory(), OTHER)
    _type(UserFactory(), OTHER)
    assert [p.user for p in find_persons(query=CCCD)] == [owner]
    assert len(find_persons(query=OTHER)) == 2


@pytest.mark.django_db
def test_connecting_the_identity_from_a_signed_in_account_verifies_its_number(client, oidc):  # noqa: F811
    from django.urls import reverse

    user = UserFactory(email="nguoi-dung@example.vn")
    _type(user, OTHER)
    squatter = UserFactory()
    _type(squatter, CCCD)
    client.force_login(user)
    r = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "vneid"}), {"process": "connect"}
    )
    assert r.status_code == 302
    _callback(client, _authorize(r["Location"]))
    assert SocialAccount.objects.get().user == user
    profile = PersonProfile.objects.get(user=user)
    assert profile.cccd == CCCD and profile.cccd_verified
    assert PersonProfile.objects.get(user=squatter).cccd == ""


@pytest.mark.django_db
def test_a_verified_profile_keeps_its_date_of_birth_and_gender(client):
    """The verified number is checked against the date of birth and the gender: clearing them would
    leave the check nothing to compare. A different date of the same year is still checked and kept."""
    from datetime import date

    from opendvc.dossiers.tests.conftest import sign_in

    user = UserFactory()
    services.update_profile(
        user=user,
        actor=user,
        data={"full_name": user.full_name, "date_of_birth": date(2001, 5, 4), "gender": "female"},
    )
    _verified(user)
    for data, field, code in (
        ({"date_of_birth": ""}, "date_of_birth", "date_of_birth_required"),
        ({"gender": ""}, "gender", "gender_required"),
    ):
        with pytest.raises(ValidationError) as err:
            services.update_profile(user=user, actor=user, data={"full_name": user.full_name, **data})
        assert err.value.error_dict[field][0].code == code
    sign_in(client, user)
    r = client.put(
        "/api/v1/accounts/profile", {"date_of_birth": ""}, content_type="application/json"
    )
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert [e["path"] for e in r.json()["errors"]] == ["date_of_birth"]
    profile = PersonProfile.objects.get(user=user)
    assert profile.date_of_birth == date(2001, 5, 4) and profile.gender == "female"
    # Another day of the same year is checked against the number, and kept.
    services.update_profile(
        user=user, actor=user, data={"full_name": user.full_name, "date_of_birth": date(2001, 6, 1)}
    )
    assert PersonProfile.objects.get(user=user).date_of_birth == date(2001, 6, 1)
