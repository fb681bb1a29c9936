"""The demo's postal work in a 360 px browser: the postal worker's queue with the 24-hour clock, an
order's page, the office's postal page, the applicant's pickup form and orders — each fits the phone,
passes axe (WCAG 2.1 A/AA) and shows no raw key."""

from __future__ import annotations

from conftest import assert_page_accessible, browser_module_marks
from e2e.journeys import assert_no_raw_values

pytestmark = browser_module_marks()


def _seed():
    from importlib import import_module

    for name in ("agencies", "accounts", "worktime", "catalog", "eforms", "dossiers", "postal"):
        import_module(f"opendvc.{name}.demo").seed()


def test_the_demo_postal_work_on_a_phone(browser, live_server):
    from opendvc.accounts.models import User
    from opendvc.dossiers.tests.test_e2e_dossier_flow import _page_as
    from opendvc.postal.models import PostalOrder

    _seed()
    _seed()  # idempotent
    back = PostalOrder.objects.get(leg="return")
    assert back.status == "handed_to_post" and back.dossier.channel == "postal" and back.due_at
    assert PostalOrder.objects.filter(leg="pickup").count() == 2

    worker = _page_as(
        browser, live_server, User.objects.get(email="postal-operator@demo.opendvc.vn"), mfa=True
    )
    worker.goto(f"{live_server.url}/quan-tri/buu-chinh/")
    assert back.order_number in worker.locator("main").inner_text()
    assert "còn " in worker.locator("main").inner_text()  # the 24-hour clock
    for path in (
        "/quan-tri/buu-chinh/",
        "/quan-tri/buu-chinh/?xem=pickup",
        f"/quan-tri/buu-chinh/don/{back.order_number}/",
    ):
        worker.goto(live_server.url + path)
        assert_page_accessible(worker)
        assert_no_raw_values(worker)

    office = _page_as(
        browser, live_server, User.objects.get(email="receiving-officer@demo.opendvc.vn"), mfa=True
    )
    office.goto(f"{live_server.url}/mot-cua/buu-chinh/")
    assert_page_accessible(office)
    assert_no_raw_values(office)

    me = _page_as(browser, live_server, User.objects.get(email="citizen1@demo.opendvc.vn"))
    for path in ("/buu-chinh/don-cua-toi/", "/buu-chinh/thu-gom/"):
        me.goto(live_server.url + path)
        assert_page_accessible(me)
        assert_no_raw_values(me)
