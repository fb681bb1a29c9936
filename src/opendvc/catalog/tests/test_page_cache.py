"""The procedure page body is cached per catalog revision; the personal parts stay fresh."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opendvc.accounts.tests.factories import UserFactory
from opendvc.catalog.models import Procedure
from opendvc.catalog.services import publish_procedure

pytestmark = pytest.mark.usefixtures("catalog")

PAGE = "/thu-tuc/1.001193/"
TOKEN = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def body(response) -> str:
    """The page without its CSRF tokens (masked anew on every response)."""
    return TOKEN.sub(r"\1…", response.content.decode())


def test_second_visit_reads_nothing_from_the_database(client):
    first = body(client.get(PAGE))
    with CaptureQueriesContext(connection) as ctx:
        again = body(client.get(PAGE))
    assert len(ctx.captured_queries) == 0
    assert again == first


def test_signed_in_visitors_get_their_own_header_and_filing_link(client):
    anonymous = client.get(PAGE).content.decode()
    assert "Bạn cần đăng nhập để nộp hồ sơ" in anonymous
    hoa = UserFactory(full_name="Nguyễn Thị Hoa")
    client.force_login(hoa)
    page = client.get(PAGE).content.decode()
    assert (
        "Bạn cần đăng nhập để nộp hồ sơ" not in page and "/thu-tuc/1.001193/nop-truc-tuyen/" in page
    )
    assert hoa.get_short_name() in page
    lan = UserFactory(full_name="Trần Văn Lân")
    client.force_login(lan)
    page = client.get(PAGE).content.decode()
    assert lan.get_short_name() in page and hoa.get_short_name() not in page
    client.logout()
    assert "Bạn cần đăng nhập để nộp hồ sơ" in client.get(PAGE).content.decode()


def test_a_publish_makes_the_cached_page_unreachable(client):
    assert "Thủ tục đăng ký khai sinh" in client.get(PAGE).content.decode()
    procedure = Procedure.objects.get(code="1.001193")
    publish_procedure(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    Procedure.objects.filter(pk=procedure.pk).update(name="Thủ tục đăng ký khai sinh (sửa đổi)")
    # A bulk update sends no signal: the cached page stays until the next publish.
    assert "(sửa đổi)" not in client.get(PAGE).content.decode()
    publish_procedure(procedure=procedure, actor=None)
    assert "Thủ tục đăng ký khai sinh (sửa đổi)" in client.get(PAGE).content.decode()


def test_any_saved_change_of_a_procedure_is_shown_at_once(client):
    """A change saved anywhere (the admin, a plain save) moves the catalog revision: the cached page
    and the search index never show the procedure as it was."""
    assert "Thủ tục đăng ký khai sinh" in client.get(PAGE).content.decode()
    procedure = Procedure.objects.get(code="1.001193")
    procedure.name = "Thủ tục đăng ký khai sinh (sửa đổi)"
    procedure.save(update_fields=["name"])
    assert "Thủ tục đăng ký khai sinh (sửa đổi)" in client.get(PAGE).content.decode()
    listing = client.get("/thu-tuc/?q=khai+sinh").content.decode()
    assert "Thủ tục đăng ký khai sinh (sửa đổi)" in listing


def test_english_and_vietnamese_pages_are_cached_apart(client):
    vi = body(client.get(PAGE))
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    en = english.get(PAGE).content.decode()
    assert "Online submission" in en or "Submit online" in en or en != vi
    assert "Bạn cần đăng nhập để nộp hồ sơ" not in en
    assert body(client.get(PAGE)) == vi


def test_visitors_get_the_whole_page_from_the_cache_with_their_own_csrf_token(client):
    from django.test import Client

    first = client.get(PAGE)
    other = Client()
    second = other.get(PAGE)
    token_one = TOKEN.search(first.content.decode()).group(0)
    token_two = TOKEN.search(second.content.decode()).group(0)
    assert "opendvc-csrf-placeholder" not in second.content.decode()
    assert token_one != token_two and second.cookies.get("csrftoken")
    assert body(first) == body(second)


def test_the_home_page_is_cached_for_visitors_and_fresh_for_signed_in_people(client):
    from django.test import Client

    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        page = Client().get("/")
    assert (
        len(ctx.captured_queries) == 0 and "opendvc-csrf-placeholder" not in page.content.decode()
    )
    hoa = UserFactory(full_name="Nguyễn Thị Hoa")
    client.force_login(hoa)
    assert hoa.get_short_name() in client.get("/").content.decode()


def test_the_token_of_a_cached_page_is_accepted(client):
    from django.test import Client

    client.get(PAGE)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    r = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": PAGE, "csrfmiddlewaretoken": token}
    )
    assert r.status_code == 302
    assert (
        visitor.post(
            "/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": "x" * 64}
        ).status_code
        == 403
    )


def test_catalog_pages_are_cached_for_visitors_per_query(client):
    from django.test import Client

    first = body(client.get("/thu-tuc/", {"q": "khai sinh", "tier": "xa"}))
    with CaptureQueriesContext(connection) as ctx:
        again = body(Client().get("/thu-tuc/", {"q": "khai sinh", "tier": "xa"}))
    assert len(ctx.captured_queries) == 0 and again == first
    other = body(Client().get("/thu-tuc/", {"q": "ket hon"}))
    assert other != first and "kết hôn" in other.lower()
    live = (
        Client()
        .get("/thu-tuc/", {"q": "khai sinh", "tier": "xa"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in live
