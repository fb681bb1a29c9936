"""In a 360 px browser: the applicant asks for the result of a dossier filed online to be sent by post,
on the dossier's page — the form fits the phone, its errors sit at their fields, the choice is kept and
told in the history; each page passes axe (WCAG 2.1 A/AA)."""

from __future__ import annotations

from conftest import assert_page_accessible, browser_module_marks

from .conftest import submitted_dossier
from .test_e2e_dossier_flow import _page_as

pytestmark = browser_module_marks()


def _save(page) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Lưu hình thức nhận kết quả").click()


def test_the_applicant_chooses_the_post_on_the_dossier_page_of_a_phone(browser, live_server, citizen, procedure):
    from opendvc.dossiers import returns

    dossier = submitted_dossier(procedure, citizen)
    me = _page_as(browser, live_server, citizen)
    me.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.public_id}/")
    assert_page_accessible(me)
    # Nothing wider than the phone.
    assert me.evaluate("document.documentElement.scrollWidth") <= 360

    me.get_by_label("Nhận qua dịch vụ bưu chính công ích, tại địa chỉ của bạn").check()
    me.get_by_label("Họ tên người nhận").fill("Nguyễn Thị Hoa")
    me.get_by_label("Số điện thoại di động").fill("0912")
    me.get_by_label("Địa chỉ (số nhà, đường, phường/xã)").fill("12 Võ Thị Sáu, phường Trấn Biên")
    me.get_by_label("Tỉnh, thành phố").fill("Đồng Nai")
    _save(me)
    phone = me.get_by_label("Số điện thoại di động")
    assert phone.get_attribute("aria-invalid") == "true"
    assert "Nhập số điện thoại di động hợp lệ." in me.locator("#nkq-dien-thoai-error").inner_text()
    # The summary at the top of the form links to the field.
    assert me.locator(".error-summary a[href='#nkq-dien-thoai']").is_visible()
    assert_page_accessible(me)

    phone.fill("0912 345 678")
    _save(me)
    assert me.get_by_text("Đã lưu hình thức nhận kết quả.").is_visible()
    main = me.locator("main").inner_text()
    assert "Người nộp chọn nhận kết quả: qua dịch vụ bưu chính" in main
    assert "12 Võ Thị Sáu, phường Trấn Biên, Đồng Nai" in main
    assert me.evaluate("document.documentElement.scrollWidth") <= 360
    assert_page_accessible(me)
    dossier.refresh_from_db()
    assert returns.chosen_address(dossier).contact_phone == "0912345678"
