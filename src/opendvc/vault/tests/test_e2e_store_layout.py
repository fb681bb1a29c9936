"""Browser check: a stored document whose title and type are one long unbroken word (the type field's
200 characters) wraps inside its card; the card list stays as wide as the screen at 360 and 1280 px,
and every card's buttons stay on screen."""

from __future__ import annotations

import pytest
from conftest import browser_module_marks

from opendvc.dossiers.tests.conftest import checked_pdf
from opendvc.vault import services

pytestmark = browser_module_marks()


def _signed_in_page(new_page, live_server, user, width):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page = new_page(width)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


@pytest.mark.parametrize("width", [360, 1280])
def test_a_long_word_wraps_inside_its_card(new_page, live_server, citizen, width):
    for document_type in ("Giấy chứng sinh", "L" * 200):
        services.document_upload(
            owner=citizen, checked=checked_pdf(), document_type=document_type, number="123/GCS"
        )
    page = _signed_in_page(new_page, live_server, citizen, width)
    page.goto(live_server.url + "/kho-du-lieu/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for button in page.locator("ul.cards button").all():
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [360, 1280])
def test_the_organisation_store_fits_the_screen(new_page, live_server, citizen, width):
    from opendvc.accounts.models import Membership, Organisation

    org = Organisation.objects.create(
        name="Công ty Trách nhiệm hữu hạn Thương mại Dịch vụ Xây dựng Đại Phát Đồng Nai",
        tax_code="3603999001", legal_representative="Lê Văn Đại",
    )
    Membership.objects.create(organisation=org, user=citizen, role=Membership.Role.REPRESENTATIVE)
    services.document_upload(owner=citizen, organisation=org, checked=checked_pdf(),
                             document_type="Giấy chứng nhận đăng ký doanh nghiệp", number="3603999001")
    page = _signed_in_page(new_page, live_server, citizen, width)
    page.goto(live_server.url + f"/kho-du-lieu/to-chuc/{org.public_id}/")
    assert page.locator("h1").inner_text().startswith("Kho dữ liệu của tổ chức")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    link = page.locator("ul.cards a").first.bounding_box()
    assert link is not None and link["x"] + link["width"] <= width
