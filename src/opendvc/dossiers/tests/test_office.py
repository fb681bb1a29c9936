"""The one-stop office: inbox, dossier view, receive / return / refuse with their PDFs, counter intake."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers import services
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier, DossierDocument
from opendvc.notifications.models import Notification
from opendvc.worktime import VN_TZ

from .conftest import sign_in, small_pdf, submitted_dossier


def pdf_text(doc: DossierDocument) -> str:
    from pypdf import PdfReader

    with doc.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


TUESDAY_9 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)


def test_receive_computes_due_date_and_issues_the_receipt(client, citizen, officer, procedure):
    from opendvc.worktime.selectors import calendar_version

    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(procedure, citizen)
        sign_in(client, officer)
        page = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
        assert "Tiếp nhận hồ sơ" in page and "giay-chung-sinh.pdf" in page
        r = client.post(
            f"/mot-cua/ho-so/{d.code}/thao-tac/", {"action": "receive", "version": d.version}
        )
        assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == State.RECEIVED
    # 3 working days = 24 working hours from Tuesday 09:00 → Friday 09:00 (Regulation Art. 13.4).
    assert d.due_at.astimezone(VN_TZ) == datetime(2026, 3, 13, 9, 0, tzinfo=VN_TZ)
    assert d.received_at.astimezone(VN_TZ) == TUESDAY_9
    assert d.calendar_version == calendar_version()
    doc = d.documents.get(kind="receipt")
    text = norm(pdf_text(doc))
    assert "giấy tiếp nhận hồ sơ và hẹn trả kết quả" in text
    assert d.code.lower() in text
    assert "nguyễn thị hoa" in text and "đăng ký khai sinh" in text
    assert "09:00 ngày 13/03/2026" in text
    from opendvc.dossiers.documents import lookup_key_of

    assert lookup_key_of(d).lower() in text
    assert Notification.objects.filter(recipient=citizen, template="dossier_received").exists()
    # The applicant sees the receipt and the due date.
    client.force_login(citizen)
    mine = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "13/03/2026" in mine and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in mine
    r = client.get(f"/ho-so-cua-toi/{d.public_id}/giay-to/{doc.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"


def test_receive_outside_office_hours_counts_from_next_opening(citizen, officer, procedure):
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=VN_TZ)
    with time_machine.travel(saturday, tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
    # Counted from Monday 07:30: 24 working hours end exactly at Wednesday's close (17:00).
    assert d.due_at.astimezone(VN_TZ) == datetime(2026, 3, 18, 17, 0, tzinfo=VN_TZ)


def test_procedure_without_a_time_needs_a_due_date_from_the_officer(citizen, officer, agencies):
    from opendvc.core.problems import ProblemError

    from .conftest import make_procedure

    p = make_procedure(code="1.000002", time_amount=None)
    d = submitted_dossier(p, citizen)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action="receive", actor=officer)
    assert err.value.extra["errors"][0]["path"] == "due_at"
    d = services.dossier_act(
        dossier=d, action="receive", actor=officer, due_at="2099-01-05T16:00:00+07:00"
    )
    assert d.due_at.astimezone(VN_TZ) == datetime(2099, 1, 5, 16, 0, tzinfo=VN_TZ)


def test_return_for_completion_lists_every_item_once(client, citizen, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {
            "action": "return_for_completion",
            "items": "Giấy chứng sinh bản chính\n\nTờ khai thiếu chữ ký\n",
            "note": "Bổ sung trong 5 ngày",
        },
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == State.RETURNED_FOR_COMPLETION
    assert d.completion_items == ["Giấy chứng sinh bản chính", "Tờ khai thiếu chữ ký"]
    text = norm(pdf_text(d.documents.get(kind="completion_request")))
    assert "phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" in text
    assert "giấy chứng sinh bản chính" in text and "tờ khai thiếu chữ ký" in text
    note = Notification.objects.get(
        recipient=citizen, template="dossier_returned_for_completion", channel="email"
    )
    assert "Giấy chứng sinh bản chính" in note.body and "Tờ khai thiếu chữ ký" in note.body


def test_refuse_needs_a_reason_and_issues_the_refusal(client, citizen, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    r = client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", {"action": "refuse", "reason": "  "})
    assert r.status_code == 422
    assert "Phải nêu lý do" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "refuse", "reason": "Thủ tục thuộc thẩm quyền UBND cấp xã"},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == State.REFUSED and d.finished_at
    text = norm(pdf_text(d.documents.get(kind="refusal")))
    assert "phiếu từ chối tiếp nhận giải quyết hồ sơ" in text and "thẩm quyền ubnd cấp xã" in text


def test_second_officer_on_a_stale_page_gets_a_conflict_message(
    client, citizen, officer, officer2, procedure
):
    d = submitted_dossier(procedure, citizen)
    services.dossier_act(dossier=d, action="receive", actor=officer)
    sign_in(client, officer2)
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "refuse", "reason": "x", "version": d.version},
    )
    assert r.status_code == 409
    page = r.content.decode()
    assert "Hồ sơ đã thay đổi kể từ khi trang được mở" in page and "người khác thay đổi" not in page
    assert "Đã tiếp nhận" in page  # the dossier's current state is shown on the page


def test_a_double_press_on_an_action_is_not_blamed_on_someone_else(
    client, citizen, officer, procedure
):
    """The second press of an action's button (the page's version is stale) was told as another
    person's change; the message now names both causes."""
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    form = {"action": "receive", "version": d.version}
    assert client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", form).status_code == 302
    r = client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", form)
    assert r.status_code == 409
    page = r.content.decode()
    assert "có thể do nút được bấm hai lần" in page and "người khác thay đổi" not in page


def test_inbox_filters_sorts_and_pages(client, citizen, officer, procedure, justice):
    with time_machine.travel(TUESDAY_9, tick=False):
        first = submitted_dossier(procedure, citizen)
        received = submitted_dossier(procedure, citizen)
        services.dossier_act(dossier=received, action="receive", actor=officer)
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=VN_TZ), tick=False):
        late = submitted_dossier(procedure, citizen)
        sign_in(client, officer)
        page = client.get("/mot-cua/ho-so/").content.decode()
        assert all(d.code in page for d in (first, received, late))
        assert "3 hồ sơ" in page
        page = client.get("/mot-cua/ho-so/?trang-thai=received").content.decode()
        assert received.code in page and first.code not in page
        # Received on 10/03 with 3 working days: overdue on 20/03.
        page = client.get("/mot-cua/ho-so/?han=qua-han").content.decode()
        assert received.code in page and late.code not in page and "Quá hạn" in page
        page = client.get("/mot-cua/ho-so/?tu-ngay=2026-03-15").content.decode()
        assert late.code in page and first.code not in page
        page = client.get("/mot-cua/ho-so/?sap-xep=cu-nhat").content.decode()
        assert page.index(first.code) < page.index(late.code)
        page = client.get(f"/mot-cua/ho-so/?thu-tuc={procedure.code}&kenh=counter").content.decode()
        assert "Không có hồ sơ nào" in page


@pytest.mark.parametrize(
    "query", ["co-quan=99999999999999999999999", "co-quan=-99999999999999999999999", "trang=1e400"]
)
def test_inbox_number_past_the_database_range_reads_as_no_filter(
    client, citizen, officer, procedure, query
):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    page = client.get(f"/mot-cua/ho-so/?{query}")
    assert page.status_code == 200 and d.code in page.content.decode()


def test_inbox_pages_without_full_count(citizen, procedure, officer):
    from opendvc.dossiers.selectors import InboxFilters, inbox, paginate

    for _ in range(3):
        submitted_dossier(procedure, citizen)
    page = paginate(inbox(user=officer, filters=InboxFilters()), page=1, page_size=2)
    assert page.has_next and len(page.items) == 2 and page.count == 3 and page.count_exact
    page2 = paginate(inbox(user=officer, filters=InboxFilters()), page=2, page_size=2)
    assert not page2.has_next and len(page2.items) == 1


def test_citizens_and_other_agencies_cannot_open_office_pages(
    client, citizen, stranger, foreign_officer, procedure
):
    d = submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    assert client.get(f"/mot-cua/ho-so/{d.code}/").status_code == 403
    sign_in(client, foreign_officer)
    assert client.get(f"/mot-cua/ho-so/{d.code}/").status_code == 404
    assert d.code not in client.get("/mot-cua/ho-so/").content.decode()
    r = client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", {"action": "receive"})
    assert r.status_code == 404
    f = d.files.first()
    assert client.get(f"/mot-cua/ho-so/{d.code}/tep/{f.pk}/").status_code == 404
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED


def test_office_preview_of_files(client, citizen, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    page = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
    assert "<iframe" in page and "Xem trước" in page
    f = d.files.first()
    r = client.get(f"/mot-cua/ho-so/{d.code}/tep/{f.pk}/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("inline")
    assert "sandbox" in r["Content-Security-Policy"]


def test_counter_intake_creates_the_applicant_by_cccd(client, officer, procedure, justice):
    from opendvc.accounts.models import PersonProfile

    sign_in(client, officer)
    form = client.get("/mot-cua/ho-so/tiep-nhan-truc-tiep/")
    assert form.status_code == 200
    r = client.post(
        "/mot-cua/ho-so/tiep-nhan-truc-tiep/",
        {
            "co-quan": justice.pk,
            "kenh": "counter",
            "thu-tuc": procedure.code,
            "cccd": "075190000123",
            "ho-ten": "Lê Văn Tám",
            "dien-thoai": "0912 345 678",
            "tp-khac": [SimpleUploadedFile("ban-quet.pdf", small_pdf())],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Dossier.objects.get(channel="counter")
    assert d.status == State.RECEIVED and d.code.startswith("000.00.32.H19-")
    assert d.applicant.full_name == "Lê Văn Tám" and d.due_at
    assert d.documents.filter(kind="receipt").exists()
    assert PersonProfile.objects.get(user=d.applicant).cccd == "075190000123"
    # The same CCCD by post finds the same person; an organisation is created by tax code.
    r = client.post(
        "/mot-cua/ho-so/tiep-nhan-truc-tiep/",
        {
            "co-quan": justice.pk,
            "kenh": "postal",
            "thu-tuc": procedure.code,
            "cccd": "075190000123",
            "mst": "3600123456",
            "ten-to-chuc": "Công ty TNHH Tám Lê",
        },
    )
    assert r.status_code == 302
    post = Dossier.objects.get(channel="postal")
    assert post.applicant_id == d.applicant_id and post.acting_for.tax_code == "3600123456"


def test_counter_intake_bad_input(client, officer, procedure, justice):
    sign_in(client, officer)
    r = client.post(
        "/mot-cua/ho-so/tiep-nhan-truc-tiep/",
        {"co-quan": justice.pk, "kenh": "counter", "thu-tuc": procedure.code, "cccd": "12345"},
    )
    page = r.content.decode()
    # Refused: 422, the error at its input (described by it) and linked from the summary, what was
    # typed kept.
    assert r.status_code == 422 and "12 chữ số" in page
    assert re.search(r'<p class="field-error" id="cccd-error">.*12 chữ số', page)
    assert 'aria-invalid="true" aria-describedby="cccd-error"' in page
    assert 'href="#cccd"' in page and 'value="12345"' in page
    r = client.post(
        "/mot-cua/ho-so/tiep-nhan-truc-tiep/",
        {
            "co-quan": justice.pk,
            "kenh": "counter",
            "thu-tuc": procedure.code,
            "cccd": "075190000999",
            "mst": "3600123456",
        },
    )
    page = r.content.decode()
    assert r.status_code == 422 and "họ và tên" in page and "điện thoại" in page
    assert 'id="ho-ten-error"' in page and 'id="dien-thoai-error"' in page
    assert 'href="#ho-ten"' in page and 'href="#dien-thoai"' in page
    assert 'value="075190000999"' in page and 'value="3600123456"' in page
    r = client.post(
        "/mot-cua/ho-so/tiep-nhan-truc-tiep/",
        {"co-quan": justice.pk, "kenh": "counter", "thu-tuc": "KHONG-CO", "cccd": "075190000999"},
    )
    page = r.content.decode()
    assert r.status_code == 422 and 'id="thu-tuc-error"' in page and 'href="#thu-tuc"' in page
    assert 'value="KHONG-CO"' in page and 'id="co-quan-error"' not in page
    assert Dossier.objects.count() == 0


def test_processing_officer_cannot_intake(client, processor):
    sign_in(client, processor)
    assert client.get("/mot-cua/ho-so/tiep-nhan-truc-tiep/").status_code == 403


def test_a_refused_action_shows_its_form_again_with_what_was_typed(
    client, citizen, officer, procedure
):
    """An action refused for one of its inputs keeps the others: the officer does not type them again,
    and the other action forms stay empty."""
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "return_for_completion", "items": "   ", "note": "Bổ sung trong 5 ngày"},
    )
    page = r.content.decode()
    assert r.status_code == 422 and 'value="Bổ sung trong 5 ngày"' in page
    assert page.count("Bổ sung trong 5 ngày") == 1  # in its own form only
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "refuse", "reason": "Sai thẩm quyền", "version": d.version + 5},
    )
    page = r.content.decode()
    assert r.status_code == 409 and ">Sai thẩm quyền</textarea>" in page


@pytest.mark.parametrize(
    ("query", "field", "label"),
    [
        ("tu-ngay=0001-01-01", "tu-ngay", "Nộp từ ngày"),
        ("den-ngay=9999-12-31", "den-ngay", "Đến ngày"),
        ("den-ngay=31/02/2026", "den-ngay", "Đến ngày"),
    ],
)
def test_inbox_refuses_a_day_out_of_range_and_keeps_the_other_filters(
    client, citizen, officer, procedure, query, field, label
):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(procedure, citizen)
        sign_in(client, officer)
        r = client.get(f"/mot-cua/ho-so/?{query}&trang-thai=submitted&kenh=online")
    page = r.content.decode()
    assert r.status_code == 422
    assert f"{label} không hợp lệ: nhập một ngày từ 01/01/2000 đến 31/12/2100." in page
    # The error stands at its field and the summary links to it.
    assert f'<p class="field-error" id="{field}-error">' in page and f'<a href="#{field}">' in page
    assert f'aria-invalid="true" aria-describedby="{field}-error"' in page
    # The typed day stays in its field; the other filters stay chosen and apply.
    assert f'name="{field}" value="{query.split("=")[1]}"' in page
    assert (
        '<option value="submitted" selected>' in page and '<option value="online" selected>' in page
    )
    assert d.code in page


def test_inbox_refuses_an_end_day_before_the_start_day_at_its_field(
    client, citizen, officer, procedure
):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(procedure, citizen)
        sign_in(client, officer)
        r = client.get("/mot-cua/ho-so/?tu-ngay=2026-03-15&den-ngay=2026-03-01")
    page = r.content.decode()
    assert r.status_code == 422 and "Đến ngày phải bằng hoặc sau Nộp từ ngày." in page
    assert (
        'name="den-ngay" value="2026-03-01" aria-invalid="true" aria-describedby="den-ngay-error"'
        in page
    )
    assert 'name="tu-ngay" value="2026-03-15"' in page and d.code not in page


@pytest.mark.parametrize(
    "query",
    [
        "trang-thai=zzz",
        "kenh=zzz",
        "han=zzz",
        "sap-xep=zzz",
        "thu-tuc=" + "x" * 500,
        "co-quan=abc",
        "trang=-3",
        "trang=99999999",
        "tu-ngay=",
        "co-quan=0",
    ],
)
def test_inbox_unknown_choices_read_as_no_filter(client, citizen, officer, procedure, query):
    """A choice the form does not offer is no filter (the page as without it), never a 500."""
    submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    assert client.get(f"/mot-cua/ho-so/?{query}").status_code == 200


def test_the_intake_form_sent_twice_registers_one_dossier(client, officer, procedure, justice):
    """A double click on the intake form's button registered the dossier twice (two codes, two
    receipts for one applicant). The form carries a one-time token: the second send finds the
    dossier the first registered and says so."""
    sign_in(client, officer)
    form = client.get("/mot-cua/ho-so/tiep-nhan-truc-tiep/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    data = {
        "co-quan": justice.pk,
        "kenh": "counter",
        "thu-tuc": procedure.code,
        "cccd": "075190000123",
        "ho-ten": "Lê Văn Tám",
        "dien-thoai": "0912 345 678",
        "token": token,
    }
    first = client.post("/mot-cua/ho-so/tiep-nhan-truc-tiep/", data)
    assert first.status_code == 302
    again = client.post("/mot-cua/ho-so/tiep-nhan-truc-tiep/", data, follow=True)
    d = Dossier.objects.get(channel="counter")
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "không tạo thêm hồ sơ mới" in again.content.decode() and d.code in again.content.decode()
    # A new form (a new token) registers a new dossier.
    data["token"] = "n" * 22
    assert client.post("/mot-cua/ho-so/tiep-nhan-truc-tiep/", data).status_code == 302
    assert Dossier.objects.filter(channel="counter").count() == 2
