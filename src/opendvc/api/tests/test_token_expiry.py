"""A token's expiry: with an offset, within the allowed lifetime (a naive time was a 500; one beyond
year 9999 in UTC was stored by PostgreSQL and then broke the owner's token list, revocation and use)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.api.models import ApiToken
from opendvc.api.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return User.objects.create_user(email="may-khach@example.vn", password="x")


@pytest.mark.parametrize(
    ("expires_at", "word"),
    [
        ("2030-01-01T00:00:00", "múi giờ"),
        ("9999-12-31T23:59:59-14:00", "5 năm"),
        ("9999-12-31T23:59:59Z", "5 năm"),
    ],
)
def test_expiry_without_offset_or_too_far_is_422_and_no_token(owner, expires_at, word):
    session = Client(raise_request_exception=False)
    session.force_login(owner)
    response = session.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"], "expires_at": expires_at},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["path"] == "expires_at" and word in body["errors"][0]["message"]
    assert not ApiToken.objects.exists()


def test_expiry_far_in_the_past_with_an_offset_is_400(owner):
    session = Client(raise_request_exception=False)
    session.force_login(owner)
    response = session.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"], "expires_at": "0001-01-01T00:00:00+14:00"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_expiry"


def test_expiry_within_the_lifetime_is_kept(owner):
    session = Client()
    session.force_login(owner)
    at = (timezone.now() + timedelta(days=365 * 4)).replace(microsecond=0)
    response = session.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"], "expires_at": at.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert ApiToken.objects.get().expires_at == at


def test_a_stored_expiry_beyond_year_9999_is_capped_by_the_migration(postgres_db, owner):
    """PostgreSQL kept year 10000 (Python cannot read it: list, revoke and use were 500); the
    migration gives such a token the longest allowed expiry."""
    import importlib

    from django.apps import apps
    from django.db import connection

    token, raw = api_token_create(owner=owner, name="x", scopes=["read"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE api_apitoken SET expires_at = '10000-01-01 13:59:59+00' WHERE id = %s",
            [token.pk],
        )
    migration = importlib.import_module("opendvc.api.migrations.0002_cap_unreadable_token_expiry")
    with connection.schema_editor() as editor:
        migration.cap(apps, editor)
    expires_at = ApiToken.objects.get(pk=token.pk).expires_at
    assert timezone.now() + timedelta(days=365 * 4) < expires_at
    assert expires_at < timezone.now() + timedelta(days=365 * 6)
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
