"""Browser check: the fees a dossier waits for, one of them named without spaces, wrap inside their
card on the applicant's dossier page; the page stays as wide as the screen at 360 and 1280 px."""

from __future__ import annotations

import pytest
from conftest import browser_module_marks

pytestmark = browser_module_marks()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_fee_named_without_spaces_wraps_on_the_applicants_dossier_page(
    browser, live_server, level4, citizen, officer, width
):
    from opendvc.dossiers import services as dossier_services
    from opendvc.dossiers.tests.test_e2e_dossier_flow import _page_as

    from .conftest import fees_due

    dossier = fees_due(level4, citizen, officer)
    dossier = dossier_services.dossier_act(dossier=dossier, action="pay", actor=officer, receipt_number="BL-1")
    dossier = dossier_services.dossier_act(
        dossier=dossier,
        action="require_payment",
        actor=None,
        system=True,
        fees=[{"name": "Lệphíthẩmđịnhhồsơ" * 10, "amount_vnd": 150_000, "quantity": 3}],
    )
    page = _page_as(browser, live_server, citizen)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.public_id}/")
    assert "450.000 đồng" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
