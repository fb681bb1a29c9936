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
    procedure.name = "Thủ tục đăng ký khai sinh (sửa đổi)"
    procedure.save(update_fields=["name"])
    # An edit not yet published: visitors still get the published page from the cache.
    assert "(sửa đổi)" not in client.get(PAGE).content.decode()
    publish_procedure(procedure=procedure, actor=None)
    assert "Thủ tục đăng ký khai sinh (sửa đổi)" in client.get(PAGE).content.decode()


def test_english_and_vietnamese_pages_are_cached_apart(client):
    vi = body(client.get(PAGE))
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    en = english.get(PAGE).content.decode()
    assert "Online submission" in en or "Submit online" in en or en != vi
    assert "Bạn cần đăng nhập để nộp hồ sơ" not in en
    assert body(client.get(PAGE)) == vi
