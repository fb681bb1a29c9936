"""Browser check of the feedback flow at 360 px with axe (WCAG 2.1 A/AA) on every page: a citizen
files a complaint on the web; the switchboard forwards it on the afternoon of 31/12 so the focal
officer's 8 working hours run across the New Year holiday and the weekend; the focal officer
escalates; the head reschedules once (a second attempt is refused) and answers; the citizen rates
the answer; the officer publishes it with personal data masked; a returned dossier's survey answer
"not satisfied" becomes a feedback item of the agency; a focal officer registers a paper letter
handed to the agency (Art. 7.3)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import time_machine
from conftest import assert_page_accessible, browser_module_marks
from django.test import Client

from opendvc.feedback.models import Feedback, PublishedAnswer

from .conftest import VN

pytestmark = browser_module_marks()


SHOTS = Path(__file__).resolve().parents[4] / "var" / "e2e"


def _shot(page, name: str) -> None:
    """Screenshots are kept under var/e2e for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"feedback-{name}.png"), full_page=True)


def _check(page) -> None:
    assert_page_accessible(page)


def _page(browser, live_server, user=None):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    if user is not None:
        from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

        client = Client()
        client.force_login(user)
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": user.email},
            {"method": "mfa", "type": "totp", "at": time.time()},
        ]
        session.save()
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context.new_page()


def _act(page, action: str):
    return page.locator(f"form:has(input[name=action][value={action}])")


def test_complaint_forward_answer_rate_publish(browser, live_server, org):
    with time_machine.travel(dt.datetime(2026, 12, 31, 14, 0, tzinfo=VN), tick=True) as clock:
        # 1. A citizen files a complaint on the web, without an account.
        citizen = _page(browser, live_server)
        citizen.goto(f"{live_server.url}/phan-anh-kien-nghi/gui/")
        _check(citizen)
        _shot(citizen, "form")
        citizen.get_by_label("Tiêu đề").fill("Chậm trả kết quả chứng thực")
        citizen.get_by_label("Nội dung").fill(
            "Tôi là Nguyễn Thị Lan, điện thoại 0912345678. Hồ sơ chứng thực nộp từ tuần trước chưa có kết quả."
        )
        citizen.get_by_label("Họ và tên").fill("Nguyễn Thị Lan")
        citizen.get_by_label("Số điện thoại").fill("0912345678")
        citizen.get_by_label("Email").fill("lan@example.vn")
        citizen.get_by_label("Tôi đồng ý công khai").check()
        citizen.get_by_role("button", name="Gửi phản ánh").click()
        citizen.wait_for_selector("text=Mã phản ánh của Ông/Bà")
        _check(citizen)
        track_url = citizen.get_by_role("link", name="Theo dõi phản ánh").get_attribute("href")
        fb = Feedback.objects.get()
        assert fb.channel == "web" and fb.consent_publish

        # 2. The switchboard forwards it at 15:00 on Thursday 31/12.
        clock.move_to(dt.datetime(2026, 12, 31, 15, 0, tzinfo=VN))
        board = _page(browser, live_server, org["switchboard"])
        board.goto(f"{live_server.url}/quan-tri/phan-anh/")
        _check(board)
        board.get_by_role("link", name=fb.code).click()
        _check(board)
        form = _act(board, "forward")
        form.get_by_label("Cơ quan xử lý").select_option(label=org["dept"].name)
        form.locator("button[type=submit]").click()
        board.wait_for_selector("text=Đã thực hiện")
        # 2 h on Thursday, Friday 1/1 is a holiday, then the weekend: Monday 4/1/2027 15:00.
        assert board.locator("text=15:00 04/01/2027").count() >= 1
        _check(board)
        _shot(board, "forwarded")

        # 3. Monday: the focal officer escalates to the head.
        clock.move_to(dt.datetime(2027, 1, 4, 9, 0, tzinfo=VN))
        focal = _page(browser, live_server, org["focal"])
        focal.goto(f"{live_server.url}/quan-tri/phan-anh/?hang-doi=due_soon")
        _check(focal)
        focal.goto(f"{live_server.url}/quan-tri/phan-anh/{fb.code}/")
        _act(focal, "escalate").locator("button[type=submit]").click()
        focal.wait_for_selector("text=Đã thực hiện")

        # 4. The head reschedules once, a second attempt is refused, then answers.
        head = _page(browser, live_server, org["head"])
        head.goto(f"{live_server.url}/quan-tri/phan-anh/{fb.code}/")
        _check(head)
        form = _act(head, "reschedule")
        form.get_by_label("Thời hạn mới").fill(
            "2027-01-15T10:00"
        )  # inside the 10 working days (Art. 8.3)
        form.get_by_label("Lý do gia hạn").fill(
            "Cần xác minh tại bộ phận một cửa; đã thống nhất với người gửi."
        )
        form.locator("button[type=submit]").click()
        head.wait_for_selector("text=Đã thực hiện")
        assert _act(head, "reschedule").count() == 0  # no second reschedule offered
        fb.refresh_from_db()
        response = Client()
        response.force_login(org["head"])
        second = response.post(
            f"/quan-tri/phan-anh/{fb.code}/thao-tac/",
            {"action": "reschedule", "note": "Lần hai", "new_due_at": "2027-01-18T10:00"},
        )
        assert "chỉ được gia hạn một lần" in second.content.decode()
        form = _act(head, "answer")
        form.get_by_label("Nội dung trả lời").fill(
            "Hồ sơ của bà Nguyễn Thị Lan đã có kết quả; mời nhận tại bộ phận một cửa."
        )
        form.locator("button[type=submit]").click()
        head.wait_for_selector("text=Đã thực hiện")
        _check(head)

        # 5. The citizen reads the answer and rates it.
        citizen.goto(f"{live_server.url}{track_url}")
        _check(citizen)
        citizen.get_by_role("button", name="Hài lòng", exact=True).click()
        citizen.wait_for_selector("text=Đã ghi nhận")
        _check(citizen)
        _shot(citizen, "rated")
        fb.refresh_from_db()
        assert fb.satisfaction == "satisfied" and fb.answered_on_time is True

        # 6. The head publishes it with personal data masked.
        head.goto(f"{live_server.url}/quan-tri/phan-anh/{fb.code}/cong-khai/")
        _check(head)
        # The text to publish is masked; the original pieces are shown highlighted for the check.
        assert "0912345678" not in head.locator("textarea[name=question]").input_value()
        assert head.locator("mark", has_text="0912345678").count() == 1
        head.get_by_label("Tôi đã kiểm tra").check()
        head.get_by_role("button", name="Xác nhận công khai").click()
        head.wait_for_url("**/hoi-dap/*/")
        _check(head)
        published = PublishedAnswer.objects.get()
        assert "Nguyễn Thị Lan" not in published.question + published.answer
        assert "0912345678" not in published.question

        # 7. Anyone finds it in the public Q&A, typing without diacritics.
        visitor = _page(browser, live_server)
        visitor.goto(f"{live_server.url}/hoi-dap/?q=cham+tra+ket+qua")
        _check(visitor)
        _shot(visitor, "qa")
        assert visitor.get_by_role("link", name=published.title).count() == 1
        assert "Nguyễn Thị Lan" not in visitor.content()


def test_survey_not_satisfied_becomes_feedback(browser, live_server, org):
    from opendvc.catalog.models import Field, Procedure, Sector
    from opendvc.dossiers.models import Dossier
    from opendvc.surveys.services import survey_invite

    sector = Sector.objects.create(code="tu-phap", name="Tư pháp")
    field = Field.objects.create(code="chung-thuc", name="Chứng thực", sector=sector)
    procedure = Procedure.objects.create(
        code="2.000815", name="Chứng thực bản sao", sector=sector, field=field, level=3
    )
    dossier = Dossier.objects.create(
        code="000.00.32.H19-270104-0001",
        procedure=procedure,
        applicant=org["citizen"],
        receiving_agency=org["dept"],
        status="returned",
    )
    inv = survey_invite(dossier=dossier)
    page = _page(browser, live_server)
    page.goto(f"{live_server.url}/khao-sat/{inv.token}/")
    _check(page)
    _shot(page, "survey")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("text=Vui lòng chọn mức đánh giá chung")
    _check(page)
    page.locator("fieldset:has-text('Mức độ hài lòng chung')").get_by_label("1 rất không hài lòng", exact=True).check()
    page.get_by_label("Ý kiến khác").fill("Phải đi lại nhiều lần.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("text=Cảm ơn Ông/Bà đã đánh giá")
    _check(page)
    fb = Feedback.objects.get()
    assert fb.channel == "survey" and fb.agency == org["dept"] and fb.status == "forwarded"
    assert fb.code in page.content()


def test_art_7_3_focal_officer_registers_a_paper_letter_on_a_phone(browser, live_server, org):
    with time_machine.travel(dt.datetime(2027, 4, 29, 14, 0, tzinfo=VN), tick=True):
        focal = _page(browser, live_server, org["focal"])
        focal.goto(f"{live_server.url}/quan-tri/phan-anh/vao-so-van-ban/")
        _check(focal)
        focal.get_by_role("button", name="Vào sổ").click()
        focal.wait_for_selector("text=Vui lòng nhập tiêu đề")
        _check(focal)
        focal.get_by_label("Tiêu đề").fill("Đề nghị mở thêm quầy chứng thực")
        focal.get_by_label("Nội dung").fill("Thư tay gửi Sở: buổi sáng quầy chứng thực quá đông.")
        focal.get_by_label("Họ và tên").fill("Phan Văn G")
        focal.get_by_label("Địa chỉ liên hệ").fill("12 Hà Huy Giáp, Biên Hòa")
        focal.get_by_role("button", name="Vào sổ").click()
        focal.wait_for_selector("text=Đã vào sổ văn bản")
        _check(focal)
        _shot(focal, "paper-letter")
        fb = Feedback.objects.get()
        assert fb.channel == "paper" and fb.agency == org["dept"] and fb.status == "forwarded"
        # 30/04 and the compensatory Monday 03/05 are off: 8 working hours end Tuesday 04/05 14:00.
        assert focal.locator("text=14:00 04/05/2027").count() >= 1
