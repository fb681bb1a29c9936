"""The profile's text as stored: composed Unicode, bounded lengths refused with a message (never cut
silently), and the API's JSON body an object."""

from __future__ import annotations

import pytest

from opendvc.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.api.services import api_token_create

    user = UserFactory(full_name="Nguyễn Văn An")
    _token, secret = api_token_create(owner=user, name="t", scopes=["*"])
    return user, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_name_typed_with_combining_accents_is_stored_composed(client, api):
    user, auth = api
    r = client.put("/api/v1/accounts/profile", {"full_name": "Tra\u0302\u0300n Thi\u0323 Bi\u0300nh"},
                   content_type="application/json", **auth)
    assert r.status_code == 200, r.content
    assert User.objects.get(pk=user.pk).full_name == "Trần Thị Bình"


def test_a_long_street_is_refused_not_cut(client, api):
    user, auth = api
    r = client.put("/api/v1/accounts/profile", {"current_street": "s" * 10_000},
                   content_type="application/json", **auth)
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert any("300" in e["message"] for e in r.json()["errors"]), r.json()


@pytest.mark.parametrize("body", ["[1]", "3", '"x"', "null"])
def test_a_json_body_that_is_not_an_object_is_refused(client, api, body):
    user, auth = api
    r = client.put("/api/v1/accounts/profile", body, content_type="application/json", **auth)
    assert r.status_code == 422, (body, r.status_code, r.content)
    assert r.json()["code"] == "validation_error" and "đối tượng JSON" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Nguyễn \u202eVăn An", "Nguyễn Văn An"),  # right-to-left override
        ("Nguyễn\u200b Văn\u2066 An\u2069", "Nguyễn Văn An"),  # zero-width space, isolates
        ("Nguyễn \u202e Văn\u0007 An", "Nguyễn Văn An"),  # one space left where a mark stood alone
    ],
)
def test_bidi_and_invisible_characters_are_not_kept_in_a_name(client, api, typed, stored):
    """A right-to-left override kept in a name showed it, and whatever follows it on the line,
    reversed on the officers' pages and on the letters printed for the applicant."""
    user, auth = api
    r = client.put(
        "/api/v1/accounts/profile",
        {"full_name": typed, "current_street": typed},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200, r.content
    assert r.json()["full_name"] == stored
    assert User.objects.get(pk=user.pk).full_name == stored
