"""The applicant pays online in the browser at 360 px: the fee, the gateway's page, the return page
waiting for the confirmation (htmx polling) and then showing the payment confirmed."""

from __future__ import annotations

from conftest import assert_page_accessible, browser_module_marks

pytestmark = browser_module_marks()


def test_citizen_pays_online_and_the_return_page_waits_for_the_confirmation(
    browser, live_server, vnpay_sim, settings, dossier, citizen
):
    from django.test import Client
    from playwright.sync_api import expect

    settings.PORTAL_BASE_URL = live_server.url
    vnpay_sim.switches.extra["ipn_delay"] = 8
    client = Client()
    client.force_login(citizen)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.public_id}/")
    expect(page.locator("#thanh-toan")).to_be_visible()
    assert "50.000 đồng" in page.content()
    assert_page_accessible(page)
    page.locator("main").get_by_role("button", name="Thanh toán trực tuyến", exact=True).click()
    page.wait_for_url(f"{vnpay_sim.url}/**")
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/**/thanh-toan/**")
    status = page.locator("#trang-thai-thanh-toan")
    expect(status).to_contain_text("Đang chờ xác nhận")
    assert_page_accessible(page)
    expect(status).to_contain_text("Đã thanh toán", timeout=60_000)
    dossier.refresh_from_db()
    assert dossier.status == "processing"
    context.close()
