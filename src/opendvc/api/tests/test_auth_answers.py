"""Who is calling, answered right: a write without a session or a valid token is 401 (not a CSRF
failure); a signed-in browser's write without its CSRF token is 403 in Vietnamese; a token is
revoked once, and audited once, however often the request is repeated."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from opendvc.accounts.models import User
from opendvc.api.models import ApiToken
from opendvc.api.services import api_token_create, api_token_revoke
from opendvc.audit.models import AuditEntry
from opendvc.core.problems import ProblemError

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"

WRITES = [
    ("post", "/api/v1/dossiers"),
    ("delete", "/api/v1/tokens/1"),
    ("post", "/api/v1/procedures/2.000635/form/validate"),
]


@pytest.fixture
def owner():
    return User.objects.create_user(email="chu-ma@example.vn", password="mat-khau-dai-123")


@pytest.mark.parametrize("authorization", [None, "Bearer odvc_wrongtoken", "Bearer khong-dung"])
@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_write_without_session_or_valid_token_is_401_in_vietnamese(authorization, method, path):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = getattr(client, method)(path, "{}", content_type="application/json", **headers)
    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["detail"] == "Cần đăng nhập hoặc mã truy cập hợp lệ."


def test_a_revoked_token_writing_is_401(owner):
    token, raw = api_token_create(owner=owner, name="may", scopes=["*"])
    api_token_revoke(token=token, actor=owner)
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/dossiers",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_signed_in_write_without_csrf_is_still_refused_in_vietnamese(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = browser.post(
        "/api/v1/tokens", {"name": "x", "scopes": ["read"]}, content_type="application/json"
    )
    assert response.status_code == 403, response.content[:300]
    body = response.json()
    assert body["code"] == "permission_denied" and body["reason"] == "csrf"
    assert "CSRF" in body["detail"] and "Failed" not in body["detail"]
    assert not ApiToken.objects.filter(owner=owner).exists()
    # A wrong bearer token does not lift the CSRF check of the session sent with it.
    response = browser.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"]},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer odvc_wrongtoken",
    )
    assert response.status_code == 403 and response.json()["reason"] == "csrf"
    assert not ApiToken.objects.filter(owner=owner).exists()


def test_a_signed_in_write_with_its_csrf_token_passes(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    csrf = _get_new_csrf_string()
    browser.cookies["csrftoken"] = csrf
    response = browser.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 201, response.content[:300]


def test_a_signed_in_read_needs_no_csrf(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get("/api/v1/me").status_code == 200


def _revocations(token) -> int:
    return AuditEntry.objects.filter(action="api_token.revoke", target_id=str(token.pk)).count()


def test_revoking_a_token_twice_is_404_and_audited_once(owner):
    browser = Client()
    browser.force_login(owner)
    token, _raw = api_token_create(owner=owner, name="may", scopes=["read"])
    assert browser.delete(f"/api/v1/tokens/{token.pk}").status_code == 204
    again = browser.delete(f"/api/v1/tokens/{token.pk}")
    assert again.status_code == 404, again.content[:300]
    assert again.json()["code"] == "not_found"
    assert _revocations(token) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_revocations_record_one_on_postgresql(postgres_db, owner):
    token, _raw = api_token_create(owner=owner, name="may", scopes=["read"])
    outcomes: list[str] = []
    start = threading.Barrier(3)

    def revoke():
        start.wait()
        try:
            api_token_revoke(token=ApiToken.objects.get(pk=token.pk), actor=owner)
            outcomes.append("ok")
        except ProblemError as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=revoke) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["not_found", "not_found", "ok"]
    assert _revocations(token) == 1
