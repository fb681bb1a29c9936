"""Browser test: the e-form on the filing page /nop-ho-so/<code>/ at 360 and 1280 px — choosing a
province fills the ward list, radio buttons and checkboxes sit beside their labels, and an empty save
shows the error summary whose links lead to the marked fields."""

from __future__ import annotations

import pytest
from e2e.conftest import browser, new_page, screenshot  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(live_server):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    return live_server


@pytest.fixture
def applicant(seeded):
    from opendvc.accounts.tests.factories import UserFactory

    return UserFactory(full_name="Nguyễn Thị Hồng")


def _signed_in_page(new_page, live_server, user, width):  # noqa: F811
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


def _beside(page, control: str, label: str) -> None:
    """The control and its label share a line: the label starts right of the control, and their
    vertical extents overlap."""
    box = page.locator(control).bounding_box()
    text = page.locator(label).bounding_box()
    assert box and text, (control, label)
    assert text["x"] >= box["x"] + box["width"] - 1, (control, box, text)
    assert text["y"] < box["y"] + box["height"] and box["y"] < text["y"] + text["height"], (
        control,
        box,
        text,
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_filing_page_eform_works_in_the_browser(new_page, seeded, applicant, width):  # noqa: F811
    from opendvc.dossiers.models import Dossier
    from opendvc.eforms.engine import units

    page = _signed_in_page(new_page, seeded, applicant, width)
    page.goto(seeded.url + "/nop-ho-so/1.001193/")
    assert page.evaluate("document.documentElement.classList.contains('eforms-js')")
    assert page.locator("button[name='eforms-refresh']").first.is_hidden()  # the no-JS fallback

    # Province → wards, fetched by the e-form script.
    _provinces, wards = units()
    wanted = sorted(code for code, (_n, p) in wards.items() if p == 75)[3]
    page.select_option("#tkf-requester_address-province", "75")
    page.wait_for_selector(
        f"#tkf-requester_address-ward option[value='{wanted}']", state="attached"
    )
    page.select_option("#tkf-requester_address-ward", str(wanted))
    assert page.locator("#tkf-requester_address-ward").input_value() == str(wanted)

    # Radios and checkboxes beside their labels.
    _beside(page, "#tkf-child_gender", "label[for='tkf-child_gender']")
    _beside(page, "#tkf-father_known", "label[for='tkf-father_known']")
    _beside(page, "#tkf-declaration", "label[for='tkf-declaration']")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"filing-eform-{width}")

    # An empty save: the summary lists each problem with a link to its field; nothing is created.
    page.fill("#tkf-child_name", "Trần Minh Khôi")
    with page.expect_navigation():
        page.click("button[name='action'][value='xem-lai']")
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    link = summary.locator("a[href='#tkf-child_birth_date']")
    assert link.count() == 1
    link.click()
    assert page.evaluate(
        "document.activeElement.id"
    ) == "tkf-child_birth_date" or page.url.endswith("#tkf-child_birth_date")
    assert page.locator("#tkf-child_birth_date").get_attribute("aria-invalid") == "true"
    assert page.locator("#tkf-child_name").input_value() == "Trần Minh Khôi"
    assert summary.locator("a[href^='#tp-']").count() >= 1
    screenshot(page, f"filing-eform-errors-{width}")
    assert Dossier.objects.count() == 0


def test_a_ward_chosen_while_the_list_is_on_its_way_stays_chosen(new_page, seeded, applicant):  # noqa: F811
    """The province's list is asked for again (the same province chosen again) while the ward list
    already holds its wards; a ward chosen before the answer arrives was wiped out by it, and the
    form was refused for a missing ward."""
    from opendvc.eforms.engine import units

    page = _signed_in_page(new_page, seeded, applicant, 1280)
    page.goto(seeded.url + "/nop-ho-so/1.001193/")
    _provinces, wards = units()
    wanted = str(sorted(code for code, (_n, p) in wards.items() if p == 75)[3])
    ward = "#tkf-requester_address-ward"
    page.select_option("#tkf-requester_address-province", "75")
    page.wait_for_selector(f"{ward} option[value='{wanted}']", state="attached")
    held = []
    page.route("**/to-khai/phuong-xa/**", lambda route: held.append(route))
    page.select_option("#tkf-requester_address-province", "75")
    page.select_option(ward, wanted)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the ward list was not asked for again"
    with page.expect_response("**/to-khai/phuong-xa/**"):
        held[0].continue_()
    page.wait_for_timeout(200)
    assert page.locator(ward).input_value() == wanted
