"""Citizen and officer journeys end to end, at 360 px (a phone) and 1280 px, on procedures of the
real catalog data the project ships: filing for three procedure shapes, intake to the result returned
online and the survey, counter intake for a person without an account, and a feedback item from an
anonymous sender to its published answer. Every step passes axe (no serious or critical violation),
has no sideways scroll and leaves a screenshot ``var/e2e/<journey>-<width>-<step>.png``."""

from __future__ import annotations

import datetime as dt

import pytest

from .journeys import (
    Journey,
    assert_no_raw_values,
    click,
    filed_dossier,
    follow,
    load_procedures,
    pdf_file,
    pick_address,
    staff,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]
JUSTICE = "000.00.32.H19"  # Sở Tư pháp: receives 2.000635
POLICE = "000.00.41.H19"  # Công an tỉnh: receives 3.000333
DONG_NAI, HO_CHI_MINH = 75, 79


@pytest.fixture
def agencies(db):
    from opendvc.agencies import demo

    demo.seed()


@pytest.fixture
def citizen(agencies):
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.dossiers.tests.conftest import complete_profile

    user = UserFactory(full_name="Nguyễn Văn Bình")
    complete_profile(
        user
    )  # CCCD 075090001234, born 17/05/1990, male: what the e-forms take (Art. 14.3)
    return user


# --- 1. Filing, one function per procedure shape ---------------------------------------------------


def _fill_statutory(page) -> dict:
    """3.000333 Lý lịch tư pháp: a statutory time (10 days) and four required components."""
    page.fill("#tkf-birth_place", "Biên Hòa, Đồng Nai")
    page.fill("#tkf-nationality", "Việt Nam")
    ward = pick_address(
        page, "tkf-current_address", province=HO_CHI_MINH, nth=2, street="45 Nguyễn Huệ"
    )
    page.check("#tkf-certificate_type")  # Phiếu số 1
    page.fill("#tkf-purpose", "Bổ sung hồ sơ xin việc")
    page.fill("#tkf-copies", "2")
    return {
        "ward": ward,
        "labels": ["Nơi sinh", "Quốc tịch", "Mục đích sử dụng Phiếu"],
        "values": ["Biên Hòa, Đồng Nai"],
    }


def _fill_no_time(page) -> dict:
    """2.000635 Cấp bản sao trích lục hộ tịch: no processing time in law."""
    page.fill("#tkf-agency", "Sở Tư pháp tỉnh Đồng Nai")
    ward = pick_address(
        page, "tkf-requester_address", province=DONG_NAI, nth=5, street="8 Phan Chu Trinh"
    )
    page.fill("#tkf-requester_relation", "Bản thân")
    page.check("#tkf-copy_kind-1")  # Trích lục hộ tịch
    page.fill("#tkf-subject_name", "Nguyễn Văn Bình")
    page.fill("#tkf-subject_birth_date", "17/05/1990")
    page.fill("#tkf-registration_agency", "UBND phường Trấn Biên")
    page.fill("#tkf-copies", "1")
    return {
        "ward": ward,
        "labels": ["Người yêu cầu"],
        "values": ["17/05/1990", "UBND phường Trấn Biên"],
    }


def _fill_rows(page) -> dict:
    """1.001612 Đăng ký thành lập hộ kinh doanh: address pickers and repeatable rows."""
    page.fill("#tkf-agency", "UBND phường Biên Hòa")
    page.fill("#tkf-business_name", "Hộ kinh doanh Bình An")
    ward = pick_address(
        page, "tkf-business_address", province=DONG_NAI, nth=3, street="20 Cách Mạng Tháng Tám"
    )
    page.fill("#tkf-business_lines", "Bán lẻ tạp hóa")
    page.fill("#tkf-capital", "150000000")
    page.fill("#tkf-owner_ethnicity", "Kinh")
    page.fill("#tkf-owner_nationality", "Việt Nam")
    page.fill("#tkf-family_members-0-name", "Trần Thị Mai")
    page.fill("#tkf-family_members-0-birth_date", "02/03/1992")
    page.check("#tkf-family_members-0-gender-1")
    page.fill("#tkf-family_members-0-id_number", "075192001234")
    # A second row: the page comes back with the rows typed so far and one more.
    with page.expect_navigation():
        page.locator("button[name='tkeforms-add']").click()
    assert page.locator("#tkf-family_members-0-name").input_value() == "Trần Thị Mai"
    assert page.locator("#tkf-business_address-ward option:checked").inner_text() == ward
    page.fill("#tkf-family_members-1-name", "Nguyễn Minh An")
    page.fill("#tkf-family_members-1-birth_date", "10/10/2015")
    page.check("#tkf-family_members-1-gender")
    page.fill("#tkf-family_members-1-id_number", "075215001234")
    return {
        "ward": ward,
        "labels": ["Tên hộ kinh doanh", "Vốn kinh doanh"],
        "values": ["Trần Thị Mai", "Nguyễn Minh An", "02/03/1992", "150.000.000 đồng"],
    }


SHAPES = {
    "statutory": ("3.000333", _fill_statutory),
    "no-time": ("2.000635", _fill_no_time),
    "rows": ("1.001612", _fill_rows),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_citizen_files_tracks_and_looks_up(browser, live_server, citizen, shape, width):
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.models import Dossier

    code, fill = SHAPES[shape]
    load_procedures(code)
    procedure = Procedure.objects.get(code=code)
    j = Journey(browser, live_server, f"file-{shape}", width)
    me = j.page(citizen)

    j.go(me, f"/thu-tuc/{code}/")
    j.step(me, "procedure")
    follow(me, "Nộp hồ sơ trực tuyến")
    assert me.locator("h1").inner_text() == "Nộp hồ sơ trực tuyến"
    assert me.locator("#ho-so-ca-nhan-thieu").count() == 0  # the profile holds what the form takes
    if me.locator("#co-quan option[value='']").count():
        me.select_option("#co-quan", index=1)
    j.step(me, "form")
    expected = fill(me)
    if me.locator("#tkf-declaration").count():
        me.check("#tkf-declaration")
    components = procedure.components.filter(kind="submit")
    attach = list(components.filter(required=True, case=""))
    assert attach or shape == "no-time", code  # the statutory shapes have required components
    attach = attach or [components.first()]  # 2.000635 requires none: attach the request form
    for i, component in enumerate(attach):
        me.set_input_files(f"#tp-{component.pk}", files=[pdf_file(f"giay-to-{i + 1}.pdf")])
    j.step(me, "filled")
    click(me, "Lưu và xem lại")

    # The review page speaks the form's words: labels, place names, dd/mm/yyyy, đồng.
    j.step(me, "review")
    assert me.locator("h1").inner_text() == "Xem lại hồ sơ trước khi nộp"
    main = " ".join(me.locator("main").inner_text().split())
    for text in [expected["ward"], *expected["labels"], *expected["values"]]:
        assert text in main, (text, main)
    assert_no_raw_values(me)

    # Submitting without the declaration is refused in place; nothing is filed.
    click(me, "Nộp hồ sơ")
    assert me.locator("#cam-doan[aria-invalid='true']").count() == 1
    assert Dossier.objects.get(applicant=citizen).status == "draft"
    j.step(me, "declaration-missing")
    me.check("#cam-doan")
    click(me, "Nộp hồ sơ")
    assert me.get_by_text("Đã nộp hồ sơ thành công").is_visible()
    dossier = Dossier.objects.get(applicant=citizen)
    assert (
        dossier.status == "submitted"
        and dossier.declared_at
        and dossier.code in me.locator("h1").inner_text()
    )
    assert_no_raw_values(me)
    j.step(me, "receipt")

    j.go(me, "/ho-so-cua-toi/")
    assert dossier.code in me.locator("main").inner_text()
    j.step(me, "mine")
    follow(me, dossier.code, exact=False)
    follow(me, "tra cứu công khai")
    public = me.locator("main").inner_text()
    assert dossier.code in public and procedure.name in public
    assert citizen.full_name not in public
    assert_no_raw_values(me)
    j.step(me, "lookup")


# --- 2. Officer: intake with an appointment, completion, internal steps, result online, survey ----


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_takes_a_dossier_to_the_result_returned_online(
    browser, live_server, citizen, width
):
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.models import Dossier
    from opendvc.surveys.models import SurveyInvitation
    from opendvc.worktime import add_working_time, calendar_for_agency, to_local

    load_procedures("2.000635")
    # A level-4 service: the result can be returned online (Regulation Art. 2.13).
    Procedure.objects.filter(code="2.000635").update(
        level=4, level_source=Procedure.LevelSource.SOURCE
    )
    procedure = Procedure.objects.get(code="2.000635")
    agency = Agency.objects.get(code=JUSTICE)
    officer = staff("receiving_officer", JUSTICE, full_name="Lê Thị Tiếp Nhận")
    specialist = staff("processing_officer", JUSTICE, full_name="Phạm Văn Chuyên Viên")
    leader = staff("leader", JUSTICE, full_name="Võ Văn Lãnh Đạo")
    d = filed_dossier(procedure=procedure, applicant=citizen, agency=agency)
    j = Journey(browser, live_server, "process", width)

    # The one-stop officer returns it for completion, listing what is missing once.
    office = j.page(officer)
    j.go(office, "/mot-cua/ho-so/")
    j.step(office, "inbox")
    follow(office, d.code)
    j.step(office, "dossier")
    office.fill("#items", "Bản sao giấy tờ chứng minh quan hệ với người được cấp trích lục")
    click(office, "Gửi yêu cầu bổ sung")
    assert Dossier.objects.get(pk=d.pk).status == "returned_for_completion"

    me = j.page(citizen)
    j.go(me, f"/ho-so-cua-toi/{d.public_id}/")
    assert me.get_by_text("Bản sao giấy tờ chứng minh quan hệ").first.is_visible()
    j.step(me, "completion-asked")
    follow(me, "Hoàn thiện và nộp lại")
    me.set_input_files("#tp-khac", files=[pdf_file("quan-he.pdf")])
    click(me, "Lưu và xem lại")
    me.check("#cam-doan")
    click(me, "Nộp lại hồ sơ đã hoàn thiện")
    assert Dossier.objects.get(pk=d.pk).status == "submitted"

    # No processing time in law: the officer sets the appointment, a working day at 09:00.
    j.go(office, f"/mot-cua/ho-so/{d.code}/")
    proposed = office.locator("#due_at").input_value()
    assert proposed, "the appointment field proposes a date"
    later = add_working_time(
        dt.datetime.now(dt.UTC), 6, "working_days", calendar=calendar_for_agency(agency)
    )
    appointment = to_local(later).replace(hour=9, minute=0, second=0, microsecond=0)
    office.fill("#due_at", appointment.strftime("%d/%m/%Y %H:%M"))
    j.step(office, "accept-card")
    click(office, "Tiếp nhận hồ sơ")
    d.refresh_from_db()
    assert d.status == "received" and to_local(d.due_at) == appointment
    assert appointment.strftime("%d/%m/%Y") in office.locator("main").inner_text()
    j.step(office, "received")

    # Internal steps: start, forward to the specialist, who claims it and forwards to the leader.
    follow(office, "Xử lý theo quy trình nội bộ (các bước, thao tác, phiếu kiểm soát)")
    click(office, "Chuyển xử lý")
    office.fill("#note-forward", "Chuyển phòng hộ tịch")
    click(office, "Chuyển bước tiếp theo")
    j.step(office, "forwarded")

    spec = j.page(specialist)
    j.go(spec, "/can-bo/viec-can-xu-ly/?xem=queue")
    j.step(spec, "queue")
    click(spec, f"Nhận xử lý {d.code}")
    j.go(spec, f"/can-bo/xu-ly/{d.code}/")
    j.step(spec, "claimed")
    spec.fill("#note-forward", "Đã đối chiếu sổ hộ tịch, đề nghị cấp")
    click(spec, "Chuyển bước tiếp theo")

    boss = j.page(leader)
    j.go(boss, f"/can-bo/xu-ly/{d.code}/")
    j.step(boss, "approve")
    boss.fill("#result", "Trích lục khai sinh bản sao số 45/2026")
    click(boss, "Phê duyệt")

    # Returned online at issuance (level 4, filed online; Regulation Art. 6.4): once the approval
    # commits, the result is in the citizen's store and the dossier is returned, its class frozen;
    # the citizen's download is recorded and changes nothing.
    issued = Dossier.objects.get(pk=d.pk)
    assert issued.status == "returned" and issued.on_time_class in ("early", "on_time")
    j.go(me, f"/ho-so-cua-toi/{d.public_id}/")
    assert_no_raw_values(me)
    j.step(me, "result")
    result = me.locator("main").get_by_role("link", name="Kết quả giải quyết")
    response = me.request.get(live_server.url + result.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    d.refresh_from_db()
    assert (d.status, d.finished_at, d.on_time_class) == (
        "returned",
        issued.finished_at,
        issued.on_time_class,
    )

    # The survey invitation reaches the citizen's inbox; the answer is recorded.
    invitation = SurveyInvitation.objects.get(dossier_code=d.code)
    j.go(me, f"/khao-sat/{invitation.token}/")
    j.step(me, "survey")
    me.locator("fieldset:has-text('Mức độ hài lòng chung')").get_by_label("5 rất hài lòng", exact=True).check()
    click(me, "Gửi đánh giá")
    assert me.get_by_text("Cảm ơn Ông/Bà đã đánh giá").is_visible()
    j.step(me, "survey-done")


# --- 3. Counter intake for a person without an account ---------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_counter_intake_for_a_person_without_an_account(browser, live_server, agencies, width):
    from opendvc.accounts.models import User
    from opendvc.dossiers.documents import lookup_key_of
    from opendvc.dossiers.models import Dossier
    from opendvc.worktime import to_local

    load_procedures("2.000635")
    officer = staff("receiving_officer", JUSTICE, full_name="Lê Thị Tiếp Nhận")
    j = Journey(browser, live_server, "counter", width)
    office = j.page(officer)
    j.go(office, "/quan-tri/")
    follow(office, "Tiếp nhận tại quầy, qua bưu chính")
    proposed = office.locator(
        "#hen-tra"
    ).input_value()  # no processing time: an appointment is proposed
    assert proposed
    j.step(office, "intake")

    # A wrong procedure code is reported in Vietnamese and keeps what was typed.
    office.fill("#thu-tuc", "9.999999")
    office.fill("#cccd", "075185004321")
    office.fill("#ho-ten", "Đỗ Thị Thu")
    office.fill("#dien-thoai", "0987654321")
    office.set_input_files("#tp-khac", files=[pdf_file("to-khai-giay.pdf")])
    click(office, "Tiếp nhận và in giấy hẹn")
    assert "Hãy nhập đúng mã thủ tục" in office.locator("main").inner_text()
    assert office.locator("#ho-ten").input_value() == "Đỗ Thị Thu"
    assert office.locator("#cccd").input_value() == "075185004321"
    assert not Dossier.objects.exists()
    j.step(office, "intake-error")

    office.fill("#thu-tuc", "2.000635")
    office.set_input_files("#tp-khac", files=[pdf_file("to-khai-giay.pdf")])
    click(office, "Tiếp nhận và in giấy hẹn")
    assert Dossier.objects.exists(), office.locator("main").inner_text()[:1500]
    dossier = Dossier.objects.get()
    assert dossier.status == "received" and dossier.channel == "counter"
    assert (
        dossier.applicant.full_name == "Đỗ Thị Thu" and not dossier.applicant.has_usable_password()
    )
    assert User.objects.filter(full_name="Đỗ Thị Thu").count() == 1
    main = office.locator("main").inner_text()
    assert dossier.code in main and to_local(dossier.due_at).strftime("%d/%m/%Y") in main
    assert_no_raw_values(office)
    j.step(office, "received")
    receipt = office.locator("main").get_by_role(
        "link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    )
    response = office.request.get(live_server.url + receipt.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")

    # The person tracks it with the code and the key printed on the receipt, without an account.
    visitor = j.page()
    j.go(visitor, "/tra-cuu/")
    visitor.fill("#ma", dossier.code)
    visitor.fill("#khoa", lookup_key_of(dossier))
    click(visitor, "Tra cứu")
    public = visitor.locator("main").inner_text()
    assert "Đã tiếp nhận" in public and "Đỗ Thị Thu" not in public
    assert_no_raw_values(visitor)
    j.step(visitor, "lookup")


# --- 4. Feedback: anonymous sender to published answer ---------------------------------------------


def _act(page, action: str):
    return page.locator(f"form:has(input[name=action][value={action}])")


def _submit(page, action: str) -> None:
    with page.expect_navigation():
        _act(page, action).locator("button[type=submit]").click()
    assert page.get_by_text("Đã thực hiện").first.is_visible(), page.locator("main").inner_text()[
        :800
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_feedback_from_an_anonymous_sender_to_a_published_answer(
    browser, live_server, agencies, width
):
    import time_machine

    from opendvc.feedback.models import Feedback, PublishedAnswer
    from opendvc.worktime import VN_TZ

    board_user = staff("switchboard", "000.00.00.H19", full_name="Tổng Đài Viên")
    focal_user = staff("feedback_focal", JUSTICE, full_name="Đầu Mối Sở")
    head_user = staff("head", JUSTICE, full_name="Giám Đốc Sở")
    j = Journey(browser, live_server, "feedback", width)
    # Tuesday 09:00: the focal officer's 8 working hours end Wednesday 09:00 (Regulation Art. 8).
    with time_machine.travel(dt.datetime(2027, 3, 9, 9, 0, tzinfo=VN_TZ), tick=True) as clock:
        sender = j.page()
        j.go(sender, "/phan-anh-kien-nghi/gui/")
        j.step(sender, "form")
        sender.get_by_label("Tiêu đề").fill("Vỉa hè trước chợ bị lấn chiếm")
        sender.get_by_label("Nội dung").fill(
            "Tôi là Hồ Văn Tư, điện thoại 0903123456. Vỉa hè đường Phan Chu Trinh trước chợ bị lấn chiếm."
        )
        sender.get_by_label("Họ và tên").fill("Hồ Văn Tư")
        sender.get_by_label("Số điện thoại").fill("0903123456")
        sender.get_by_label("Tôi đồng ý công khai").check()
        with sender.expect_navigation():
            sender.get_by_role("button", name="Gửi phản ánh").click()
        assert sender.get_by_text("Mã phản ánh của Ông/Bà").first.is_visible()
        j.step(sender, "sent")
        track = sender.get_by_role("link", name="Theo dõi phản ánh").get_attribute("href")
        fb = Feedback.objects.get()
        assert fb.sender_id is None and fb.channel == "web"

        board = j.page(board_user)
        j.go(board, "/quan-tri/phan-anh/")
        j.step(board, "switchboard")
        follow(board, fb.code)
        _act(board, "forward").get_by_label("Cơ quan xử lý").select_option(
            label="Sở Tư pháp tỉnh Đồng Nai"
        )
        _submit(board, "forward")
        assert board.locator("text=09:00 10/03/2027").count() >= 1
        j.step(board, "forwarded")

        clock.move_to(dt.datetime(2027, 3, 9, 14, 0, tzinfo=VN_TZ))
        focal = j.page(focal_user)
        j.go(focal, f"/quan-tri/phan-anh/{fb.code}/")
        j.step(focal, "focal")
        _submit(focal, "escalate")

        head = j.page(head_user)
        j.go(head, f"/quan-tri/phan-anh/{fb.code}/")
        form = _act(head, "reschedule")
        # Past the head's deadline (17/03 09:00), inside the bound of Art. 8.3.
        form.get_by_label("Thời hạn mới").fill("2027-03-19T10:00")
        form.get_by_label("Lý do gia hạn").fill("Cần kiểm tra hiện trường cùng UBND phường.")
        j.step(head, "head")
        _submit(head, "reschedule")
        assert _act(head, "reschedule").count() == 0  # once only (Art. 8.3)
        _act(head, "answer").get_by_label("Nội dung trả lời").fill(
            "UBND phường Trấn Biên đã lập biên bản và yêu cầu trả lại vỉa hè; ông Hồ Văn Tư được báo kết quả."
        )
        _submit(head, "answer")
        j.step(head, "answered")

        j.go(sender, track)
        assert "đã lập biên bản" in sender.locator("main").inner_text()
        j.step(sender, "answer")

        j.go(head, f"/quan-tri/phan-anh/{fb.code}/cong-khai/")
        # What will be published is masked; the original is shown above it with the masked parts.
        fields = head.locator("main form").locator("textarea, input[type=text]")
        published_text = " ".join(fields.evaluate_all("(es) => es.map((e) => e.value)"))
        assert "0903123456" not in published_text and "Hồ Văn Tư" not in published_text
        assert "Vỉa hè" in published_text
        j.step(head, "publish")
        head.get_by_label("Tôi đã kiểm tra").check()
        with head.expect_navigation():
            head.get_by_role("button", name="Xác nhận công khai").click()
        published = PublishedAnswer.objects.get()
        assert "Hồ Văn Tư" not in published.question + published.answer
        j.step(head, "published")

        visitor = j.page()
        j.go(visitor, "/hoi-dap/?q=via+he+lan+chiem")
        assert visitor.get_by_role("link", name=published.title).count() == 1
        assert "0903123456" not in visitor.locator("main").inner_text()
        j.step(visitor, "qa")
