"""The API answers in the language its client asks for with ``Accept-Language`` (it has no language
switch); pages keep answering in Vietnamese whatever the browser asks, until the switch says English."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOO_LONG = {"q": "khai sinh " * 1000}


def _problem(accept: str | None, *, cookie: str | None = None):
    client = Client()
    if cookie:
        client.cookies["django_language"] = cookie
    headers = {} if accept is None else {"HTTP_ACCEPT_LANGUAGE": accept}
    return client.get("/api/v1/procedures", TOO_LONG, **headers)


@pytest.mark.parametrize(
    "accept",
    ["en", "en-US", "en-GB,en;q=0.9", "fr, en;q=0.5", "vi;q=0.2, en;q=0.8", "*, vi;q=0.1"],
)
def test_an_api_client_preferring_english_gets_english(accept):
    r = _problem(accept)
    body = r.json()
    assert (r.status_code, body["code"], body["title"]) == (
        400,
        "query_too_long",
        "Search words too long",
    )
    assert r["Content-Language"] == "en"
    assert "Accept-Language" in r["Vary"]


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "vi",
        "vi-VN",
        "en;q=0.1, vi;q=0.9",
        "vi, en",
        "en;q=0.5, vi;q=0.5",
        "en;q=0",
        "fr",
        "*",
        # Values that cannot be read leave Vietnamese, never an error.
        "garbage!!",
        "en;q=abc",
        "en;q=2",
        ";;;,,,",
        "x" * 5000,
        "ｅｎ",
        "en\t;q=0.9 garbage",
    ],
)
def test_vietnamese_otherwise(accept):
    r = _problem(accept)
    body = r.json()
    assert (r.status_code, body["code"], body["title"]) == (400, "query_too_long", "Từ khóa quá dài")
    assert r["Content-Language"] == "vi"


def test_the_header_reaches_every_problem_of_the_api():
    """A problem answered before any operation runs (an unknown address) as well as one raised by a
    domain's service."""
    vi = Client().get("/api/v1/khong-co", HTTP_ACCEPT_LANGUAGE="vi").json()
    en = Client().get("/api/v1/khong-co", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (vi["code"], vi["title"]) == ("not_found", "Không tìm thấy")
    assert (en["code"], en["title"]) == ("not_found", "Not found")


def test_the_language_cookie_still_decides_when_sent():
    assert _problem("vi", cookie="en").json()["title"] == "Search words too long"
    assert _problem("en", cookie="vi").json()["title"] == "Từ khóa quá dài"


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "en;q=1, vi;q=0.1"])
def test_pages_still_ignore_the_header(accept):
    r = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept)
    html = r.content.decode()
    assert '<html lang="vi">' in html and "Bỏ qua, đến nội dung chính" in html
    assert r["Content-Language"] == "vi"
    r = Client().get("/thu-tuc/", {"level": "abc"}, HTTP_ACCEPT_LANGUAGE=accept)
    assert r.status_code == 400 and "không hợp lệ" in r.content.decode()
    assert r["Content-Language"] == "vi"


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("cookie", [None, "en"])
def test_pages_vary_on_the_cookie_not_on_the_header(cookie):
    """Pages read the language cookie, never Accept-Language: a cache keeps one copy per cookie, and
    does not split them by the browser's languages (a page reading no session still varies)."""
    client = Client()
    if cookie:
        client.cookies["django_language"] = cookie
    for path in ["/", "/thu-tuc/?level=abc", "/khong-co-trang-nay/", "/healthz?probe=live"]:
        r = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert "cookie" in _vary(r) and "accept-language" not in _vary(r), (path, r["Vary"])
        assert r["Content-Language"] == (cookie or "vi")


@pytest.mark.parametrize("cookie", [None, "en", "vi"])
def test_public_api_answers_vary_on_the_header_and_the_cookie(settings, cookie):
    """The catalog's public answers (and their 304) change with the language the cookie or the header
    chose; their ETag and Cache-Control stay."""
    settings.CATALOG_CACHE_SECONDS = 60
    client = Client()
    if cookie:
        client.cookies["django_language"] = cookie
    for path in ["/api/v1/procedures", "/api/v1/catalog/facets"]:
        r = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 200 and r["Cache-Control"].startswith("public")
        assert r["Content-Language"] == (cookie or "en")
        assert _vary(r) == {"accept-encoding", "accept-language", "cookie"}
        again = client.get(path, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=r["ETag"])
        assert again.status_code == 304 and again["ETag"] == r["ETag"]
        assert _vary(again) == _vary(r)


def test_api_problems_vary_on_the_header_and_the_cookie():
    for r in (_problem("en", cookie="vi"), _problem(None), Client().get("/api/v1/khong-co")):
        assert {"accept-language", "cookie"} <= _vary(r), r["Vary"]
