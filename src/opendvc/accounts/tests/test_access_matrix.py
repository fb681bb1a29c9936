"""Every role × every protected page and API operation of accounts/agencies × own / same-agency /
other-agency object → the designed answer. Staff here have TOTP enrolled (the gate checks it)."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from opendvc.accounts.models import PersonProfile
from opendvc.agencies.models import StaffRole

from .factories import (
    AgencyFactory,
    MembershipFactory,
    StaffRoleFactory,
    TierFactory,
    UserFactory,
    mark_mfa_passed,
)

ROLES = [r.value for r in StaffRole.Role]
LEADS = {"leader", "head", "administrator"}  # see own agency's staff and the sub-agencies'
LOOKUP = {
    "receiving_officer",
    "processing_officer",
    "leader",
    "head",
    "switchboard",
    "province_office",
    "administrator",
}


@pytest.fixture
def world(db):
    tinh = TierFactory()
    province = AgencyFactory(code="000.00.00.H19", tier=tinh)
    own = AgencyFactory(code="000.00.32.H19", parent=province, tier=tinh)
    sub = AgencyFactory(code="000.01.32.H19", parent=own, tier=tinh)
    other = AgencyFactory(code="000.00.33.H19", parent=province, tier=tinh)
    citizen = UserFactory()
    profile = PersonProfile.objects.create(user=citizen)
    profile.cccd = "075090123456"
    profile.save()
    neighbour = PersonProfile.objects.create(user=UserFactory())
    org = MembershipFactory(user=citizen).organisation
    other_org = MembershipFactory().organisation
    return {
        "own": own,
        "sub": sub,
        "other": other,
        "citizen": citizen,
        "profile": profile,
        "neighbour": neighbour,
        "org": org,
        "other_org": other_org,
    }


def _staff_client(role, agency) -> Client:
    sr = StaffRoleFactory(role=role, agency=agency)
    TOTP.activate(sr.user, generate_totp_secret())
    c = Client()
    c.force_login(sr.user)
    mark_mfa_passed(c)
    return c


def _expected_staff_page(role, obj):
    if role == "province_office":
        return 200
    if role in LEADS and obj in ("own", "sub"):
        return 200
    return 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("obj", ["own", "sub", "other"])
def test_agency_staff_page(world, role, obj):
    c = _staff_client(role, world["own"])
    r = c.get(reverse("accounts:agency_staff", args=[world[obj].code]))
    assert r.status_code == _expected_staff_page(role, obj)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("obj", ["own", "sub", "other"])
def test_agency_staff_grant(world, role, obj):
    c = _staff_client(role, world["own"])
    newcomer = UserFactory()
    r = c.post(
        reverse("accounts:agency_staff", args=[world[obj].code]),
        {"email": newcomer.email, "role": "processing_officer"},
    )
    allowed = role in {"head", "administrator"} and obj in ("own", "sub")
    assert r.status_code == (302 if allowed else 403)
    assert StaffRole.objects.filter(user=newcomer).exists() == allowed


@pytest.mark.parametrize("role", ROLES)
def test_person_pages(world, role):
    c = _staff_client(role, world["own"])
    url = reverse("accounts:person_detail", args=[world["profile"].public_id])
    r = c.get(url)
    if role not in LOOKUP:
        assert r.status_code == 403
        assert c.post(url, {"reason": "Đối chiếu hồ sơ nộp trực tuyến"}).status_code == 403
        assert c.get(f"/api/v1/accounts/profiles/{world['profile'].public_id}").status_code == 404
        return
    assert r.status_code == 200
    html = r.content.decode()
    assert "075******456" in html and "075090123456" not in html
    r = c.post(url, {"reason": "ngắn"})
    assert "075090123456" not in r.content.decode()
    r = c.post(url, {"reason": "Đối chiếu hồ sơ nộp trực tuyến"})
    assert "075090123456" in r.content.decode()
    api = c.get(f"/api/v1/accounts/profiles/{world['profile'].public_id}").json()
    assert api["cccd"] == "075******456" and api["masked"] is True
    import uuid

    assert c.get(reverse("accounts:person_detail", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_deletion_requests_page(world, role):
    c = _staff_client(role, world["own"])
    r = c.get(reverse("accounts:deletion_requests"))
    assert r.status_code == (200 if role == "administrator" else 403)


class TestCitizen:
    def test_own_things_only(self, world):
        c = Client()
        c.force_login(world["citizen"])
        own = c.get(f"/api/v1/accounts/profiles/{world['profile'].public_id}")
        assert own.status_code == 200 and own.json()["cccd"] == "075090123456"
        guess = c.get(f"/api/v1/accounts/profiles/{world['neighbour'].public_id}")
        assert guess.status_code == 404 and guess.json()["code"] == "not_found"
        assert (
            c.get(reverse("accounts:organisation", args=[world["org"].public_id])).status_code
            == 200
        )
        assert (
            c.get(reverse("accounts:organisation", args=[world["other_org"].public_id])).status_code
            == 404
        )
        for name, args in [
            ("accounts:person_detail", [world["neighbour"].public_id]),
            ("accounts:deletion_requests", []),
            ("accounts:agency_staff", [world["own"].code]),
        ]:
            assert c.get(reverse(name, args=args)).status_code == 403
        assert c.get(reverse("accounts:profile")).status_code == 200

    def test_anonymous(self, world):
        c = Client()
        for name, args in [
            ("accounts:profile", []),
            ("accounts:sessions", []),
            ("accounts:api_tokens", []),
            ("accounts:organisations", []),
            ("accounts:data_export", []),
            ("accounts:deletion", []),
            ("accounts:person_detail", [world["profile"].public_id]),
            ("accounts:deletion_requests", []),
            ("accounts:agency_staff", [world["own"].code]),
        ]:
            r = c.get(reverse(name, args=args))
            assert r.status_code == 302 and "/tai-khoan/login/" in r["Location"]
        for url in [
            "/api/v1/accounts/profile",
            "/api/v1/accounts/organisations",
            f"/api/v1/accounts/profiles/{world['profile'].public_id}",
        ]:
            assert c.get(url).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_own_account_operations(world, role):
    """Staff are people too: their own account pages and API, nobody else's."""
    c = _staff_client(role, world["own"])
    for name in [
        "accounts:profile",
        "accounts:sessions",
        "accounts:api_tokens",
        "accounts:organisations",
        "accounts:deletion",
    ]:
        assert c.get(reverse(name)).status_code == 200
    assert c.get("/api/v1/accounts/profile").status_code == 200
    assert (
        c.put(
            "/api/v1/accounts/profile", {"full_name": "Cán Bộ"}, content_type="application/json"
        ).status_code
        == 200
    )
    assert c.get("/api/v1/accounts/organisations").json() == []
    assert c.get(reverse("accounts:organisation", args=[world["org"].public_id])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_handling_deletion_requests(world, role):
    from opendvc.accounts.models import DeletionRequest

    dr = DeletionRequest.objects.create(user=world["citizen"])
    c = _staff_client(role, world["own"])
    r = c.post(
        reverse("accounts:deletion_requests"), {"request": str(dr.public_id), "decision": "reject"}
    )
    assert r.status_code == (302 if role == "administrator" else 403)
    dr.refresh_from_db()
    assert dr.status == ("rejected" if role == "administrator" else "pending")


@pytest.mark.parametrize("role", ROLES)
def test_person_search(world, role):
    from opendvc.audit.models import AuditEntry

    c = _staff_client(role, world["own"])
    r = c.get(reverse("accounts:person_search"), {"q": "075 090 123 456"})
    if role not in LOOKUP:
        assert r.status_code == 403
        return
    html = r.content.decode()
    assert r.status_code == 200 and str(world["profile"].public_id) in html
    assert "075******456" in html and "075090123456" not in html
    entry = AuditEntry.objects.filter(action="accounts.person_searched").latest("id")
    assert entry.changes == {"kind": "number", "found": 1}
    assert "075090123456" not in str(entry.changes)
    by_email = c.get(
        reverse("accounts:person_search"), {"q": world["citizen"].email.upper()}
    ).content.decode()
    assert str(world["profile"].public_id) in by_email
    assert (
        "Không tìm thấy"
        in c.get(reverse("accounts:person_search"), {"q": "0750901234"}).content.decode()
    )
