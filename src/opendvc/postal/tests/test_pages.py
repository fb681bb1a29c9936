"""The postal worker's queue and permissions (only postal work, only the agencies they serve), the
office's postal page, the applicant's pickup form — pages in Vietnamese without raw keys."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from opendvc.agencies.models import Agency
from opendvc.dossiers.services import receiving_agency_allowed
from opendvc.postal import services
from opendvc.postal.models import PostalOrder, Status
from opendvc.worktime import to_local

from .conftest import address, result_ready, sign_in

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip, self.inside = [], 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.inside = True
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.inside = False
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if self.inside and not self.skip:
            self.parts.append(data)


def main_text(response) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def assert_readable(response):
    from e2e.journeys import raw_values

    assert response.status_code == 200
    found = raw_values(main_text(response))
    assert not found, found


def pickup_form(procedure, justice, **changed) -> dict:
    """The pickup form filled in as a citizen would, the day after tomorrow from 09:00 to 11:00."""
    day = (timezone.localtime() + timedelta(days=2)).strftime("%d/%m/%Y")
    return {
        "thu-tuc": procedure.code,
        "co-quan": justice.pk,
        "ho-ten": "Nguyễn Thị Hoa",
        "dien-thoai": "0912345678",
        "dia-chi": "12 Võ Thị Sáu, phường Trấn Biên",
        "tinh": "Đồng Nai",
        "ngay": day,
        "tu-gio": "09:00",
        "den-gio": "11:00",
        **changed,
    }


@pytest.fixture
def delivering(procedure, citizen, officer, leader, postal):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    return order


def test_the_postal_worker_sees_only_postal_work_of_the_agencies_served(
    client, delivering, postal, foreign_postal, officer
):
    sign_in(client, postal)
    page = client.get("/quan-tri/buu-chinh/?xem=return")
    assert_readable(page)
    text = main_text(page)
    assert delivering.order_number in text and "Bưu điện đã nhận kết quả" in text
    assert re.search(r"còn \d+ giờ \d\d phút", text)  # the 24-hour clock
    assert_readable(client.get(f"/quan-tri/buu-chinh/don/{delivering.order_number}/"))
    # Not the office's or the departments' work.
    for path in (
        "/mot-cua/ho-so/",
        "/mot-cua/ho-so/tiep-nhan-truc-tiep/",
        "/can-bo/viec-can-xu-ly/",
        "/mot-cua/buu-chinh/",
    ):
        assert client.get(path).status_code == 403, path
    home = main_text(client.get("/quan-tri/"))
    assert "Bưu chính: thu gom, phát kết quả" in home and "Hồ sơ cần tiếp nhận" not in home

    client.logout()
    sign_in(client, foreign_postal)
    assert delivering.order_number not in main_text(client.get("/quan-tri/buu-chinh/?xem=return"))
    assert client.get(f"/quan-tri/buu-chinh/don/{delivering.order_number}/").status_code == 404

    client.logout()
    sign_in(client, officer)
    assert client.get("/quan-tri/buu-chinh/").status_code == 403


def test_the_worker_records_a_failure_on_the_page_and_bad_input_is_explained(
    client, delivering, postal
):
    sign_in(client, postal)
    url = f"/quan-tri/buu-chinh/don/{delivering.order_number}/"
    refused = client.post(url, {"trang-thai": "failed", "ghi-chu": ""})
    assert refused.status_code == 422 and "Nêu lý do không phát được." in refused.content.decode()
    # The error at its input, tied to it, and linked from the summary.
    assert 'aria-invalid="true" aria-describedby="ghi-chu-error"' in refused.content.decode()
    assert '<a href="#ghi-chu">Nêu lý do không phát được.</a>' in refused.content.decode()
    bad_time = client.post(
        url, {"trang-thai": "failed", "ghi-chu": "Vắng nhà", "luc": "31/02/2026 25:00"}
    )
    assert bad_time.status_code == 422 and "dd/mm/yyyy" in bad_time.content.decode()
    assert client.post(url, {"trang-thai": "failed", "ghi-chu": "Vắng nhà"}).status_code == 302
    delivering.refresh_from_db()
    assert delivering.status == Status.FAILED and delivering.failure_reason == "Vắng nhà"
    assert_readable(client.get(url))


def test_overdue_and_due_soon_lists(client, delivering, postal):
    import time_machine

    sign_in(client, postal)
    with time_machine.travel(delivering.due_at + timedelta(hours=1), tick=False):
        page = client.get("/quan-tri/buu-chinh/?xem=overdue")
        assert_readable(page)
        assert delivering.order_number in main_text(page) and "Quá hạn" in main_text(page)
        assert services.postal_escalate_overdue() == 1
        assert services.postal_escalate_overdue() == 0  # told once
    # The message names each order's own deadline (24 hours in the province, more outside it), not a
    # fixed "24 giờ".
    from opendvc.notifications.models import Notification

    told = Notification.objects.get(template="postal_overdue", recipient=postal)
    text = f"{told.subject}\n{told.body}"
    assert "24 giờ" not in text
    assert f"{delivering.order_number} ({to_local(delivering.due_at):%H:%M %d/%m/%Y})" in text
    with time_machine.travel(delivering.due_at - timedelta(hours=1), tick=False):
        assert delivering.order_number in main_text(client.get("/quan-tri/buu-chinh/?xem=due_soon"))


def test_an_applicant_requests_a_pickup_and_the_office_receives_it(
    client, procedure, citizen, justice, postal, officer
):
    detail = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert (
        detail.count(f'href="/buu-chinh/thu-gom/?thu-tuc={procedure.code}"') == 1
    )  # offered by post
    sign_in(client, citizen)
    form = client.get(f"/buu-chinh/thu-gom/?thu-tuc={procedure.code}")
    assert_readable(form)
    assert f'value="{procedure.code}"' in form.content.decode()
    # Only the agencies that receive the procedure are offered, the procedure named by its name.
    html = form.content.decode()
    assert procedure.name in html
    offered = re.findall(r'<option value="(\d+)"', html)
    assert offered and all(
        receiving_agency_allowed(procedure=procedure, agency=Agency.objects.get(pk=pk)) for pk in offered
    )
    assert str(justice.pk) in offered
    fields = pickup_form(procedure, justice, **{"den-gio": "08:00"})
    refused = client.post("/buu-chinh/thu-gom/", fields)
    assert (
        refused.status_code == 422
        and "Giờ kết thúc phải sau giờ bắt đầu." in refused.content.decode()
    )
    page = refused.content.decode()
    assert '<a href="#den-gio">Giờ kết thúc phải sau giờ bắt đầu.</a>' in page
    assert re.search(
        r'id="den-gio" name="den-gio" value="08:00"[^>]*'
        r'aria-invalid="true" aria-describedby="den-gio-error"',
        page,
    )
    # The post collects in the day and books at most POSTAL_PICKUP_MAX_DAYS ahead.
    for changed, message in (
        ({"tu-gio": "01:00", "den-gio": "03:00"}, "Bưu điện thu gom trong một ngày, từ 07:00 đến 20:00."),
        ({"tu-gio": "18:00", "den-gio": "21:00"}, "Bưu điện thu gom trong một ngày, từ 07:00 đến 20:00."),
        ({"ngay": "31/12/9999", "den-gio": "11:00"}, "Chỉ hẹn thu gom trong 30 ngày tới."),
    ):
        refused = client.post("/buu-chinh/thu-gom/", {**fields, **changed})
        assert refused.status_code == 422 and message in refused.content.decode(), changed
    assert client.post("/buu-chinh/thu-gom/", {**fields, "den-gio": "11:00"}).status_code == 302
    order = PostalOrder.objects.get(applicant=citizen)
    assert order.inside_province and order.fee_vnd == 22000
    assert_readable(client.get("/buu-chinh/don-cua-toi/"))

    # The postal worker's page of the pickup: the applicant's request is theirs, not staff's, and a
    # visit that fails is a pickup not made, not a delivery.
    client.logout()
    sign_in(client, postal)
    worker = main_text(client.get(f"/quan-tri/buu-chinh/don/{order.order_number}/"))
    assert f"Chờ thu gom · Người nộp ({citizen.full_name})" in worker
    assert "Thu gom không thành công" in worker and "Phát không thành công" not in worker
    services.pickup_record(order=order, actor=postal, status=Status.COLLECTED)
    services.pickup_record(order=order, actor=postal, status=Status.HANDED_TO_OFFICE)
    client.logout()
    sign_in(client, officer)
    office = client.get("/mot-cua/buu-chinh/")
    assert_readable(office)
    assert order.order_number in main_text(office)
    order.refresh_from_db()
    assert order.handed_at is not None
    assert f"Bưu điện giao lúc {timezone.localtime(order.handed_at):%H:%M %d/%m/%Y}" in main_text(office)
    done = client.post(f"/mot-cua/buu-chinh/thu-gom/{order.order_number}/tiep-nhan/")
    order.refresh_from_db()
    assert done.status_code == 302 and order.dossier.channel == "postal"


def test_the_office_hands_a_postal_result_over_to_the_post(
    client, procedure, citizen, officer, leader
):
    d = result_ready(procedure, citizen, officer, leader)
    sign_in(client, officer)
    assert d.code in main_text(client.get("/mot-cua/buu-chinh/"))
    url = f"/mot-cua/buu-chinh/tra-ket-qua/{d.code}/"
    assert_readable(client.get(url))
    refused = client.post(
        url, {"ho-ten": "Nguyễn Thị Hoa", "dien-thoai": "12", "dia-chi": "x", "tinh": ""}
    )
    assert (
        refused.status_code == 422
        and "Nhập số điện thoại di động hợp lệ." in refused.content.decode()
    )
    page = refused.content.decode()
    assert 'id="dien-thoai-error"' in page and 'href="#dien-thoai"' in page
    assert re.search(
        r'id="dien-thoai" name="dien-thoai" value="12"[^>]*'
        r'aria-invalid="true" aria-describedby="dien-thoai-error"',
        page,
    )
    ok = client.post(
        url,
        {
            "ho-ten": "Nguyễn Thị Hoa",
            "dien-thoai": "0912345678",
            "dia-chi": "5 Hà Huy Giáp, phường Biên Hòa",
            "tinh": "TP. Hồ Chí Minh",
        },
    )
    assert ok.status_code == 302
    order = PostalOrder.objects.get(dossier=d, leg="return")
    assert not order.inside_province  # outside the province: its own rule (72 h by default)


def test_the_postal_worker_home_lists_only_postal_tools(postal):
    from opendvc.backoffice.tools import tools_for

    titles = {t.title for t in tools_for(postal)}
    assert "Bưu chính: thu gom, phát kết quả" in titles
    assert not titles & {
        "Hồ sơ cần tiếp nhận",
        "Việc cần xử lý",
        "Tra cứu công dân",
        "Hồ sơ, kết quả qua bưu chính",
    }


def test_a_pickup_or_return_address_too_long_or_with_markup_is_refused_not_cut(
    client, procedure, citizen, justice, officer, leader
):
    """The address goes to the postal operator as typed: a part longer than its column or holding
    '<' or '>' is refused at its field, with every other problem, and nothing is saved."""
    sign_in(client, citizen)
    fields = pickup_form(procedure, justice)
    refused = client.post(
        "/buu-chinh/thu-gom/",
        {
            **fields,
            "ho-ten": "Hoa <b>",
            "dia-chi": "Số 12, đường Võ Thị Sáu " * 15,  # 360 characters
            "ghi-chu": "gọi trước " * 60,
            "den-gio": "08:00",
        },
    )
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Họ tên người giao hồ sơ: Không dùng các ký tự “<” và “>”." in text
    assert "Địa chỉ (số nhà, đường, phường/xã): Tối đa 300 ký tự (đang có 359)." in text
    assert "Ghi chú cho nhân viên bưu chính: Tối đa 500 ký tự (đang có 599)." in text
    assert "Giờ kết thúc phải sau giờ bắt đầu." in text  # reported with them, not after
    assert not PostalOrder.objects.filter(applicant=citizen).exists()
    # What was typed comes back to be corrected.
    assert "Số 12, đường Võ Thị Sáu" in refused.content.decode()
    assert client.post("/buu-chinh/thu-gom/", fields).status_code == 302

    d = result_ready(procedure, citizen, officer, leader)
    client.logout()
    sign_in(client, officer)
    url = f"/mot-cua/buu-chinh/tra-ket-qua/{d.code}/"
    typed = {
        "ho-ten": "Nguyễn Thị Hoa",
        "dien-thoai": "0912345678",
        "dia-chi": "5 Hà Huy Giáp, phường Biên Hòa",
        "tinh": "Đồng Nai" + " " + "x" * 120,
    }
    refused = client.post(url, typed)
    assert refused.status_code == 422
    assert "Tỉnh, thành phố: Tối đa 100 ký tự (đang có 129)." in main_text(refused)
    assert not PostalOrder.objects.filter(dossier=d, leg="return").exists()
    refused = client.post(url, {**typed, "tinh": "Đồng Nai", "ho-ten": "<script>"})
    assert "Họ tên người nhận: Không dùng các ký tự “<” và “>”." in main_text(refused)
    assert client.post(url, {**typed, "tinh": "Đồng Nai"}).status_code == 302


def test_an_unreadable_pickup_day_or_hour_is_reported_with_the_other_errors(
    client, procedure, citizen, justice
):
    """A day that does not exist (31/02) or an hour such as 25:00 was refused alone, before anything
    else was checked: the applicant fixed it and only then learnt that the address was missing. Every
    problem is now reported at once, and what was typed comes back."""
    sign_in(client, citizen)
    fields = pickup_form(procedure, justice)
    for changed in ({"ngay": "31/02/2027"}, {"tu-gio": "25:00"}, {"den-gio": ""}):
        refused = client.post("/buu-chinh/thu-gom/", {**fields, **changed, "dia-chi": ""})
        html = refused.content.decode()
        assert refused.status_code == 422, changed
        assert "Ngày hoặc giờ thu gom không đọc được" in html, changed
        assert "Nhập địa chỉ đầy đủ" in html, changed
        assert f'value="{next(iter(changed.values()))}"' in html, changed
    assert not PostalOrder.objects.exists()


def test_a_wrong_procedure_or_agency_is_reported_with_the_other_errors(
    client, procedure, citizen, justice
):
    """A procedure code not published or an agency not chosen stopped the form at once ("Hãy nhập đúng
    mã thủ tục…") and hid its other problems. Every problem is now reported at its field together,
    and what was typed comes back."""
    sign_in(client, citizen)
    refused = client.post(
        "/buu-chinh/thu-gom/",
        pickup_form(
            procedure,
            justice,
            **{"thu-tuc": "KHONG-CO", "co-quan": "", "dia-chi": "", "tu-gio": "25:00"},
        ),
    )
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Hãy nhập đúng mã thủ tục" not in text
    assert "Mã thủ tục: Nhập đúng mã của một thủ tục đang được công bố." in text
    assert "Cơ quan tiếp nhận: Chọn cơ quan tiếp nhận." in text
    assert "Nhập địa chỉ đầy đủ" in text
    assert "Ngày hoặc giờ thu gom không đọc được" in text
    html = refused.content.decode()
    assert 'value="KHONG-CO"' in html and 'value="25:00"' in html and 'value="0912345678"' in html
    # The right procedure with an agency that does not receive it: reported with the rest too.
    refused = client.post(
        "/buu-chinh/thu-gom/", pickup_form(procedure, justice, **{"co-quan": 999999, "dia-chi": ""})
    )
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Cơ quan tiếp nhận: Chọn cơ quan tiếp nhận." in text and "Nhập địa chỉ đầy đủ" in text
    assert not PostalOrder.objects.exists()
