"""HEAD on the API is answered as GET without a body (RFC 9110 §9.3.2), with the same headers."""

from __future__ import annotations

import pytest
from django.test import Client

from opendvc.accounts.models import User
from opendvc.agencies import demo as agencies_demo
from opendvc.api.services import api_token_create
from opendvc.catalog import demo as catalog_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    agencies_demo.seed()
    catalog_demo.seed()


def _same_but_empty(get, head):
    assert head.status_code == get.status_code == 200, head.content[:300]
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
    assert int(head["Content-Length"]) == len(get.content)


def test_head_on_the_public_catalog_is_get_without_body(catalog):
    client = Client()
    get = client.get("/api/v1/procedures", {"page_size": 5})
    head = client.head("/api/v1/procedures", {"page_size": 5})
    _same_but_empty(get, head)
    assert head["ETag"] == get["ETag"] and head["Cache-Control"] == get["Cache-Control"]
    # A cache revalidating with HEAD gets 304 like GET.
    again = client.head("/api/v1/procedures", {"page_size": 5}, HTTP_IF_NONE_MATCH=get["ETag"])
    assert again.status_code == 304


def test_head_on_an_authenticated_endpoint():
    owner = User.objects.create_user(email="head@example.vn", password="mat-khau-dai-123")
    _token, raw = api_token_create(owner=owner, name="giam-sat", scopes=["read"])
    machine = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    _same_but_empty(machine.get("/api/v1/me", **auth), machine.head("/api/v1/me", **auth))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    _same_but_empty(browser.get("/api/v1/me"), browser.head("/api/v1/me"))
    # Without a caller, HEAD is refused as GET is.
    anonymous = Client().head("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.content == b""


def test_allow_names_head_where_get_is_allowed():
    response = Client().post("/api/v1/me", "{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["allowed_methods"] == ["GET", "HEAD"]


def test_head_on_a_write_only_address_is_405():
    response = Client().head("/api/v1/tokens/1")
    assert response.status_code == 405
    assert "HEAD" not in response["Allow"] and "DELETE" in response["Allow"]
