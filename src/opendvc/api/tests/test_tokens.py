"""Bearer tokens: hashed at rest, scoped, revocable, and usable for writes without CSRF."""

import pytest
from django.test import Client
from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.api.models import ApiToken, hash_token
from opendvc.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return User.objects.create_user(email="may-khach@example.vn", password="x")


def _create(client, scopes=("read",), **extra):
    response = client.post(
        "/api/v1/tokens",
        {"name": "Ứng dụng di động", "scopes": list(scopes), **extra},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_token_is_shown_once_and_stored_hashed(owner):
    client = Client(enforce_csrf_checks=False)
    client.force_login(owner)
    body = _create(client)
    token = ApiToken.objects.get(pk=body["id"])
    assert token.token_hash == hash_token(body["token"]) and body["token"] not in token.token_hash
    assert "token" not in client.get("/api/v1/tokens").json()[0]
    assert AuditEntry.objects.filter(action="api_token.create").exists()


def test_bearer_token_authenticates_reads_and_writes_without_csrf(owner):
    session = Client()
    session.force_login(owner)
    raw = _create(session, scopes=("read",))["token"]
    machine = Client(enforce_csrf_checks=True)
    me = machine.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["scopes"] == ["read"]
    # A write with the token is authenticated (no CSRF failure); tokens may not mint tokens.
    response = machine.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Chỉ người dùng đăng nhập")


def test_scope_is_enforced(owner):
    session = Client()
    session.force_login(owner)
    raw = _create(session, scopes=("read",))["token"]
    response = Client().put(
        "/api/v1/accounts/profile",
        {"full_name": "Nguyễn Văn A"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403 and response.json()["scope"] == "accounts:write"


def test_revoked_expired_and_unknown_tokens_are_refused(owner):
    session = Client()
    session.force_login(owner)
    body = _create(session)
    assert session.delete(f"/api/v1/tokens/{body['id']}").status_code == 204
    assert (
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}").status_code == 401
    )
    other = _create(session)
    ApiToken.objects.filter(pk=other["id"]).update(expires_at=timezone.now())
    assert (
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {other['token']}").status_code == 401
    )
    assert (
        Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer odvc_khongcothat").status_code == 401
    )


def test_bad_scope_and_past_expiry_are_400(owner):
    session = Client()
    session.force_login(owner)
    response = session.post(
        "/api/v1/tokens", {"name": "x", "scopes": ["root"]}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_scope"
    assert "read" in response.json()["allowed"]
    response = session.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00+07:00"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_expiry"
    assert not ApiToken.objects.exists()


def test_a_name_of_spaces_is_no_name(owner):
    client = Client()
    client.force_login(owner)
    r = client.post("/api/v1/tokens", {"name": "   ", "scopes": ["read"]}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"] == [{"path": "name", "message": "Hãy đặt tên cho mã truy cập."}]
    assert not ApiToken.objects.exists()
    r = client.post("/api/v1/tokens", {"name": "  Kế toán  ", "scopes": ["read"]}, content_type="application/json")
    assert r.status_code == 201 and r.json()["name"] == "Kế toán"


@pytest.mark.parametrize(
    ("sent", "path"),
    [
        ({"scopes": ["root"]}, "scopes"),
        ({"scopes": ["integrations"]}, "scopes"),  # a staff scope asked by a citizen
        ({"scopes": ["read"], "expires_at": "2020-01-01T00:00:00+07:00"}, "expires_at"),
    ],
)
def test_a_refused_scope_or_past_expiry_names_its_field(owner, sent, path):
    """Every refusal of a field names it in ``errors``, as the 422s do: an app shows the message at
    the scopes or the expiry; these two 400s had only a ``detail``."""
    session = Client()
    session.force_login(owner)
    r = session.post("/api/v1/tokens", {"name": "x", **sent}, content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"] == [{"path": path, "message": r.json()["detail"]}]
    assert not ApiToken.objects.exists()


def test_bidi_and_invisible_characters_are_not_kept_in_a_token_name(owner):
    """A name with a right-to-left override (U+202E) showed reversed in the list of tokens; one of
    invisible characters only was a token without a name."""
    client = Client()
    client.force_login(owner)
    r = client.post(
        "/api/v1/tokens",
        {"name": "Máy \u202echủ\u200b báo cáo", "scopes": ["read"]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["name"] == "Máy chủ báo cáo"
    r = client.post(
        "/api/v1/tokens",
        {"name": "\u202e\u200b", "scopes": ["read"]},
        content_type="application/json",
    )
    assert r.status_code == 422 and [e["path"] for e in r.json()["errors"]] == ["name"]
    assert ApiToken.objects.count() == 1
