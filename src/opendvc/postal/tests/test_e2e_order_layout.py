"""Browser check: an order whose timeline holds a long unbroken note (a worker's note, an operator's
tracking note, a failure reason) wraps it on the order's page; the page stays as wide as the screen
at 360 and 1280 px."""

from __future__ import annotations

import pytest
from conftest import browser_module_marks

from opendvc.postal import services
from opendvc.postal.models import Status

from .conftest import address, result_ready

pytestmark = browser_module_marks()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_long_unbroken_note_wraps_on_the_order_page(
    browser, live_server, procedure, citizen, officer, leader, postal, width
):
    from opendvc.dossiers.tests.test_e2e_dossier_flow import _page_as

    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    services.return_record(order=order, actor=postal, status=Status.FAILED, note="N" * 300)
    page = _page_as(browser, live_server, postal, mfa=True)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/quan-tri/buu-chinh/don/{order.order_number}/")
    assert "N" * 50 in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
