"""The account page for API tokens: a person makes a token for a program without calling the API by
hand, sees its secret once, sees what each token may do and whether it still works, and revokes it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opendvc.api.models import ApiToken

from .factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/ca-nhan/ma-truy-cap-api/"
SECRET = re.compile(r'id="token-secret"[^>]*value="(odvc_[^"]+)"')


def _create(client, **fields):
    data = {"name": "Phần mềm kế toán", "scopes": ["read"], "expires_on": "", **fields}
    return client.post(URL, data)


def test_the_page_is_in_the_account_menu_and_needs_a_sign_in(client, citizen_client):
    assert reverse("accounts:api_tokens") == URL
    page = citizen_client.get(URL)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert f'href="{URL}" aria-current="page"' in html
    assert "Bạn chưa tạo mã truy cập nào." in html and 'href="/api/v1/docs"' in html
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/tai-khoan/login/" in anonymous["Location"]


def test_a_new_token_is_shown_once_and_works_within_what_it_may_do(citizen_client, citizen):
    page = _create(citizen_client, scopes=["read"])
    assert page.status_code == 200
    html = page.content.decode()
    secret = SECRET.search(html).group(1)
    assert "sẽ không hiện lại" in html
    token = ApiToken.objects.get(owner=citizen)
    assert token.scopes == ["read"] and token.expires_at is None
    assert secret not in citizen_client.get(URL).content.decode()

    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    me = api.get("/api/v1/me", **auth)
    assert me.status_code == 200 and me.json()["scopes"] == ["read"]
    # Reading only: a write the token was not allowed is refused.
    write = api.put(
        "/api/v1/accounts/profile", {"full_name": "Ai Đó"}, content_type="application/json", **auth
    )
    assert write.status_code == 403

    listed = citizen_client.get(URL).content.decode()
    assert "Phần mềm kế toán" in listed and f"{token.prefix}…" in listed
    assert "Đọc dữ liệu" in listed and "Đang dùng được, không tự hết hạn" in listed


def test_the_last_day_is_included_in_vietnams_time(citizen_client, citizen):
    day = timezone.localdate() + timezone.timedelta(days=30)
    _create(citizen_client, expires_on=day.strftime("%d/%m/%Y"))
    expires = timezone.localtime(ApiToken.objects.get(owner=citizen).expires_at)
    assert expires.date() == day + timezone.timedelta(days=1) and expires.hour == 0
    assert expires.utcoffset() == timezone.timedelta(hours=7)
    assert f"Dùng được đến hết ngày {day:%d/%m/%Y}" in citizen_client.get(URL).content.decode()
    # A token made through the API may end at any time of day: shown with its hour.
    token = ApiToken.objects.get(owner=citizen)
    token.expires_at = expires.replace(hour=9, minute=30)
    token.save(update_fields=["expires_at"])
    assert f"Dùng được đến 09:30 {expires:%d/%m/%Y}" in citizen_client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required|bắt buộc"),
        ({"scopes": []}, "scopes", "Chọn ít nhất một quyền."),
        ({"scopes": ["*", "root"]}, "scopes", "root"),
        ({"expires_on": "2027-12-31"}, "expires_on", "Ngày không hợp lệ"),
        ({"expires_on": "31/02/2027"}, "expires_on", "Ngày không hợp lệ"),
        ({"expires_on": "31/12/9999"}, "expires_on", "không được quá"),
        ({"expires_on": "01/01/2099"}, "expires_on", "không được quá"),
        ({"expires_on": "01/01/2020"}, "expires_on", "ở tương lai"),
        ({"name": "x" * 101}, "name", "100"),
    ],
)
def test_bad_input_is_refused_in_words_and_keeps_what_was_typed(
    citizen_client, citizen, fields, field, message
):
    page = _create(citizen_client, **fields)
    assert page.status_code == 422
    html = page.content.decode()
    error = re.search(rf'id="id_{field}_error">(.*?)</p>', html, re.S)
    assert error and re.search(message, error.group(1)), error
    assert not ApiToken.objects.filter(owner=citizen).exists()
    assert 'id="token-secret"' not in html
    if field != "name":
        assert 'value="Phần mềm kế toán"' in html


def test_too_many_new_tokens_in_an_hour_are_refused_on_the_form(citizen_client, citizen, settings):
    settings.RATE_LIMIT_API_TOKEN_CREATE = 2
    for _ in range(2):
        assert SECRET.search(_create(citizen_client).content.decode())
    html = _create(citizen_client).content.decode()
    assert "quá nhiều mã truy cập" in html and not SECRET.search(html)
    assert ApiToken.objects.filter(owner=citizen).count() == 2


def test_revoking_stops_the_token_and_only_the_owner_can(citizen_client, citizen):
    secret = SECRET.search(_create(citizen_client).content.decode()).group(1)
    token = ApiToken.objects.get(owner=citizen)
    stranger = Client()
    stranger.force_login(UserFactory())
    revoke = reverse("accounts:api_token_revoke", args=[token.pk])
    assert stranger.post(revoke).status_code == 404
    assert citizen_client.get(revoke).status_code == 405

    page = citizen_client.post(revoke, follow=True)
    html = page.content.decode()
    assert "Đã thu hồi mã truy cập “Phần mềm kế toán”." in html and "Đã thu hồi ngày" in html
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    again = citizen_client.post(revoke, follow=True).content.decode()
    assert "đã bị thu hồi trước đó" in again
    for bad in ("99999999999999999999999", "abc", "0"):
        assert citizen_client.post(f"{URL}{bad}/thu-hoi/").status_code == 404


def test_the_page_in_english(citizen_client):
    citizen_client.cookies["django_language"] = "en"
    html = citizen_client.get(URL).content.decode()
    assert "Read data" in html and "Create an access token" in html
    assert "Đọc dữ liệu" not in html
