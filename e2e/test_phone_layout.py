"""A 360 px phone: the main menu folds behind a "Menu" button, data tables turn into one card per
row with each cell's column name, nothing scrolls sideways, and axe finds no serious violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from .conftest import screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = 360


@pytest.fixture
def demo(live_server):
    """The demo agencies, accounts, calendar, catalog, e-forms and dossiers; one dossier finished
    (for the public results) and one feedback item (for the staff queue)."""
    from opendvc.accounts import demo as accounts_demo
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.dossiers import demo as dossiers_demo
    from opendvc.dossiers.models import Dossier
    from opendvc.eforms import demo as eforms_demo
    from opendvc.feedback.models import Channel
    from opendvc.feedback.services import feedback_create
    from opendvc.worktime import demo as worktime_demo

    for module in (
        agencies_demo,
        accounts_demo,
        worktime_demo,
        catalog_demo,
        eforms_demo,
        dossiers_demo,
    ):
        module.seed()
    received = Dossier.objects.filter(status="received").order_by("pk").first()
    # Layout data only: a finished row for the public results table.
    Dossier.objects.filter(pk=received.pk).update(
        status="returned",
        finished_at=received.received_at + dt.timedelta(days=2),
        on_time_class="early",
    )
    feedback_create(
        channel=Channel.HOTLINE,
        subject="Đề nghị niêm yết lệ phí đăng ký khai sinh tại quầy",
        content="Nội dung phản ánh.",
        sender_name="Phan Văn G",
        sender_phone="0901234567",
    )
    return live_server


def _as(new_page, live_server, email: str | None, *, width: int = PHONE):
    page = new_page(width)
    if email:
        from opendvc.accounts.models import User
        from opendvc.accounts.tests.factories import mark_mfa_passed

        client = Client()
        client.force_login(User.objects.get(email=email))
        mark_mfa_passed(client)
        page.context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return page


def _fits(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), (
        page.url,
        page.evaluate("document.scrollingElement.scrollWidth"),
    )


def _cards(page) -> list[tuple[str, str]]:
    """(data-label, label shown before the cell) of every labelled cell of the first card."""
    return page.evaluate("""() => {
        const row = document.querySelector('table.stack tbody tr');
        return [...row.querySelectorAll('[data-label]')].map(c => [
            c.dataset.label, getComputedStyle(c, '::before').content.replace(/^"|"$/g, '')]);
    }""")


TABLE_PAGES = [
    # (who, path, column whose cell must get the card's width)
    ("citizen1@demo.opendvc.vn", "/ho-so-cua-toi/", "Thủ tục"),
    (None, "/ket-qua-giai-quyet/", "Thủ tục"),
    ("receiving-officer@demo.opendvc.vn", "/mot-cua/ho-so/", "Thủ tục"),
    ("switchboard@demo.opendvc.vn", "/quan-tri/phan-anh/", "Tiêu đề"),
]


@pytest.mark.parametrize(("email", "path", "wide"), TABLE_PAGES)
def test_data_tables_become_cards_on_a_phone(demo, new_page, email, path, wide):
    page = _as(new_page, demo, email)
    response = page.goto(demo.url + path)
    assert response.status == 200
    _fits(page)
    labels = _cards(page)
    assert len(labels) >= 4
    assert all(label and shown == label for label, shown in labels), labels
    # The cell holds its whole line: no more one word per line in a squeezed column.
    width = page.evaluate(
        '(l) => document.querySelector(`table.stack tbody tr [data-label="${l}"]`).getBoundingClientRect().width',
        wide,
    )
    assert width > PHONE * 0.7
    screenshot(page, "phone-" + path.strip("/").replace("/", "-"))
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    ("email", "path"),
    [
        # The calendar's table has buttons with visually hidden text, which widened the page to 514 px.
        ("administrator@demo.opendvc.vn", f"/quan-tri/lich-lam-viec/{dt.date.today().year}/"),
        # A procedure whose form template has a long file name without spaces.
        (None, "/thu-tuc/3.000228/"),
    ],
)
def test_pages_with_wide_content_fit_a_phone(demo, new_page, email, path):
    page = _as(new_page, demo, email)
    assert page.goto(demo.url + path).status == 200
    _fits(page)


@pytest.mark.parametrize(("email", "path", "wide"), TABLE_PAGES[:2])
def test_tables_stay_tables_on_a_wide_screen(demo, new_page, email, path, wide):
    page = _as(new_page, demo, email, width=1280)
    page.goto(demo.url + path)
    assert (
        page.evaluate("getComputedStyle(document.querySelector('table.stack thead')).display")
        == "table-header-group"
    )
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('table.stack td[data-label]'), '::before').content"
        )
        == "none"
    )


def test_menu_folds_behind_a_button_on_a_phone(demo, new_page):
    page = _as(new_page, demo, "citizen1@demo.opendvc.vn")
    page.goto(demo.url + "/")
    _fits(page)
    toggle = page.locator("#nav-toggle")
    first_item = page.locator("#main-menu a").first
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not first_item.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    items = page.locator("#main-menu a")
    assert all(items.nth(i).is_visible() for i in range(items.count()))
    # Every item lies inside the screen: nothing to scroll sideways to.
    assert page.evaluate(
        "[...document.querySelectorAll('#main-menu a')].every(a => a.getBoundingClientRect().right <= innerWidth)"
    )
    assert page.locator("#main-menu a", has_text="Hồ sơ của tôi").is_visible()
    screenshot(page, "phone-menu-open")
    assert serious_violations(page) == []
    # The keyboard: Escape closes and gives focus back to the button; Enter opens again.
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "nav-toggle"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#main-menu') !== null")


def test_menu_is_open_on_a_wide_screen_and_without_scripts(demo, new_page, browser):
    page = _as(new_page, demo, None, width=1280)
    page.goto(demo.url + "/")
    assert not page.locator("#nav-toggle").is_visible()
    assert page.locator("#main-menu a").first.is_visible()
    context = browser.new_context(
        viewport={"width": PHONE, "height": 800}, java_script_enabled=False
    )
    try:
        bare = context.new_page()
        bare.goto(demo.url + "/")
        assert not bare.locator("#nav-toggle").is_visible()
        items = bare.locator("#main-menu a")
        assert all(items.nth(i).is_visible() for i in range(items.count()))
        _fits(bare)
    finally:
        context.close()


def test_survey_scale_keeps_one_row_and_the_eform_fits(demo, new_page):
    from opendvc.dossiers.models import Dossier
    from opendvc.surveys.services import survey_invite

    invitation = survey_invite(dossier=Dossier.objects.get(status="returned"))
    page = _as(new_page, demo, None)
    page.goto(demo.url + f"/khao-sat/{invitation.token}/")
    _fits(page)
    rows = page.evaluate("""() => [...document.querySelectorAll('.sv-scale')].map(
        s => new Set([...s.querySelectorAll('.sv-choice')].map(c => Math.round(c.getBoundingClientRect().top))).size)""")
    assert rows and set(rows) == {1}, rows
    assert serious_violations(page) == []

    page = _as(new_page, demo, "citizen1@demo.opendvc.vn")
    page.goto(demo.url + "/to-khai/1.001193/")
    _fits(page)
    screenshot(page, "phone-eform")
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [PHONE, 1280])
def test_the_organisation_pages_fit_and_say_whether_the_tax_code_is_verified(demo, new_page, width):
    """The demo organisation (verified) and one whose tax code is only declared, with the
    verification's explanation and button, at both widths: no sideways scroll, no serious axe finding."""
    from opendvc.accounts import services
    from opendvc.accounts.models import Organisation, User

    representative = User.objects.get(email="citizen2@demo.opendvc.vn")
    verified = Organisation.objects.get(tax_code="3603999001")
    declared = services.create_organisation(
        user=representative,
        data={
            "name": "Hộ kinh doanh Tạp hóa Bình Minh với một cái tên rất dài để xem dòng có xuống không",
            "tax_code": "3602555111",
            "legal_representative": "Trần Thị Bình",
            "province_code": 75,
            "ward_code": 26041,
        },
    )
    page = _as(new_page, demo, "citizen2@demo.opendvc.vn", width=width)
    assert page.goto(demo.url + "/ca-nhan/to-chuc/").status == 200
    _fits(page)
    assert page.get_by_text("Mã số thuế đã xác thực").is_visible()
    assert page.get_by_text("Mã số thuế chưa xác thực").is_visible()
    assert serious_violations(page) == []
    page.goto(demo.url + f"/ca-nhan/to-chuc/{verified.public_id}/")
    _fits(page)
    assert page.get_by_text("Đã xác thực với CSDL quốc gia về đăng ký doanh nghiệp").is_visible()
    assert page.get_by_role("button", name="Xác thực với CSDL đăng ký doanh nghiệp").count() == 0
    page.goto(demo.url + f"/ca-nhan/to-chuc/{declared.public_id}/")
    _fits(page)
    button = page.get_by_role("button", name="Xác thực với CSDL đăng ký doanh nghiệp")
    assert button.is_visible()
    screenshot(page, f"organisation-declared-{width}")
    assert serious_violations(page) == []
    # No business registry configured here: the answer is a message on the page, not an error page.
    button.click()
    page.wait_for_load_state()
    assert page.get_by_text("tạm thời không truy cập được").is_visible()
    _fits(page)


@pytest.mark.parametrize("width", [PHONE, 1280])
def test_an_english_eform_with_errors_fits_and_marks_vietnamese_labels(demo, new_page, width):
    """The e-form in English, finished empty: its errors name each field by its English label, or by
    its Vietnamese label marked lang="vi"; the page fits, with no serious axe finding."""
    page = _as(new_page, demo, "citizen1@demo.opendvc.vn")
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": demo.url}])
    page.goto(demo.url + "/to-khai/1.001193/")
    page.locator('button[name="action"][value="finish"]').first.click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary, [role=alert]").first
    assert summary.is_visible()
    text = summary.inner_text()
    assert "Please" in text or "required" in text.lower(), text
    marked = page.evaluate(
        """() => [...document.querySelectorAll('.error-summary [lang=vi], .field-error [lang=vi], .errorlist [lang=vi]')].length"""
    )
    english_only = page.evaluate(
        """() => [...document.querySelectorAll('.error-summary li, .errorlist li')].every(li => {
            const copy = li.cloneNode(true);
            copy.querySelectorAll('[lang=vi]').forEach(e => e.remove());
            return !/[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/.test(copy.textContent);
        })"""
    )
    assert marked > 0 or english_only
    assert english_only, "Vietnamese words outside a lang=vi mark in an English error"
    _fits(page)
    screenshot(page, f"eform-english-errors-{width}")
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [PHONE, 1280])
def test_the_api_tokens_page_makes_a_token_and_fits(demo, new_page, width):
    """A citizen makes a token from the account page, by the form's labels: the secret is shown once
    in a box that fits, the list turns into cards on a phone, and axe finds nothing serious."""
    page = _as(new_page, demo, "citizen1@demo.opendvc.vn", width=width)
    assert page.goto(demo.url + "/ca-nhan/ma-truy-cap-api/").status == 200
    _fits(page)
    assert serious_violations(page) == []
    page.get_by_label("Tên mã truy cập").fill("Phần mềm của hộ kinh doanh với một cái tên khá dài")
    page.get_by_label("Đọc dữ liệu").check()
    page.get_by_label("Nộp và cập nhật hồ sơ").check()
    page.get_by_label("Dùng được đến hết ngày").fill("31/12/2027")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    page.wait_for_load_state()
    secret = page.get_by_label("Mã truy cập", exact=True)
    assert secret.input_value().startswith("odvc_")
    _fits(page)
    if width == PHONE:
        labels = _cards(page)
        assert labels and all(label and shown == label for label, shown in labels), labels
    screenshot(page, f"api-tokens-{width}")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Thu hồi mã “Phần mềm của hộ kinh doanh với một cái tên khá dài”").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã thu hồi mã truy cập").is_visible()
    _fits(page)
