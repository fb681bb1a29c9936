"""Browser check: registration, email verification, login and TOTP enrolment, each page free of
WCAG 2.1 A/AA violations (axe) and fitting a 360 px screen."""

import re
import time

import pytest
from conftest import assert_page_accessible, browser_module_marks

pytestmark = browser_module_marks()


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    from conftest import launch_chromium

    browser = launch_chromium(playwright)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    yield context.new_page()
    browser.close()
    playwright.stop()


def _check(page) -> None:
    assert_page_accessible(page)


def _submit(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name, exact=True).click()


def test_register_verify_login_and_enrol_totp(page, live_server, mailoutbox):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    page.goto(live_server.url + "/tai-khoan/signup/")
    _check(page)
    page.fill("#id_full_name", "Nguyễn Thị Hoa")
    page.fill("#id_email", "hoa@example.vn")
    page.fill("#id_password1", "Dich-vu-cong-2025")
    page.fill("#id_password2", "Dich-vu-cong-2025")
    _submit(page, "Đăng ký")
    assert page.locator("h1").inner_text() == "Xác minh địa chỉ email"
    _check(page)

    link = re.search(
        r"https?://\S+", next(m for m in mailoutbox if "Xác minh" in m.subject).body
    ).group(0)
    page.goto(link)
    _check(page)
    _submit(page, "Xác nhận")

    page.goto(live_server.url + "/tai-khoan/login/")
    _check(page)
    page.fill("#id_login", "hoa@example.vn")
    page.fill("#id_password", "Dich-vu-cong-2025")
    _submit(page, "Đăng nhập")

    page.goto(live_server.url + "/tai-khoan/2fa/totp/activate/")
    if page.locator("#id_password").count():  # allauth asks for the password again first
        _check(page)
        page.fill("#id_password", "Dich-vu-cong-2025")
        _submit(page, "Xác nhận")
    assert page.locator("h1").inner_text() == "Bật ứng dụng xác thực"
    _check(page)
    secret = page.input_value("#authenticator_secret")
    if time.time() % 30 > 27:  # do not type a code that expires on the way
        time.sleep(3.5)
    page.fill("#id_code", format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    _submit(page, "Bật")
    assert page.locator("h1").inner_text() == "Mã khôi phục"
    assert page.input_value("#recovery_codes").strip()
    _check(page)
