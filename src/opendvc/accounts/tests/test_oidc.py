"""OIDC login against a real provider on loopback: code flow with PKCE; bad state, bad signature,
expired token and a replayed code are refused; first login creates or links the account."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from opendvc.accounts.models import PersonProfile, User

from .factories import ProfileFactory, UserFactory
from .oidc_provider import OIDCTestProvider

PROVIDER_ID = "vneid"


@pytest.fixture(scope="module")
def idp():
    provider = OIDCTestProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(idp, settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    providers = {k: dict(v) for k, v in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["openid_connect"]["APPS"] = [
        {
            "provider_id": PROVIDER_ID,
            "name": "VNeID (thử nghiệm)",
            "client_id": idp.client_id,
            "secret": idp.client_secret,
            "settings": {
                "server_url": idp.issuer,
                "token_auth_method": "client_secret_post",
                "oauth_pkce_enabled": True,
            },
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    idp.sign_with_foreign_key = False
    idp.expired = False
    idp.wrong_nonce = False
    idp.claims = {
        "sub": "vneid-0001",
        "email": "dan@example.vn",
        "email_verified": True,
        "name": "Lý Thị Dân",
        "cccd": "075301004321",
    }
    return idp


def _start(client) -> str:
    """Begin the login on the portal; return the provider's authorization URL."""
    r = client.post(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}))
    assert r.status_code == 302
    return r["Location"]


def _authorize(url: str) -> str:
    """Let the real provider answer the authorization request; return the portal callback URL."""
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 302
    return r.headers["Location"]


def _callback(client, url: str):
    parsed = urlparse(url)
    return client.get(parsed.path, parse_qs(parsed.query))


def _logged_in_user(client):
    uid = client.session.get("_auth_user_id")
    return User.objects.get(pk=uid) if uid else None


@pytest.mark.django_db
def test_code_flow_with_pkce_creates_account(client, oidc):
    auth_url = _start(client)
    q = parse_qs(urlparse(auth_url).query)
    assert q["code_challenge_method"] == ["S256"] and q["code_challenge"][0] and q["state"][0]
    assert len(q["nonce"][0]) >= 20
    before = oidc.pkce_verified
    r = _callback(client, _authorize(auth_url))
    assert r.status_code == 302, r.content.decode()
    assert oidc.pkce_verified == before + 1
    assert oidc.token_requests[-1]["code_verifier"]
    user = _logged_in_user(client)
    assert user is not None and user.email == "dan@example.vn" and user.full_name == "Lý Thị Dân"
    assert SocialAccount.objects.get(user=user).uid == "vneid-0001"
    profile = PersonProfile.objects.get(user=user)
    assert profile.cccd == "075301004321" and profile.cccd_verified
    import json

    stored = json.dumps(SocialAccount.objects.get(user=user).extra_data)
    assert (
        "075301004321" not in stored and "075******321" in stored
    )  # encrypted in the profile only
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_first_login_links_by_verified_email(client, oidc):
    existing = UserFactory(email="dan@example.vn")
    _callback(client, _authorize(_start(client)))
    assert _logged_in_user(client) == existing
    assert SocialAccount.objects.get().user == existing
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_first_login_links_by_cccd_claim_only_when_verified_by_the_provider(client, oidc):
    from opendvc.accounts.services import verify_cccd_from_identity_provider

    typed = ProfileFactory(user__email="khac@example.vn", gender="female")
    typed.cccd = "075301004321"
    typed.save()
    verified = UserFactory(email="da-xac-thuc@example.vn")
    oidc.claims = {**oidc.claims, "email": "dan-moi@example.vn", "email_verified": False}
    assert verify_cccd_from_identity_provider(user=verified, cccd="075301004321")
    _callback(client, _authorize(_start(client)))
    assert _logged_in_user(client) == verified
    assert SocialAccount.objects.get().user == verified


@pytest.mark.django_db
def test_unverified_email_does_not_take_over_an_account(client, oidc):
    UserFactory(email="dan@example.vn")
    oidc.claims = {**oidc.claims, "email_verified": False, "cccd": ""}
    _callback(client, _authorize(_start(client)))
    assert _logged_in_user(client) is None
    assert not SocialAccount.objects.exists()


def _refused(client, r):
    assert r.status_code in (200, 400, 401), r.status_code
    assert "Đăng nhập không thành công" in r.content.decode()
    assert _logged_in_user(client) is None
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_bad_state_refused(client, oidc):
    callback = _authorize(_start(client))
    tampered = callback.replace("state=", "state=x")
    _refused(client, _callback(client, tampered))


@pytest.mark.django_db
def test_bad_signature_refused(client, oidc):
    oidc.sign_with_foreign_key = True
    _refused(client, _callback(client, _authorize(_start(client))))


@pytest.mark.django_db
def test_expired_token_refused(client, oidc):
    oidc.expired = True
    _refused(client, _callback(client, _authorize(_start(client))))


@pytest.mark.django_db
def test_wrong_nonce_refused(client, oidc):
    oidc.wrong_nonce = True
    _refused(client, _callback(client, _authorize(_start(client))))


@pytest.mark.django_db
def test_replayed_callback_refused(client, oidc):
    callback = _authorize(_start(client))
    assert _callback(client, callback).status_code == 302
    client.logout()
    replay = _callback(client, callback)  # same code and state a second time
    assert "Đăng nhập không thành công" in replay.content.decode()
    assert _logged_in_user(client) is None


def test_settings_build_the_provider_from_environment(monkeypatch):
    monkeypatch.setenv("OIDC_CLIENT_ID", "cong-dvc")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "s")
    monkeypatch.setenv("OIDC_SERVER_URL", "https://id.example.gov.vn")
    base = Path(__file__).resolve().parents[2] / "settings" / "base.py"
    ns = runpy.run_path(str(base))
    app = ns["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"][0]
    assert (
        app["client_id"] == "cong-dvc"
        and app["settings"]["server_url"] == "https://id.example.gov.vn"
    )
    assert app["settings"]["oauth_pkce_enabled"] is True
    monkeypatch.delenv("OIDC_CLIENT_ID")
    assert runpy.run_path(str(base))["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []


@pytest.mark.django_db
def test_staff_with_totp_still_enters_the_code_after_oidc(client, oidc):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = UserFactory(email="dan@example.vn", is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    r = _callback(client, _authorize(_start(client)))
    assert r.status_code == 302 and r["Location"] == reverse("mfa_authenticate")
    assert _logged_in_user(client) is None


@pytest.mark.django_db
def test_the_cccd_claim_survives_the_sign_up_form(client, oidc):
    """The provider sends no e-mail address: the sign-in goes on through the sign-up form, and the
    account made there still gets the provider's CCCD as its verified number (the claim is kept
    encrypted in the session)."""
    oidc.claims = {k: v for k, v in oidc.claims.items() if k not in ("email", "email_verified")}
    r = _callback(client, _authorize(_start(client)))
    assert r.status_code == 302 and r["Location"] == reverse("socialaccount_signup")
    pending = json.dumps(client.session["socialaccount_sociallogin"], default=str)
    assert "075301004321" not in pending  # encrypted in the session too
    form = client.get(r["Location"])
    assert form.status_code == 200
    done = client.post(r["Location"], {"email": "dan-moi@example.vn"})
    assert done.status_code == 302, done.content.decode()[:2000]
    user = User.objects.get(email="dan-moi@example.vn")
    assert SocialAccount.objects.get().user == user
    profile = PersonProfile.objects.get(user=user)
    assert profile.cccd == "075301004321" and profile.cccd_verified


@pytest.mark.django_db
def test_a_provider_address_taken_by_another_account_is_not_disclosed(client, oidc):
    """The provider's e-mail address (not verified by it) belongs to an account it cannot take over:
    the page only says a mail was sent, no account is made, and the address's owner is told that an
    account already exists, with the way to reset its password."""
    from django.core import mail

    UserFactory(email="dan@example.vn")
    oidc.claims = {**oidc.claims, "email_verified": False}
    r = _callback(client, _authorize(_start(client)))
    assert r.status_code == 302 and r["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1 and not SocialAccount.objects.exists()
    (notice,) = mail.outbox
    assert notice.to == ["dan@example.vn"] and "Email này đã có tài khoản" in notice.subject
