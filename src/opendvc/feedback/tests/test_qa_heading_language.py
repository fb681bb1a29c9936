"""The questions page of a procedure names it in its heading: on an English page the name (kept in
Vietnamese) is marked ``lang="vi"`` (WCAG 2.1, 3.1.2); the Vietnamese page reads as before."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from opendvc.agencies import demo as agencies_demo
from opendvc.catalog.models import Procedure
from opendvc.dossiers.tests.conftest import make_procedure

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Đăng ký khai sinh", "Cấp <giấy> phép & “xác nhận”"])
def test_the_heading_marks_the_procedures_name(name):
    agencies_demo.seed()
    procedure = make_procedure()
    Procedure.objects.filter(pk=procedure.pk).update(name=name)
    url = f"/hoi-dap/thu-tuc/{procedure.code}/"
    english = Client()
    english.cookies["django_language"] = "en"
    html = english.get(url).content.decode()
    assert f'<h1>Frequently asked questions: <span lang="vi">{escape(name)}</span></h1>' in html
    html = Client().get(url).content.decode()
    assert f"<h1>Câu hỏi thường gặp: {escape(name)}</h1>" in html
