import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

from opendvc.accounts.management.commands.demo_totp import current_code

from .factories import PASSWORD, StaffRoleFactory


@pytest.mark.django_db
def test_staff_without_totp_is_sent_to_enrol():
    sr = StaffRoleFactory(role="leader")
    c = Client()
    c.force_login(sr.user)
    r = c.get(reverse("accounts:agency_staff", args=[sr.agency.code]))
    assert r.status_code == 302 and r["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, 5, tzinfo=dt.UTC), tick=False)
def test_staff_login_requires_code_and_recovery_codes_work():
    sr = StaffRoleFactory(role="head")
    secret = generate_totp_secret()
    TOTP.activate(sr.user, secret)
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    rc = RecoveryCodes.activate(sr.user)
    c = Client()
    r = c.post(reverse("account_login"), {"login": sr.user.email, "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == reverse("mfa_authenticate")
    page = reverse("accounts:agency_staff", args=[sr.agency.code])
    assert c.get(page).status_code == 302  # not signed in until the second factor
    r = c.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert r.status_code == 200 and "Mã xác thực không đúng" in r.content.decode()
    r = c.post(reverse("mfa_authenticate"), {"code": rc.get_unused_codes()[0]})
    assert r.status_code == 302
    assert c.get(page).status_code == 200

    c2 = Client()
    c2.post(reverse("account_login"), {"login": sr.user.email, "password": PASSWORD})
    assert c2.post(reverse("mfa_authenticate"), {"code": current_code(sr.user)}).status_code == 302
    assert c2.get(page).status_code == 200


@pytest.mark.django_db
def test_staff_cannot_deactivate_totp():
    sr = StaffRoleFactory(role="processing_officer")
    TOTP.activate(sr.user, generate_totp_secret())
    from allauth.mfa.adapter import get_adapter

    assert not get_adapter().can_delete_authenticator(Authenticator.objects.get(user=sr.user))


def test_current_code_matches_allauth():
    import time

    secret = generate_totp_secret()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert len(code) == 6 and code.isdigit()


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client):
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))
    sr = StaffRoleFactory(role="administrator")
    TOTP.activate(sr.user, generate_totp_secret())
    r = client.post("/admin/login/", {"username": sr.user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session  # no password-only door into the admin


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, 5, tzinfo=dt.UTC), tick=False)
def test_enrolment_then_back_office():
    sr = StaffRoleFactory(role="head")
    c = Client()
    assert (
        c.post(reverse("account_login"), {"login": sr.user.email, "password": PASSWORD}).status_code
        == 302
    )
    page = reverse("accounts:agency_staff", args=[sr.agency.code])
    r = c.get(page)
    assert r["Location"].startswith(reverse("mfa_activate_totp"))
    r = c.get(reverse("mfa_activate_totp"))  # allauth asks for the password again first
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_reauthenticate"))
    r = c.post(r["Location"], {"password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == reverse("mfa_activate_totp")
    r = c.get(reverse("mfa_activate_totp"))
    assert r.status_code == 200 and "Bật ứng dụng xác thực" in r.content.decode()
    secret = r.context["form"].secret
    r = c.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert r.status_code == 200 and "Mã xác thực không đúng" in r.content.decode()
    code = format_hotp_value(
        hotp_value(secret, int(dt.datetime(2026, 11, 28, 3, 0, 5, tzinfo=dt.UTC).timestamp()) // 30)
    )
    r = c.post(reverse("mfa_activate_totp"), {"code": code})
    assert r.status_code == 302 and r["Location"] == reverse("mfa_view_recovery_codes")
    assert "Các mã chưa dùng" in c.get(r["Location"]).content.decode()
    assert c.get(page).status_code == 200


@pytest.mark.django_db
def test_admin_requires_totp(client):
    from opendvc.accounts.models import User

    admin_user = User.objects.create_superuser(email="quantri@example.vn", password=PASSWORD)
    client.force_login(admin_user)
    r = client.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("mfa_activate_totp"))
    TOTP.activate(admin_user, generate_totp_secret())
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/personprofile/").status_code == 200


@pytest.mark.django_db
def test_admin_pages_show_personal_data_masked(client):
    from opendvc.accounts.models import PersonProfile, User

    from .factories import MembershipFactory, StaffRoleFactory

    admin_user = User.objects.create_superuser(email="quantri@example.vn", password=PASSWORD)
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)
    person = User.objects.create_user(email="dan@example.vn", password="x", phone="0912345678")
    profile = PersonProfile.objects.create(user=person)
    profile.cccd = "075090123456"
    profile.save()
    org = MembershipFactory(user=person).organisation
    sr = StaffRoleFactory()
    for url in [
        f"/admin/accounts/user/{person.pk}/change/",
        f"/admin/accounts/personprofile/{profile.pk}/change/",
        "/admin/accounts/personprofile/",
        "/admin/accounts/user/",
        f"/admin/accounts/organisation/{org.pk}/change/",
        f"/admin/agencies/staffrole/{sr.pk}/change/",
        f"/admin/agencies/agency/{sr.agency.pk}/change/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert "075090123456" not in html and "0912345678" not in html
    assert "075******456" in client.get("/admin/accounts/personprofile/").content.decode()


@pytest.mark.django_db
def test_admin_adds_an_account(client):
    from opendvc.accounts.models import User

    admin_user = User.objects.create_superuser(email="quantri@example.vn", password=PASSWORD)
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)
    assert client.get("/admin/accounts/user/add/").status_code == 200
    r = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "moi@example.vn",
            "password1": "Mat-khau-dai-2025",
            "password2": "Mat-khau-dai-2025",
            "usable_password": "true",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert User.objects.get(email="moi@example.vn").check_password("Mat-khau-dai-2025")
