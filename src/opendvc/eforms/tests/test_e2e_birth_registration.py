"""Browser test: the birth registration form on a 360 px screen, keyboard only — errors, save the
draft, come back, finish — with no serious axe violations on the form pages."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from e2e.conftest import browser, new_page, screenshot, serious_violations  # noqa: F401
from playwright.sync_api import expect

from opendvc.accounts.models import PersonProfile
from opendvc.agencies import demo as agencies_demo
from opendvc.agencies.models import Agency, StaffRole
from opendvc.catalog import demo as catalog_demo
from opendvc.eforms import demo as eforms_demo
from opendvc.eforms.models import FormDraft

from .conftest import sign_in_with_mfa

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(live_server):
    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    return live_server


@pytest.fixture
def applicant(seeded):
    user = get_user_model().objects.create_user(
        email="me@example.vn", password="pw-Strong-123", full_name="Nguyễn Thị Hồng"
    )
    profile = PersonProfile(
        user=user,
        gender="female",
        date_of_birth=dt.date(1990, 5, 6),
        permanent_province_code=75,
        permanent_ward_code=25195,
        permanent_street="12 Võ Thị Sáu",
    )
    profile.cccd = "075190000123"
    profile.save()
    return user


def _signed_in_page(new_page, live_server, user):  # noqa: F811

    client = Client()
    client.force_login(user)
    page = new_page(360)
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


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the element matching ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, field_id: str, text: str) -> None:
    tab_to(page, f"#{field_id}")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page, select_id: str, label: str) -> None:
    """Pick an option of a <select> with the keyboard: arrow down until the label is selected."""
    tab_to(page, f"#{select_id}")
    for _ in range(400):
        if (
            page.evaluate(
                "(id) => { const s = document.getElementById(id); "
                "return s.selectedIndex >= 0 && s.options[s.selectedIndex].text; }",
                select_id,
            )
            == label
        ):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label} not reachable in #{select_id}")


def assert_page_ok(page, name: str) -> None:
    screenshot(page, name)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("h1").count() == 1


def submit_with(page, button_text: str) -> None:
    tab_to(
        page, f"button[name='action'][value='{'finish' if button_text == 'finish' else 'save'}']"
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_birth_registration_keyboard_only_at_360px(new_page, seeded, applicant):  # noqa: F811

    page = _signed_in_page(new_page, seeded, applicant)
    page.goto(seeded.url + "/to-khai/1.001193/")
    assert page.locator("h1").inner_text() == "Tờ khai đăng ký khai sinh"
    assert page.locator("#f-requester_name").input_value() == "Nguyễn Thị Hồng"  # prefilled
    assert page.locator("#f-birth_facility-wrap").is_hidden()  # condition not met yet
    assert_page_ok(page, "eforms-birth-empty-360")

    type_into(page, "f-agency", "UBND phường Bình Phước")
    type_into(page, "f-requester_relation", "Mẹ")
    type_into(page, "f-child_name", "Trần Minh Khôi")
    type_into(page, "f-child_birth_date", "31/02/2025")
    submit_with(page, "finish")

    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "Ngày 31/02/2025 không tồn tại." in summary.inner_text()
    assert page.locator("#f-child_name").input_value() == "Trần Minh Khôi"  # nothing typed is lost
    assert page.locator("#f-child_birth_date").get_attribute("aria-invalid") == "true"
    assert_page_ok(page, "eforms-birth-errors-360")

    submit_with(page, "save")
    draft = FormDraft.objects.get(user=applicant)
    assert draft.data["child_name"] == "Trần Minh Khôi"

    # Come back later through "my forms".
    page.goto(seeded.url + "/to-khai/ban-nhap/")
    assert_page_ok(page, "eforms-drafts-360")
    tab_to(page, f"a[href='/to-khai/ban-nhap/{draft.public_id}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#f-child_name").input_value() == "Trần Minh Khôi"

    type_into(page, "f-child_birth_date", "05/09/2025")
    tab_to(page, "#f-child_gender")  # a radio group is one Tab stop; the arrow key picks "Nữ"
    page.keyboard.press("ArrowDown")
    assert page.locator("#f-child_gender-1").is_checked()
    type_into(page, "f-child_ethnicity", "Kinh")
    type_into(page, "f-child_nationality", "Việt Nam")
    tab_to(page, "#f-birth_place_kind")
    page.keyboard.press("Space")  # Tại cơ sở y tế → the facility field appears
    page.locator("#f-birth_facility").wait_for(state="visible")
    type_into(page, "f-birth_facility", "Bệnh viện Đa khoa Đồng Nai")
    choose(page, "f-birth_place-province", "Đồng Nai")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#f-birth_place-ward option'))"
        ".some(o => o.text === 'Phường Bình Phước')"
    )
    choose(page, "f-birth_place-ward", "Phường Bình Phước")
    type_into(page, "f-mother_name", "Nguyễn Thị Hồng")
    type_into(page, "f-mother_ethnicity", "Kinh")
    type_into(page, "f-mother_nationality", "Việt Nam")
    tab_to(page, "#f-declaration")
    page.keyboard.press("Space")

    expect(page.locator("#autosave-status")).to_contain_text("Đã tự động lưu")  # htmx autosave ran
    submit_with(page, "finish")

    assert page.locator("h1").inner_text() == "Tờ khai đã hoàn thành"
    assert "05/09/2025" in page.locator("main").inner_text()
    assert_page_ok(page, "eforms-birth-done-360")
    draft.refresh_from_db()
    assert draft.completed_at is not None
    assert draft.data["child_birth_date"] == "2025-09-05"
    assert draft.data["birth_place"]["province"] == 75


def test_builder_preview_follows_the_json_and_is_axe_clean(new_page, seeded):  # noqa: F811

    admin = get_user_model().objects.create_user(
        email="qt@example.vn", password="pw-Strong-123", is_staff=True
    )
    StaffRole.objects.create(
        user=admin,
        agency=Agency.objects.get(code="000.00.32.H19"),
        role=StaffRole.Role.ADMINISTRATOR,
    )
    TOTP.activate(admin, generate_totp_secret())
    client = Client()
    sign_in_with_mfa(client, admin)
    for width in (360, 1280):
        page = new_page(width)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": seeded.url,
                }
            ]
        )
        page.goto(seeded.url + "/quan-tri/bieu-mau/dang-ky-khai-sinh/")
        assert page.locator("#pv-f-child_name").count() == 1
        assert_page_ok(page, f"eforms-builder-{width}")
    text = page.locator("#definition").input_value()
    page.locator("#definition").fill(text.replace('"kind": "text"', '"kind": "chu_ky"', 1))
    expect(page.locator("#preview")).to_contain_text("Loại trường “chu_ky” không được hỗ trợ")
    page.locator("#definition").fill(text.replace("Quê quán", "Quê quán (ghi theo giấy tờ)"))
    expect(page.locator("#preview")).to_contain_text("Quê quán (ghi theo giấy tờ)")
