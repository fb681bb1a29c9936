"""The applicant sees the fee of each postal order (in đồng) and in the pickup's confirmation; the postal
worker's order form keeps the event chosen and what was typed after an error; a delivered or collected
order no longer shows an earlier attempt's failure reason (the timeline keeps it)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.postal import services
from opendvc.postal.models import PostalOrder, Status

from .conftest import address, proof_png, result_ready, sign_in, tomorrow_at
from .test_pages import main_text

pytestmark = pytest.mark.django_db


def _pickup(procedure, citizen, justice, province="Đồng Nai"):
    start = tomorrow_at(9)
    return services.pickup_request(
        applicant=citizen,
        procedure=procedure,
        agency=justice,
        address=address(province),
        window_start=start,
        window_end=start + timedelta(hours=2),
    )


def test_the_applicant_sees_the_fee_of_each_order(client, procedure, citizen, justice):
    sign_in(client, citizen)
    day = (timezone.localtime() + timedelta(days=2)).strftime("%d/%m/%Y")
    r = client.post(
        "/buu-chinh/thu-gom/",
        {
            "thu-tuc": procedure.code,
            "co-quan": justice.pk,
            "ho-ten": "Nguyễn Thị Hoa",
            "dien-thoai": "0912345678",
            "dia-chi": "12 Nguyễn Huệ, phường Sài Gòn",
            "tinh": "TP Hồ Chí Minh",
            "ngay": day,
            "tu-gio": "09:00",
            "den-gio": "11:00",
        },
        follow=True,
    )
    order = PostalOrder.objects.get(applicant=citizen)
    assert order.fee_vnd == 35000
    assert (
        f"Đã gửi yêu cầu thu gom {order.order_number}, cước phí 35.000 đồng." in r.content.decode()
    )
    _pickup(procedure, citizen, justice)
    listing = main_text(client.get("/buu-chinh/don-cua-toi/"))
    assert "Cước phí" in listing
    assert "35.000 đồng" in listing and "22.000 đồng" in listing


@pytest.fixture
def delivering(procedure, citizen, officer, leader, postal):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    return order


def _checked(html: str) -> list[str]:
    return re.findall(r'name="trang-thai" value="(\w+)" checked', html)


def test_the_order_form_keeps_the_event_and_the_values_after_an_error(client, delivering, postal):
    sign_in(client, postal)
    url = f"/quan-tri/buu-chinh/don/{delivering.order_number}/"
    assert _checked(client.get(url).content.decode()) == []
    r = client.post(url, {"trang-thai": Status.FAILED, "luc": "hôm qua", "ghi-chu": "Vắng nhà"})
    assert r.status_code == 422
    html = r.content.decode()
    assert "Nhập ngày giờ theo dạng dd/mm/yyyy giờ:phút." in html
    assert _checked(html) == [Status.FAILED]
    assert 'value="hôm qua"' in html and 'value="Vắng nhà"' in html
    r = client.post(url, {"trang-thai": Status.DELIVERED, "nguoi-nhan": "Nguyễn Thị Hoa"})
    assert r.status_code == 422
    html = r.content.decode()
    assert _checked(html) == [Status.DELIVERED]
    assert 'value="Nguyễn Thị Hoa"' in html
    # A forged choice not offered is refused and leaves nothing chosen.
    r = client.post(url, {"trang-thai": "nonsense"})
    assert r.status_code == 422 and _checked(r.content.decode()) == []


def test_the_event_is_an_explicit_choice_on_the_pickup_and_return_pages(
    client, procedure, citizen, justice, delivering, postal
):
    """The first event offered was pre-selected, so "Ghi nhận" pressed without a choice recorded it
    (a pickup "collected" by accident). Nothing is chosen now; sending none is refused at the field,
    in Vietnamese or English, and what was typed comes back."""
    pickup = _pickup(procedure, citizen, justice)
    sign_in(client, postal)
    for order in (pickup, delivering):
        order.refresh_from_db()
        before = order.status
        url = f"/quan-tri/buu-chinh/don/{order.order_number}/"
        assert _checked(client.get(url).content.decode()) == []
        r = client.post(url, {"luc": "", "ghi-chu": "Gọi trước 15 phút", "nguoi-nhan": "Nguyễn Hoa"})
        assert r.status_code == 422
        html = r.content.decode()
        assert 'id="trang-thai-error"' in html
        assert "Sự kiện: Chọn sự kiện cần ghi nhận." in main_text(r)
        assert 'value="Gọi trước 15 phút"' in html
        assert _checked(html) == []
        if order is delivering:
            assert 'value="Nguyễn Hoa"' in html
        order.refresh_from_db()
        assert order.status == before
    assert pickup.events.count() == 1
    client.cookies["django_language"] = "en"
    r = client.post(f"/quan-tri/buu-chinh/don/{pickup.order_number}/", {"ghi-chu": "x"})
    assert r.status_code == 422
    assert "Event: Choose the event to record." in main_text(r)
    with pytest.raises(ProblemError) as refused:
        services.pickup_record(order=pickup, actor=postal, status="")
    assert [e["path"] for e in refused.value.extra["errors"]] == ["status"]


def test_a_delivered_order_no_longer_shows_the_earlier_failure(client, delivering, postal):
    services.return_record(
        order=delivering, actor=postal, status=Status.FAILED, note="Không có người nhận tại địa chỉ"
    )
    services.return_record(
        order=delivering,
        actor=postal,
        status=Status.DELIVERED,
        receiver_name="Nguyễn Thị Hoa",
        proof=proof_png(),
    )
    delivering.refresh_from_db()
    assert delivering.status == Status.DELIVERED and delivering.failure_reason == ""
    sign_in(client, postal)
    text = main_text(client.get(f"/quan-tri/buu-chinh/don/{delivering.order_number}/"))
    assert "Lý do không thành công" not in text
    assert "Không có người nhận tại địa chỉ" in text  # in the timeline


def test_a_collected_pickup_no_longer_shows_the_earlier_failure(
    procedure, citizen, justice, postal
):
    order = _pickup(procedure, citizen, justice)
    services.pickup_record(order=order, actor=postal, status=Status.FAILED, note="Khách hẹn lại")
    services.pickup_record(order=order, actor=postal, status=Status.COLLECTED)
    order.refresh_from_db()
    assert order.status == Status.COLLECTED and order.failure_reason == ""
    assert order.events.filter(status=Status.FAILED, note="Khách hẹn lại").exists()


def test_a_pickup_event_in_the_future_or_before_the_request_is_refused(
    client, procedure, citizen, justice, postal
):
    """A collection typed as 01/01/2030 (or before the applicant asked) was recorded as it was typed:
    the timeline and the office's list then showed a hand-over that had not happened."""
    order = _pickup(procedure, citizen, justice)
    sign_in(client, postal)
    url = f"/quan-tri/buu-chinh/don/{order.order_number}/"
    r = client.post(url, {"trang-thai": Status.COLLECTED, "luc": "01/01/2030 10:00"})
    assert r.status_code == 422
    assert "Thời điểm không được ở tương lai." in r.content.decode()
    assert 'value="01/01/2030 10:00"' in r.content.decode()
    r = client.post(url, {"trang-thai": Status.COLLECTED, "luc": "01/01/2020 10:00"})
    assert r.status_code == 422
    assert "Thời điểm không được trước lúc yêu cầu thu gom." in r.content.decode()
    order.refresh_from_db()
    assert order.status == Status.REQUESTED and order.events.count() == 1
    r = client.post(url, {"trang-thai": Status.COLLECTED})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.COLLECTED


def test_a_note_or_receiver_longer_than_its_column_is_refused_not_cut(client, delivering, postal):
    """A failure reason or receiver's name past its column was kept cut (300, 200 characters)
    without a word; it is refused at its field with what was typed kept."""
    sign_in(client, postal)
    url = f"/quan-tri/buu-chinh/don/{delivering.order_number}/"
    r = client.post(url, {"trang-thai": Status.FAILED, "ghi-chu": "Vắng nhà " * 40})
    assert r.status_code == 422
    html = r.content.decode()
    assert "Ghi chú: Tối đa 300 ký tự (đang có 359)." in html
    with pytest.raises(ProblemError) as refused:
        services.return_record(
            order=delivering,
            actor=postal,
            status=Status.DELIVERED,
            receiver_name="Nguyễn Thị Hoa" * 20,
            note="N" * 301,
            proof=proof_png(),
        )
    assert [e["path"] for e in refused.value.extra["errors"]] == ["note", "receiver_name"]
    delivering.refresh_from_db()
    assert delivering.status == Status.HANDED_TO_POST and delivering.failure_reason == ""


def test_the_proof_of_delivery_is_only_an_image_or_a_pdf(client, delivering, postal):
    """The proof went through the general file check: a Word file or a text file was accepted (the
    picker offers images and PDF only) and the message listed DOCX and XLSX. Only JPEG, PNG and PDF are
    taken now, by content, with a message naming them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.core.tests.test_uploads import docx
    from opendvc.dossiers.tests.conftest import small_pdf

    sign_in(client, postal)
    url = f"/quan-tri/buu-chinh/don/{delivering.order_number}/"
    for name, content in (
        ("bien-ban.docx", docx()),
        ("chu-ky.png", docx()),  # a Word file renamed
        ("ghi-chu.txt", "Đã giao tận tay".encode()),
    ):
        r = client.post(
            url,
            {
                "trang-thai": Status.DELIVERED,
                "nguoi-nhan": "Nguyễn Thị Hoa",
                "bang-chung": SimpleUploadedFile(name, content),
            },
        )
        assert r.status_code == 422, name
        text = main_text(r)
        assert "chỉ nhận tệp JPEG, PNG, PDF" in text, name
        assert "DOCX" not in text and "XLSX" not in text, name
        assert 'value="Nguyễn Thị Hoa"' in r.content.decode()
    delivering.refresh_from_db()
    assert delivering.status == Status.HANDED_TO_POST and not delivering.proof_file
    r = client.post(
        url,
        {
            "trang-thai": Status.DELIVERED,
            "nguoi-nhan": "Nguyễn Thị Hoa",
            "bang-chung": SimpleUploadedFile("chu-ky.pdf", small_pdf()),
        },
    )
    assert r.status_code == 302
    delivering.refresh_from_db()
    assert delivering.status == Status.DELIVERED
    assert delivering.proof_content_type == "application/pdf"


def test_a_proof_named_for_another_type_is_kept_under_its_real_type(client, delivering, postal):
    """A scan of the signature saved as ``chu-ky.jpg`` that is a PDF: taken (the worker is not
    blocked for a name), kept as ``chu-ky.pdf``, and the page says so."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.tests.conftest import small_pdf

    sign_in(client, postal)
    url = f"/quan-tri/buu-chinh/don/{delivering.order_number}/"
    r = client.post(
        url,
        {
            "trang-thai": Status.DELIVERED,
            "nguoi-nhan": "Nguyễn Thị Hoa",
            "bang-chung": SimpleUploadedFile("chu-ky.jpg", small_pdf(), "image/jpeg"),
        },
        follow=True,
    )
    assert r.status_code == 200
    assert "Tệp “chu-ky.jpg” là tệp PDF nên được lưu với tên “chu-ky.pdf”." in r.content.decode()
    delivering.refresh_from_db()
    assert delivering.proof_content_type == "application/pdf"
    assert delivering.proof_file.name.endswith("-chu-ky.pdf")
