"""The home page on a 360 px phone and a 1280 px screen: readable, no horizontal scroll, axe-clean."""

import pytest

from .conftest import screenshot, serious_violations


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_home_page_renders_and_is_accessible(live_server, new_page, width):
    page = new_page(width)
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert "Đồng Nai" in page.locator("h1").inner_text()
    # Nothing wider than the viewport: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Styles and scripts come from our own static files (no CDN) and load.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert page.evaluate("typeof window.htmx") == "object"
    screenshot(page, f"home-{width}")
    assert serious_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_skip_link_moves_focus_to_main(live_server, new_page):
    page = new_page(360)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.django_db(transaction=True)
def test_language_switch_and_404_page(live_server, new_page):
    page = new_page(360)
    response = page.goto(live_server.url + "/khong-co-trang-nay/")
    assert response.status == 404
    assert "Không tìm thấy trang" in page.content()
    assert serious_violations(page) == []
    page.goto(live_server.url + "/")
    page.select_option("#lang-select", "en")
    page.click(".lang-form button")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
