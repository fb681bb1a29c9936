"""The public status page and the back-office incident pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from opendvc.ops.models import Incident, Severity, Status
from opendvc.ops.services import incident_open, incident_transition

pytestmark = pytest.mark.django_db


def test_status_page_shows_current_and_last_90_days(client, org):
    page = client.get(reverse("ops:status"))
    assert page.status_code == 200
    assert "Mọi dịch vụ đang hoạt động bình thường." in page.content.decode()
    now = timezone.now()
    current = incident_open(
        title="Không nộp được hồ sơ",
        severity=Severity.MAJOR,
        message="Đang kiểm tra",
        affected_services=["Nộp hồ sơ trực tuyến"],
        actor=org["ict"],
    )
    past = incident_open(
        title="Chậm tra cứu",
        severity=Severity.MINOR,
        message="m",
        affected_services=[],
        actor=org["ict"],
        started_at=now - dt.timedelta(days=10),
    )
    incident_transition(
        incident=past, status=Status.RESOLVED, message="Đã tăng bộ nhớ", actor=org["ict"]
    )
    old = incident_open(
        title="Sự cố cũ",
        severity=Severity.MINOR,
        message="m",
        affected_services=[],
        actor=org["ict"],
        started_at=now - dt.timedelta(days=120),
    )
    Incident.objects.filter(pk=old.pk).update(
        resolved_at=now - dt.timedelta(days=100), status=Status.RESOLVED
    )
    html = client.get(reverse("ops:status")).content.decode()
    assert (
        "Đang có 1 sự cố" in html
        and "Không nộp được hồ sơ" in html
        and "Nộp hồ sơ trực tuyến" in html
    )
    assert "Chậm tra cứu" in html and "Đã tăng bộ nhớ" in html and "Sự cố cũ" not in html
    assert (
        html.index("Không nộp được hồ sơ")
        < html.index("Sự cố trong 90 ngày qua")
        < html.index("Chậm tra cứu")
    )
    assert (
        'lang="vi"' in html
        and f'datetime="{timezone.localtime(current.started_at).isoformat()}' in html
    )


def test_ict_opens_updates_and_resolves_through_pages(client, org):
    client.force_login(org["ict"])
    assert client.get(reverse("ops:staff_list")).status_code == 200
    r = client.post(
        reverse("ops:staff_open"),
        {"title": "", "severity": "major", "affected_services": "A", "message": "m"},
    )
    assert r.status_code == 422 and "This field is required" not in r.content.decode()
    assert re.search(r'<input[^>]*name="title"[^>]*aria-invalid="true"', r.content.decode())
    assert 'id="id_title_error"' in r.content.decode()
    assert Incident.objects.count() == 0
    r = client.post(
        reverse("ops:staff_open"),
        {
            "title": "Mất kết nối bưu chính",
            "severity": "major",
            "affected_services": "Trả kết quả qua bưu chính, Tra cứu",
            "started_at": "01/12/2026 08:30",
            "message": "API bưu chính lỗi",
        },
    )
    incident = Incident.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "ops:staff_detail", args=[incident.public_id]
    )
    assert incident.affected_services == ["Trả kết quả qua bưu chính", "Tra cứu"]
    assert timezone.localtime(incident.started_at).strftime("%d/%m/%Y %H:%M") == "01/12/2026 08:30"
    url = reverse("ops:staff_detail", args=[incident.public_id])
    r = client.post(url, {"status": "resolved", "message": ""})
    assert r.status_code == 422
    assert "Vui lòng" in r.content.decode() or "bắt buộc" in r.content.decode()
    assert 'id="id_message_error"' in r.content.decode()
    assert re.search(r'<textarea[^>]*name="message"[^>]*aria-invalid="true"', r.content.decode())
    r = client.post(url, {"status": "resolved", "message": "Bưu điện đã khắc phục"})
    assert r.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolution == "Bưu điện đã khắc phục"
    page = client.get(url).content.decode()
    assert "Bưu điện đã khắc phục" in page and 'name="status"' not in page  # no form once resolved


def test_province_office_reads_but_does_not_change(client, org):
    incident = incident_open(
        title="x", severity=Severity.MINOR, message="m", affected_services=[], actor=org["ict"]
    )
    client.force_login(org["office"])
    url = reverse("ops:staff_detail", args=[incident.public_id])
    assert client.get(url).status_code == 200
    assert client.get(reverse("ops:staff_open")).status_code == 403
    client.post(url, {"status": "resolved", "message": "tự giải quyết"})
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING


@pytest.mark.parametrize("who", ["focal", "citizen"])
def test_other_users_are_refused(client, org, who):
    client.force_login(org[who])
    assert client.get(reverse("ops:staff_list")).status_code == 403


@pytest.mark.e2e
def test_status_page_on_a_phone(live_server, new_page, db):
    from opendvc.ops.services import incident_open

    incident_open(
        title="Gián đoạn thanh toán trực tuyến qua cổng thanh toán quốc gia",
        severity=Severity.MAJOR,
        message="Đang phối hợp với nhà cung cấp",
        affected_services=["Thanh toán trực tuyến"],
    )
    page = new_page(width=360, height=740)
    page.goto(f"{live_server.url}/trang-thai/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tình trạng hoạt động của cổng"
    assert page.get_by_role("status").inner_text().startswith("Đang có 1 sự cố")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_a_start_in_year_one_is_told_on_the_form(client, org):
    """"01/01/0001 00:00" answered 500 (no date in UTC)."""
    client.force_login(org["ict"])
    r = client.post(
        reverse("ops:staff_open"),
        {
            "title": "Mất kết nối",
            "severity": "major",
            "affected_services": "Tra cứu",
            "started_at": "01/01/0001 00:00",
            "message": "m",
        },
    )
    assert r.status_code == 422
    assert "Thời điểm bắt đầu phải từ ngày 01/01/2000." in r.content.decode()
    assert Incident.objects.count() == 0


def test_what_staff_wrote_is_marked_vietnamese_on_the_english_status_page(client, org):
    """The title was marked; the affected services and the updates, typed in Vietnamese too, were
    not (WCAG 2.1, 3.1.2)."""
    incident_open(
        title="Không nộp được hồ sơ",
        severity=Severity.MAJOR,
        message="Đang kiểm tra",
        affected_services=["Nộp hồ sơ trực tuyến", "Tra cứu"],
        actor=org["ict"],
    )
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ops:status"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span lang="vi">Nộp hồ sơ trực tuyến, Tra cứu</span>' in html
    assert '<span lang="vi">Đang kiểm tra</span>' in html
    client.cookies["django_language"] = "vi"
    html = client.get(reverse("ops:status"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Dịch vụ bị ảnh hưởng: Nộp hồ sơ trực tuyến, Tra cứu</p>" in html
    assert "<span>Đang kiểm tra</span>" in html


def test_the_update_form_is_shown_only_to_those_who_may_update(client, org):
    """The province office follows incidents but may not update them: the form was shown to it and
    every submission answered "only the ICT department or an administrator"."""
    incident = incident_open(
        title="Chậm tra cứu", severity=Severity.MINOR, message="Đang kiểm tra",
        affected_services=["Tra cứu"], actor=org["ict"],
    )
    url = reverse("ops:staff_detail", args=[incident.public_id])
    client.force_login(org["office"])
    page = client.get(url).content.decode()
    assert "Chậm tra cứu" in page and "Lưu cập nhật" not in page and 'name="status"' not in page
    client.force_login(org["ict"])
    page = client.get(url).content.decode()
    assert "Lưu cập nhật" in page and 'name="status"' in page


def test_an_automatic_incident_is_said_in_the_pages_language(client, org):
    """An incident a failing check opened was written in Vietnamese (title, affected service, the
    check's updates) and shown so on the English pages, the check's name as a raw key beside
    "Automatic check"; the pages now say what the check wrote in their language, and what staff
    typed stays marked as Vietnamese."""
    from opendvc.ops.checks import CheckResult
    from opendvc.ops.services import incidents_from_checks

    incidents_from_checks(results=[CheckResult("outbox", False, "sms: 1 dead")])
    incident = Incident.objects.get(check_name="outbox")
    assert incident.title.startswith("Gián đoạn: Liên thông hồ sơ")
    incident_transition(
        incident=incident, status=Status.IDENTIFIED, message="Đã báo nhà mạng", actor=org["ict"]
    )
    incidents_from_checks(results=[CheckResult("outbox", True, "0 waiting")])
    service = (
        "Dossier exchange with the National Public Service Portal, the one-stop software and SMS"
    )
    client.force_login(org["ict"])
    client.cookies["django_language"] = "en"
    detail = reverse("ops:staff_detail", args=[incident.public_id])
    for url in (reverse("ops:status"), reverse("ops:staff_list"), detail):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Gián đoạn" not in html and "Kiểm tra tự động" not in html, url
        assert f"Disruption: {service}" in html, url
    assert f"<dd>{service}" in html
    assert "Automatic check <code>outbox</code>" in html
    assert "<span>Automatic check “outbox” failed: sms: 1 dead</span>" in html
    assert "<span>The automatic check passes again (0 waiting).</span>" in html
    assert '<span lang="vi">Đã báo nhà mạng</span>' in html
    client.cookies["django_language"] = "vi"
    html = client.get(detail, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "<h1>Gián đoạn: Liên thông hồ sơ" in html
    assert "<span>Kiểm tra tự động “outbox” không đạt: sms: 1 dead</span>" in html
