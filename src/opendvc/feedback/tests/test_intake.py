"""Intake from every channel: email (real .eml files), the national portal export, the web form,
staff entry for hotline calls and paper letters."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opendvc.feedback.inbound import email_ingest
from opendvc.feedback.models import Attachment, Channel, Feedback, Kind, QuarantinedEmail
from opendvc.feedback.portal_import import import_records, read_records

pytestmark = pytest.mark.django_db
EMAILS = Path(__file__).parent / "emails"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"


def eml(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def test_email_with_vietnamese_encoded_words_and_attachment(org):
    out = email_ingest(raw=eml("vietnamese_subject.eml"))
    fb = out.feedback
    assert out.quarantined is None and fb.channel == Channel.EMAIL
    assert fb.subject == "Phản ánh chậm trả kết quả hồ sơ đất đai"
    assert fb.sender_name == "Nguyễn Văn An" and fb.sender_email == "an.nguyen@example.vn"
    assert "vẫn chưa có kết quả" in fb.content
    att = fb.attachments.get()
    assert att.name == "Giấy biên nhận.pdf" and att.content_type == "application/pdf"
    # The same message again (poller retry) is not a second item.
    again = email_ingest(raw=eml("vietnamese_subject.eml"))
    assert again.duplicate and again.feedback.pk == fb.pk
    assert Feedback.objects.count() == 1


def test_html_only_email_becomes_text(org):
    fb = email_ingest(raw=eml("html_only.eml")).feedback
    assert fb.subject == "Đường bị ngập"
    assert "Nguyễn Ái Quốc" in fb.content and "ngập & hư hỏng" in fb.content
    assert "alert" not in fb.content and "color" not in fb.content and "<" not in fb.content


@pytest.mark.parametrize(
    "name, code",
    [
        ("executable.eml", "executable_attachment"),
        ("no_sender.eml", "no_sender"),
        ("broken_mime.eml", "broken_mime"),
    ],
)
def test_hostile_emails_are_quarantined_whole(name, code, org):
    raw = eml(name)
    out = email_ingest(raw=raw)
    assert out.feedback is None
    q = out.quarantined
    assert q.reason_code == code and q.reason
    with q.raw.open("rb") as f:
        assert f.read() == raw
    assert Feedback.objects.count() == 0


def test_oversized_and_garbage_emails_are_quarantined(org, settings):
    settings.FEEDBACK_MAX_EMAIL_BYTES = 500
    assert email_ingest(raw=eml("vietnamese_subject.eml")).quarantined.reason_code == "too_large"
    settings.FEEDBACK_MAX_EMAIL_BYTES = 25 * 1024 * 1024
    for raw in (b"", b"\x00\xff" * 100, b"From: \r\n\r\n", b"Subject: =?utf-8?B?////?=\r\n\r\nx"):
        out = email_ingest(raw=raw)
        assert out.quarantined is not None
    assert QuarantinedEmail.objects.count() == 5


def test_ingest_command_reads_files(org, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "feedback_ingest_email",
        str(EMAILS / "html_only.eml"),
        str(EMAILS / "no_sender.eml"),
        stdout=out,
    )
    assert "Phản ánh mới: 1; cách ly: 1" in out.getvalue()


RECORDS = [
    {
        "MaPAKN": "DVCQG-001",
        "TieuDe": "Hỏi về lệ phí",
        "NoiDung": "Lệ phí cấp lại bao nhiêu?",
        "HoTen": "Võ Văn C",
        "SoDienThoai": "0987654321",
        "LoaiPAKN": "3",
        "MaCoQuan": "000.00.32.H19",
        "NgayGui": "20261127093000",
        "CongKhai": "1",
    },
    {
        "MaPAKN": "DVCQG-002",
        "NoiDung": "Cán bộ hẹn nhiều lần.",
        "HoTen": "Lý Thị D",
        "Email": "d@example.vn",
    },
    {"MaPAKN": "", "NoiDung": "không có mã"},
    {
        "MaPAKN": "DVCQG-004",
        "NoiDung": "Ngày sai",
        "HoTen": "E",
        "Email": "e@example.vn",
        "NgayGui": "27/11/2026",
    },
]


def test_portal_import_json_is_idempotent(org):
    records = read_records(content=json.dumps(RECORDS).encode(), filename="pakn.json")
    report = import_records(records)
    assert report.created == 2 and len(report.errors) == 2
    fb = Feedback.objects.get(external_id="dvcqg:DVCQG-001")
    assert fb.channel == Channel.CITIZEN_PORTAL and fb.kind == Kind.QUESTION and fb.consent_publish
    assert fb.suggested_agency == org["dept"]
    assert fb.created_at.isoformat().startswith("2026-11-27T02:30:00")
    again = import_records(records)
    assert again.created == 0 and again.unchanged == 2
    assert Feedback.objects.count() == 2


def test_portal_import_xlsx(org):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    keys = ["MaPAKN", "TieuDe", "NoiDung", "HoTen", "Email"]
    ws.append(keys)
    ws.append(["X-1", "Đề nghị", "Đề nghị mở thêm quầy", "Phan Văn G", "g@example.vn"])
    ws.append([None, None, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    report = import_records(read_records(content=buf.getvalue(), filename="pakn.xlsx"))
    assert report.created == 1 and not report.errors
    with pytest.raises(ValueError):
        read_records(content=b"not a zip", filename="x.xlsx")
    with pytest.raises(ValueError):
        read_records(content=b"{oops", filename="x.json")


def form_data(**kw):
    data = {
        "kind": "complaint",
        "subject": "Chậm trả kết quả",
        "content": "Hồ sơ bị chậm 5 ngày.",
        "sender_name": "Đỗ Thị H",
        "sender_phone": "0901234567",
        "sender_email": "",
        "website": "",
    }
    data.update(kw)
    return data


def test_public_form_creates_an_item_with_attachment(client, org):
    data = form_data(
        attachments=SimpleUploadedFile("biên nhận.pdf", PDF, content_type="application/pdf")
    )
    response = client.post(reverse("feedback:submit"), data)
    assert response.status_code == 302
    fb = Feedback.objects.get()
    assert fb.channel == Channel.WEB and fb.sender is None and fb.sender_name == "Đỗ Thị H"
    assert fb.attachments.get().name == "biên nhận.pdf"
    page = client.get(response["Location"])
    assert fb.code in page.content.decode()


def test_the_same_form_sent_twice_records_one_item(client, org):
    """A double click on "send" posted the form twice and recorded two items (two acknowledgements,
    two rows in the switchboard's queue). The form shown carries an id: the same form with the same
    text is one item; the same form reused for another text (the back button) is a new one."""
    page = client.get(reverse("feedback:submit")).content.decode()
    submission = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    first = client.post(reverse("feedback:submit"), form_data(submission=submission))
    again = client.post(reverse("feedback:submit"), form_data(submission=submission))
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] and Feedback.objects.count() == 1
    other = client.post(
        reverse("feedback:submit"), form_data(submission=submission, subject="Một việc khác")
    )
    assert other.status_code == 302 and Feedback.objects.count() == 2
    # An id not made by the form is ignored: the item is recorded, once per sending.
    for _ in range(2):
        client.post(reverse("feedback:submit"), form_data(submission="x' OR 1=1"))
    assert Feedback.objects.count() == 4


def test_a_hotline_entry_sent_twice_records_one_item(client, org):
    client.force_login(org["switchboard"])
    page = client.get(reverse("feedback:staff_entry")).content.decode()
    submission = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):
        r = client.post(
            reverse("feedback:staff_entry"),
            form_data(channel="hotline", submission=submission),
        )
        assert r.status_code == 302
    assert Feedback.objects.count() == 1


def test_a_refused_hotline_entry_answers_422_with_the_error_at_its_field(client, org):
    """The hotline and paper-letter entries answered 400 when refused; they answer 422, the error at
    its field (aria-invalid, described by it, linked from the summary) and what was typed kept."""
    client.force_login(org["switchboard"])
    r = client.post(
        reverse("feedback:staff_entry"),
        form_data(channel="hotline", subject="", sender_phone="", content="Gọi lúc 9 giờ."),
    )
    page = r.content.decode()
    assert r.status_code == 422 and "Vui lòng nhập tiêu đề." in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_subject_error"' in page
    assert 'href="#id_subject"' in page and "Gọi lúc 9 giờ." in page and 'value="Đỗ Thị H"' in page
    client.force_login(org["focal"])
    r = client.post(
        reverse("feedback:staff_paper_entry"),
        {**form_data(subject=""), "agency": org["dept"].pk},
    )
    page = r.content.decode()
    assert r.status_code == 422 and 'href="#id_subject"' in page and 'value="Đỗ Thị H"' in page
    assert Feedback.objects.count() == 0


def test_public_form_errors_are_vietnamese_and_keep_the_input(client, org):
    response = client.post(reverse("feedback:submit"), form_data(sender_phone="", subject=""))
    body = response.content.decode()
    assert response.status_code == 422
    assert "Vui lòng nhập tiêu đề." in body
    assert "Vui lòng nhập số điện thoại hoặc email" in body
    assert "Hồ sơ bị chậm 5 ngày." in body
    exe = SimpleUploadedFile("don.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(reverse("feedback:submit"), form_data(attachments=exe))
    assert (
        response.status_code == 422
        and "không thuộc loại được chấp nhận" in response.content.decode()
    )
    assert Feedback.objects.count() == 0


def test_honeypot_and_throttle(client, org, settings):
    settings.FEEDBACK_RATE_LIMIT = 2
    response = client.post(reverse("feedback:submit"), form_data(website="http://spam.example"))
    assert response.status_code == 200 and Feedback.objects.count() == 0
    for _ in range(2):
        assert client.post(reverse("feedback:submit"), form_data()).status_code == 302
    response = client.post(reverse("feedback:submit"), form_data(content="Nội dung lần ba"))
    assert response.status_code == 429
    assert "Nội dung lần ba" in response.content.decode()
    # Refused forms did not count: a sender correcting mistakes was not blocked by them.
    settings.FEEDBACK_RATE_LIMIT = 3
    fresh = {"REMOTE_ADDR": "10.0.0.7"}
    for _ in range(5):
        assert client.post(reverse("feedback:submit"), form_data(content=""), **fresh).status_code == 422
    assert client.post(reverse("feedback:submit"), form_data(), **fresh).status_code == 302
    settings.FEEDBACK_RATE_LIMIT = 2
    # Another address is not affected by the burst.
    other = client.post(reverse("feedback:submit"), form_data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert Feedback.objects.count() == 4


def test_signed_in_citizen_needs_no_contact_fields(client, org):
    client.force_login(org["citizen"])
    response = client.post(reverse("feedback:submit"), form_data(sender_name="", sender_phone=""))
    assert response.status_code == 302
    fb = Feedback.objects.get()
    assert fb.sender == org["citizen"]
    assert fb.code in client.get(reverse("feedback:mine")).content.decode()


def test_staff_entry_records_the_channel(client, org):
    client.force_login(org["switchboard"])
    data = form_data(channel="hotline")
    data.pop("website")
    response = client.post(reverse("feedback:staff_entry"), data)
    assert response.status_code == 302
    fb = Feedback.objects.get()
    assert fb.channel == Channel.HOTLINE and fb.entered_by == org["switchboard"]
    client.force_login(org["citizen"])
    assert client.get(reverse("feedback:staff_entry")).status_code in (302, 403)


def test_attachment_names_are_sanitised(org):
    from opendvc.feedback.uploads import UploadError, check_file, sanitise_name

    assert sanitise_name("  đơn <khiếu> nại?.pdf ") == "đơn _khiếu_ nại_.pdf"
    for bad in ("../etc/passwd", "thư\\mục.pdf"):
        with pytest.raises(UploadError):
            sanitise_name(bad)
    with pytest.raises(UploadError) as err:
        check_file(name="a.pdf", content=b"")
    assert err.value.code == "empty_file"
    assert Attachment.objects.count() == 0


def test_sender_phone_is_encrypted_at_rest(org):
    from django.db import connection

    from opendvc.feedback.services import feedback_create

    fb = feedback_create(
        channel=Channel.HOTLINE,
        subject="Gọi điện",
        content="Nội dung",
        sender_name="Mai Văn N",
        sender_phone="0911222333",
    )
    with connection.cursor() as cur:
        cur.execute("SELECT sender_phone_ciphertext FROM feedback_feedback WHERE id = %s", [fb.pk])
        stored = cur.fetchone()[0]
    assert stored and "0911222333" not in stored
    assert Feedback.objects.get(pk=fb.pk).sender_phone == "0911222333"
