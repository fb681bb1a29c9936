"""A part of a procedure the source leaves empty reads "Chưa xác minh" on its page, in the page's
language and not marked as Vietnamese; the source's own words stay marked ``lang="vi"`` on an English
page (WCAG 2.1 SC 3.1.2)."""

import re

import pytest
from django.test import Client

from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")


def _facts(page: str, term: str) -> str:
    found = re.search(rf"<dt>{term}</dt>\s*<dd>(.*?)</dd>", page, re.S)
    assert found, term
    return found.group(1)


def _published():
    return Procedure.objects.filter(status=Procedure.Status.PUBLISHED).order_by("code").first()


def test_empty_applicants_and_result_read_as_not_verified():
    procedure = _published()
    Procedure.objects.filter(pk=procedure.pk).update(applicants=[], applicants_raw="", result="")
    page = Client().get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert _facts(page, "Đối tượng thực hiện") == '<span class="unverified">Chưa xác minh</span>'
    assert _facts(page, "Kết quả thực hiện") == '<span class="unverified">Chưa xác minh</span>'

    english = Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = english.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert 'lang="en"' in page[:500]
    assert _facts(page, "Who may apply") == '<span class="unverified">Unverified</span>'
    assert _facts(page, "Result") == '<span class="unverified">Unverified</span>'


def test_the_source_words_stay_marked_vietnamese_on_an_english_page():
    procedure = _published()
    Procedure.objects.filter(pk=procedure.pk).update(
        result="Giấy chứng nhận", conditions="Có hộ khẩu tại tỉnh", applicants=["individual"], applicants_raw=""
    )
    english = Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = english.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert _facts(page, "Result") == '<span lang="vi">Giấy chứng nhận</span>'
    assert '<span lang="vi">Có hộ khẩu tại tỉnh</span>' in page
    assert _facts(page, "Who may apply") == "Person"
