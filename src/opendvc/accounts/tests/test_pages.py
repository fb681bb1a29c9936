"""Every account page renders in the portal layout, in Vietnamese, with exactly one h1."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from .factories import MembershipFactory

ENGLISH = [
    "Sign In",
    "Sign Up",
    "Password",
    "Forgot",
    "Confirm",
    "Activate",
    "Recovery",
    "Messages:",
    "Menu:",
]


def _check(html: str) -> None:
    assert len(re.findall(r"<h1[\s>]", html)) == 1, html
    assert 'class="site-header"' in html and 'lang="vi"' in html
    text = re.sub(r"<[^>]+>", " ", html)
    for word in ENGLISH:
        assert word not in text, word


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_anonymous_pages(client, name):
    r = client.get(reverse(name))
    assert r.status_code == 200
    _check(r.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "account_logout",
        "account_change_password",
        "account_email",
        "mfa_index",
        "mfa_activate_totp",
        "accounts:profile",
        "accounts:sessions",
        "accounts:api_tokens",
        "accounts:organisations",
        "accounts:organisation_create",
        "accounts:deletion",
        "portal:account_home",
    ],
)
def test_signed_in_pages(citizen_client, name):
    r = citizen_client.get(reverse(name), follow=True)
    assert r.status_code == 200
    _check(r.content.decode())


@pytest.mark.django_db
def test_mfa_pages_after_enrolment(citizen_client, citizen):
    TOTP.activate(citizen, generate_totp_secret())
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(citizen)
    from .factories import PASSWORD

    r = citizen_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert r.status_code == 302
    for name in [
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
    ]:
        r = citizen_client.get(reverse(name))
        assert r.status_code == 200, (name, r.get("Location"))
        _check(r.content.decode())


@pytest.mark.django_db
def test_organisation_detail_page(citizen_client, citizen):
    org = MembershipFactory(user=citizen).organisation
    r = citizen_client.get(reverse("accounts:organisation", args=[org.public_id]))
    _check(r.content.decode())
    assert "Thêm thành viên" in r.content.decode()
