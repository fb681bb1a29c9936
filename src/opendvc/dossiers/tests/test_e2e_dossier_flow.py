"""Browser check of the intake flow: a citizen files a birth registration with attachments online,
the one-stop officer returns it for completion, the citizen completes and resubmits it, the officer
receives it, the citizen sees the receipt and due date, and the public lookup shows the status. Every
page is checked with axe (WCAG 2.1 A/AA) at 360 px."""

from __future__ import annotations

from conftest import assert_page_accessible, browser_module_marks
from django.test import Client

from .conftest import sign_in, small_pdf

pytestmark = browser_module_marks()


def _page_as(browser, live_server, user, *, mfa=False):
    client = Client()
    if mfa:
        sign_in(client, user)
    else:
        client.force_login(user)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def _check(page) -> None:
    assert_page_accessible(page)


def _click(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name, exact=True).click()


def test_citizen_files_officer_returns_then_receives(browser, live_server, citizen, officer, procedure):
    from opendvc.dossiers.models import Dossier

    pdf = {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    me = _page_as(browser, live_server, citizen)
    me.goto(f"{live_server.url}/thu-tuc/{procedure.code}/")
    with me.expect_navigation():
        me.locator("main").get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()
    assert me.locator("h1").inner_text() == "Nộp hồ sơ trực tuyến"
    _check(me)
    for c in procedure.components.filter(required=True):
        me.set_input_files(f"#tp-{c.pk}", files=[pdf])
    _click(me, "Lưu và xem lại")
    assert "Xem lại" in me.locator("h1").inner_text()
    _check(me)
    me.check("#cam-doan")  # the declaration (Regulation Art. 14.5)
    _click(me, "Nộp hồ sơ")
    assert me.get_by_text("Đã nộp hồ sơ thành công").is_visible()
    _check(me)
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.code in me.locator("h1").inner_text()

    office = _page_as(browser, live_server, officer, mfa=True)
    office.goto(f"{live_server.url}/mot-cua/ho-so/")
    _check(office)
    with office.expect_navigation():
        office.get_by_role("link", name=dossier.code).click()
    _check(office)
    office.fill("#items", "Bản sao giấy chứng nhận kết hôn của cha mẹ")
    _click(office, "Gửi yêu cầu bổ sung")
    assert office.get_by_text("Yêu cầu bổ sung, hoàn thiện").first.is_visible()

    me.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.public_id}/")
    assert me.get_by_text("Bản sao giấy chứng nhận kết hôn của cha mẹ").first.is_visible()
    _check(me)
    with me.expect_navigation():
        me.get_by_role("link", name="Hoàn thiện và nộp lại").click()
    _check(me)
    me.set_input_files("#tp-khac", files=[dict(pdf, name="giay-ket-hon.pdf")])
    _click(me, "Lưu và xem lại")
    me.check("#cam-doan")
    _click(me, "Nộp lại hồ sơ đã hoàn thiện")

    office.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.code}/")
    _click(office, "Tiếp nhận hồ sơ")
    _check(office)
    dossier.refresh_from_db()
    assert dossier.status == "received" and dossier.due_at

    me.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.public_id}/")
    assert me.get_by_role("link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả").is_visible()
    from opendvc.worktime import to_local

    assert to_local(dossier.due_at).strftime("%d/%m/%Y") in me.locator("main").inner_text()
    _check(me)
    with me.expect_navigation():
        me.get_by_role("link", name="tra cứu công khai").click()
    assert "Đã tiếp nhận" in me.locator("main").inner_text()
    assert citizen.full_name not in me.locator("main").inner_text()
    _check(me)
    me.goto(f"{live_server.url}/ho-so-cua-toi/")
    _check(me)
