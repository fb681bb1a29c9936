"""Reports built in the background (inline in tests), their xlsx and PDF read back, the submission
step, urging, reminders, the pages and the API — on the hand-counted fixture."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.urls import reverse

from opendvc.dossiers.tests.conftest import staff
from opendvc.reports.models import Report, ReportEvent

JUSTICE = "000.00.32.H19"
PROVINCE = "000.00.00.H19"
PERSONAL = ("Nguyễn Văn Bí Mật", "Trần Thị Riêng Tư", "T-A", "PA-1")


@pytest.fixture
def people(counted):
    return {
        "leader": staff("leader", JUSTICE),
        "office": staff("province_office", PROVINCE),
        "ict": staff("ict_department", PROVINCE),
        "officer": staff("receiving_officer", JUSTICE),
    }


def _request(client, user, **data):
    client.force_login(user)
    return client.post(reverse("reports:request"), data)


def test_agency_half_year_report_xlsx_and_pdf_read_back(client, counted, people):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    response = _request(
        client, people["leader"], kind="agency_half_year", ky="2027-H1", agency=counted["agency"].pk
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:detail", args=[report.public_id]
    )
    assert report.status == "done", report.error
    assert report.params["period"] == "2027-H1" and report.generated_by == people["leader"]
    assert (
        report.data_version.startswith("facts-v") and report.indicator_set.version == "qd766-2022.1"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Tải Excel (xlsx)" in page and "Gửi Văn phòng UBND tỉnh" in page
    # The history names its steps in words, not by their keys ("requested", "generated").
    history = page.split("<ol>", 1)[1].split("</ol>", 1)[0]
    assert "– Yêu cầu lập báo cáo –" in history and "– Đã tạo –" in history
    assert "requested" not in history and "generated" not in history

    xlsx = client.get(reverse("reports:download", args=[report.public_id, "xlsx"]))
    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert {
        "Thông tin",
        "Chỉ số",
        "Hồ sơ theo cơ quan",
        "Phản ánh theo cơ quan",
        "Khảo sát hài lòng",
    } <= set(wb.sheetnames)
    ws = wb["Hồ sơ theo cơ quan"]
    header = [c.value for c in ws[1]]
    total = {header[i]: c.value for i, c in enumerate(ws[ws.max_row])}
    assert total["Cơ quan"] == "Tổng cộng"
    # H1 2027 (calendar rule in the fixture): Jan–Jun; A–E all received or carried in, handled A B D.
    assert total["Tổng số phải giải quyết"] == 5 and total["Giải quyết trễ hạn"] == 1
    assert total["Thời gian giải quyết, phân vị 90 (ngày làm việc)"] == 17.0
    indicators = {r[0].value: r[4].value for r in wb["Chỉ số"].iter_rows(min_row=2)}
    assert indicators["online_rate"] == 50.0
    info = {r[0].value: r[1].value for r in wb["Thông tin"].iter_rows()}
    assert (
        info["Cơ quan"] == "Sở Tư pháp tỉnh Đồng Nai"
        and info["Phiên bản dữ liệu"] == report.data_version
    )

    pdf = client.get(reverse("reports:download", args=[report.public_id, "pdf"]))
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "Báo cáo 6 tháng của cơ quan" in text and "Tỷ lệ hồ sơ giải quyết đúng hạn" in text
    assert "qd766-2022.1" in text


def test_a_report_file_leaves_privately_and_a_lost_one_gets_a_clear_404(client, counted, people):
    from django.core.files.storage import default_storage

    _request(
        client, people["leader"], kind="agency_half_year", ky="2027-H1", agency=counted["agency"].pk
    )
    report = Report.objects.get()
    xlsx = client.get(reverse("reports:download", args=[report.public_id, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Cache-Control"] == "private, no-store"
    # The object is gone from the store (a lost bucket, a restore without files): a page, not a 500.
    default_storage.delete(report.pdf.name)
    pdf = client.get(reverse("reports:download", args=[report.public_id, "pdf"]))
    assert pdf.status_code == 404
    assert "không còn trong kho lưu trữ" in pdf.content.decode()


def test_submission_step_leader_sends_office_receives(client, counted, people):
    from opendvc.audit.models import AuditEntry

    _request(
        client, people["leader"], kind="agency_half_year", ky="2027-H1", agency=counted["agency"].pk
    )
    report = Report.objects.get()
    url = reverse("reports:submission", args=[report.public_id])
    client.force_login(people["officer"])
    assert client.post(url, {"action": "send"}).status_code == 403
    assert Report.objects.get().submission == "draft"
    client.force_login(people["leader"])
    client.post(url, {"action": "send", "note": "Kính gửi"})
    client.force_login(people["office"])
    client.post(url, {"action": "receive"})
    report.refresh_from_db()
    assert report.submission == "received"
    assert list(ReportEvent.objects.filter(report=report).values_list("action", flat=True)) == [
        "requested",
        "generated",
        "sent",
        "received",
    ]
    assert set(
        AuditEntry.objects.filter(action__startswith="report.").values_list("action", flat=True)
    ) == {"report.requested", "report.generated", "report.sent", "report.received"}


def test_province_quarter_report_only_for_oversight_roles(client, counted, people):
    response = _request(client, people["leader"], kind="province_quarter", ky="2027-Q1")
    assert response.status_code == 302 and not Report.objects.exists()
    refused = _request(
        client, people["ict"], kind="province_quarter", ky="2027-H1"
    )  # wrong period shape
    assert not Report.objects.exists()
    # The form comes back with what was chosen and typed (it was emptied).
    form = client.get(refused["Location"]).content.decode().split('id="lap-bao-cao"', 1)[1]
    assert 'name="ky" value="2027-H1"' in form
    assert '<option value="province_quarter" selected>' in form
    _request(client, people["ict"], kind="province_quarter", ky="2027-Q1")
    report = Report.objects.get()
    assert report.status == "done" and report.agency is None
    assert report.figures["dossiers"]["total"]["to_handle"] == 5


def test_figures_page_links_every_number_and_scopes_to_the_agency(client, counted, people):
    client.force_login(people["leader"])
    page = client.get(reverse("reports:index"), {"ky": "2027-Q1"}).content.decode()
    assert "so_lieu=in_progress_overdue" in page and "Tổng số phải giải quyết" in page
    drill = client.get(
        reverse("reports:drilldown"), {"ky": "2027-Q1", "so_lieu": "handled_early"}
    ).content.decode()
    assert "T-A" in drill and "T-D" in drill and "T-B" not in drill
    bad = client.get(reverse("reports:index"), {"ky": "2027-Q9"})
    assert bad.status_code == 422 and "Viết kỳ báo cáo dạng 2026-Q1" in bad.content.decode()
    assert (
        client.get(
            reverse("reports:index"), {"ky": "2027-Q1", "ngay_chot": "31/02/2027"}
        ).status_code
        == 422
    )
    client.force_login(people["officer"])
    assert client.get(reverse("reports:index")).status_code == 403


def test_drilldown_shows_channels_and_outcomes_in_words(client, counted, people):
    """The list behind a number showed the facts' keys ("online", "counter", "returned early")."""
    client.force_login(people["leader"])
    page = client.get(
        reverse("reports:drilldown"), {"ky": "2027-Q1", "so_lieu": "handled"}
    ).content.decode()
    rows = {
        code: re.sub(r"<[^>]+>", "|", row)
        for code, row in re.findall(r'<tr><th scope="row">.*?(T-[A-H]).*?</th>(.*?)</tr>', page)
    }
    assert "Trực tuyến" in rows["T-A"] and "Đã trả kết quả (Trước hạn)" in rows["T-A"]
    assert "Trực tiếp tại bộ phận một cửa" in rows["T-B"] and "(Trễ hạn)" in rows["T-B"]
    for row in rows.values():
        assert not re.search(
            r"\|(online|counter|postal|returned|stopped|early|on_time|late)\b", row
        ), row


def test_oversight_dashboard_and_urge(client, counted, people):
    from opendvc.audit.models import AuditEntry
    from opendvc.reports.models import Urge

    client.force_login(people["office"])
    page = client.get(reverse("reports:oversight"))
    assert page.status_code == 200 and "Đôn đốc cơ quan" in page.content.decode()
    assert (
        client.post(
            reverse("reports:urge"), {"agency": counted["agency"].pk, "message": ""}
        ).status_code
        == 302
    )
    assert not Urge.objects.exists()
    sent_page = client.post(
        reverse("reports:urge"),
        {"agency": counted["agency"].pk, "message": "Giải quyết hồ sơ T-E ngay."},
        follow=True,
    ).content.decode()
    # The notice is shown (and announced) once: by the page layout, not again by the page.
    assert sent_page.count("Đã gửi đôn đốc đến lãnh đạo") == 1
    assert sent_page.count('role="status"') == 1
    urge = Urge.objects.get()
    assert urge.recipients == 1 and urge.sent_by == people["office"]
    assert AuditEntry.objects.filter(action="report.urge").count() == 1
    from opendvc.notifications.models import Notification

    sent = Notification.objects.filter(template="report_urge", recipient=people["leader"])
    assert {n.channel for n in sent} == {"email", "in_app"} and "T-E" in sent[0].body
    client.force_login(people["leader"])
    assert client.get(reverse("reports:oversight")).status_code == 403
    home = client.get(reverse("backoffice:home")).content.decode()
    assert reverse("reports:index") in home and reverse("reports:oversight") not in home


def test_reminders_ten_and_three_working_days_before(counted, people):
    import time_machine

    from opendvc.reports.services import reminders_send

    # 15/6/2027 is a Tuesday: 10 working days before is Tuesday 1/6, 3 before is Wednesday 9/6.
    with time_machine.travel("2027-06-01 09:00 +0700"):
        assert reminders_send(today=date(2027, 6, 1)) >= 1
        assert reminders_send(today=date(2027, 6, 1)) == 0  # once
    assert reminders_send(today=date(2027, 6, 2)) == 0
    assert reminders_send(today=date(2027, 6, 10)) >= 1
    from opendvc.notifications.models import Notification

    subjects = set(
        Notification.objects.filter(
            template="report_reminder", recipient=people["leader"]
        ).values_list("subject", flat=True)
    )
    assert subjects == {"Nhắc gửi báo cáo 6 tháng 2027-H1 – Sở Tư pháp tỉnh Đồng Nai"}


def test_transparency_page_csv_and_api_without_personal_data(client, counted):
    page = client.get(reverse("reports:transparency"), {"ky": "2027-Q1"})
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "60,0%" in html
    csv = client.get(reverse("reports:transparency_csv"), {"ky": "2027-Q1"}).content.decode(
        "utf-8-sig"
    )
    assert csv.splitlines()[1].startswith("2027-Q1,Sở Tư pháp")
    api = client.get("/api/v1/transparency", {"period": "2027-Q1"})
    body = api.json()
    assert (
        body["current"]["agencies"][0]["on_time_rate"] == 60.0
        and body["previous"]["label"] == "2026-Q4"
    )
    for text in (html, csv, api.content.decode()):
        assert not any(p in text for p in PERSONAL)


def test_bad_period_is_a_clear_error(client, counted):
    page = client.get(reverse("reports:transparency"), {"ky": "quy-1"})
    assert page.status_code == 422 and "2026-Q1" in page.content.decode()
    assert client.get(reverse("reports:transparency_csv"), {"ky": "2027-Q7"}).status_code == 400
    api = client.get("/api/v1/transparency", {"period": "2027-Q7"})
    assert api.status_code == 422 and api["Content-Type"] == "application/problem+json"
    assert api.json()["code"] == "validation_error" and api.json()["errors"][0]["path"] == "period"


def test_figures_api_for_staff(client, counted, people):
    assert client.get("/api/v1/reports/figures", {"period": "2027-Q1"}).status_code == 401
    client.force_login(people["leader"])
    body = client.get("/api/v1/reports/figures", {"period": "2027-Q1", "by": "channel"}).json()
    assert body["dossiers"]["total"]["to_handle"] == 5 and body["dimension"] == "channel"
    # Every count the tables carry is named, in the request's language.
    counted_names = {k for t in ("dossiers", "feedback", "surveys") for k in body[t]["total"]}
    assert counted_names <= set(body["figure_labels"])
    assert body["figure_labels"]["fb_answered_late"] == "Trả lời trễ hạn"
    english = client.get(
        "/api/v1/reports/figures", {"period": "2027-Q1"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["figure_labels"]["fb_answered_late"] != "Trả lời trễ hạn"
    # The shipped indicator set reads in the request's language, as on the reports page.
    from opendvc.reports.indicators import DEFAULT_DEFINITIONS, DEFAULT_TITLE

    vietnamese = client.get("/api/v1/reports/figures", {"period": "2027-Q1"}).json()
    assert [i["name"] for i in vietnamese["indicators"]] == [d["name"] for d in DEFAULT_DEFINITIONS]
    assert vietnamese["indicator_set"]["title"] == DEFAULT_TITLE
    assert english["indicator_set"]["title"] != DEFAULT_TITLE
    for theirs, ours in zip(english["indicators"], DEFAULT_DEFINITIONS, strict=True):
        assert (theirs["code"], theirs["points"], theirs["exact"]) == (
            ours["code"],
            ours["points"],
            ours["exact"],
        )
        assert (theirs["numerator"], theirs["denominator"]) == (
            ours["numerator"],
            ours["denominator"],
        )
        for key in ("name", "formula", "note"):
            if ours.get(key):
                assert theirs[key] and theirs[key] != ours[key], (ours["code"], key)
    bad = client.get("/api/v1/reports/figures", {"period": "2027-Q1", "by": "nothing"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "by"
    client.force_login(people["officer"])
    assert client.get("/api/v1/reports/figures", {"period": "2027-Q1"}).status_code == 403


def test_figures_api_reads_a_set_whose_code_was_stored_as_a_number(client, counted, people):
    """Definitions stored before the admin checked their types (a code typed as a number) still
    answer, the code as text, as the document describes it."""
    from opendvc.reports.indicators import current_set

    iset = current_set(date(2027, 3, 31))
    iset.definitions = [
        {**iset.definitions[0], "code": 7, "formula": ["a", "b"], "points": "mười", "exact": "có"},
        {**iset.definitions[1], "points": "12,5", "group": {"x": 1}},
        *iset.definitions[2:],
    ]
    iset.save(update_fields=["definitions"])
    client.force_login(people["leader"])
    response = client.get("/api/v1/reports/figures", {"period": "2027-Q1"})
    assert response.status_code == 200
    first, second = response.json()["indicators"][:2]
    assert first["code"] == "7"
    # What is not a text, a number or a yes/no where one belongs reads as absent, not as an error.
    assert (first["formula"], first["points"], first["exact"]) == (None, None, None)
    assert (second["points"], second["group"]) == (12.5, None)


def test_the_english_report_page_marks_vietnamese_data(client, counted, people):
    """The page of one report, in English: the agency, the indicator set, the person who asked for
    it and the history's names and notes are Vietnamese data, marked lang="vi" (WCAG 3.1.2); they
    were read with an English voice."""
    from opendvc.accounts.tests.factories import mark_mfa_passed
    from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi
    from opendvc.reports.services import report_request

    report = report_request(
        kind="agency_half_year",
        period_label="2027-H1",
        actor=people["leader"],
        agency=counted["agency"],
    )
    assert report.status == "done", report.error
    client.cookies["django_language"] = "en"
    client.force_login(people["leader"])
    mark_mfa_passed(client)
    html = client.get(reverse("reports:detail", args=[report.public_id])).content.decode()
    assert '<html lang="en"' in html and counted["agency"].name in html
    assert vietnamese_outside_lang_vi(html) == []


def test_the_data_version_of_a_report_is_written_in_vietnamese(client, counted, people):
    """The data version on the report's page and in its files said "(8 rows)" in English on a
    Vietnamese report."""
    import openpyxl

    from opendvc.accounts.tests.factories import mark_mfa_passed
    from opendvc.reports.services import report_request

    report = report_request(kind="province_year", period_label="2027", actor=people["office"])
    assert re.fullmatch(r"facts-v\d+ \(\d+ dòng\)", report.data_version), report.data_version
    client.force_login(people["office"])
    mark_mfa_passed(client)
    page = client.get(reverse("reports:detail", args=[report.public_id])).content.decode()
    assert f"<dd>{report.data_version}</dd>" in page and "rows" not in page
    sheet = openpyxl.load_workbook(io.BytesIO(report.xlsx.read())).worksheets[0]
    assert ["Phiên bản dữ liệu", report.data_version] in [
        list(row) for row in sheet.iter_rows(values_only=True)
    ]


def test_worker_task_builds_a_queued_report(counted, people, settings):
    from opendvc.reports.services import report_request
    from opendvc.reports.tasks import build_report

    settings.REPORTS_RUN_INLINE = False
    report = report_request(kind="province_year", period_label="2027", actor=people["office"])
    assert report.status == "queued"  # the build waits for the commit, then a worker or a thread
    assert build_report.apply(args=[report.pk]).get() == "done"
    report.refresh_from_db()
    assert report.xlsx and report.pdf and report.figures["period"]["label"] == "2027"


def test_english_report_pages_mark_vietnamese_data(client, counted, people):
    """On the English pages the agency, tier and indicator names, the formulas and the urges are
    Vietnamese data: they sit in elements marked lang="vi" (WCAG 3.1.2), as on the other pages."""
    from opendvc.accounts.tests.factories import mark_mfa_passed
    from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi

    client.cookies["django_language"] = "en"
    found = {}
    pages = [
        ("/minh-bach/", {"ky": "2027-Q1"}),
    ]
    staff_pages = [
        (reverse("reports:index"), {"ky": "2027-Q1"}),
        (reverse("reports:index"), {"ky": "2027-Q1", "theo": "tier"}),
        (reverse("reports:oversight"), {"ky": "2027-Q1"}),
        (reverse("reports:drilldown"), {"ky": "2027-Q1", "so_lieu": "fb_received"}),
    ]
    for url, query in pages:
        html = client.get(url, query).content.decode()
        assert '<html lang="en"' in html
        found[url] = vietnamese_outside_lang_vi(html)
    client.force_login(people["office"])
    mark_mfa_passed(client)
    client.post(
        reverse("reports:urge"),
        {"agency": counted["agency"].pk, "message": "Đề nghị giải quyết hồ sơ quá hạn."},
    )
    client.get(reverse("reports:oversight"))  # the page the urge returns to shows its notice
    for url, query in staff_pages:
        html = client.get(url, query).content.decode()
        assert '<html lang="en"' in html, url
        found[f"{url}?{query}"] = vietnamese_outside_lang_vi(html)
    assert {k: v for k, v in found.items() if v} == {}


def test_a_period_not_started_yet_is_refused_for_every_kind(client, counted, people):
    """A report of 2099-H1 was built from today's data ("15/12/2098 – 14/06/2099") and could be sent
    to the province. The present is 10/4/2027 (calendar periods): a period that starts later is
    refused at the field; one in progress may still be reported on (an interim report)."""
    from opendvc.core.problems import ProblemError
    from opendvc.reports.services import report_request

    refused = _request(
        client, people["leader"], kind="agency_half_year", ky="2099-H1", agency=counted["agency"].pk
    )
    assert refused.status_code == 302 and not Report.objects.exists()
    form = client.get(refused["Location"]).content.decode().split('id="lap-bao-cao"', 1)[1]
    assert 'id="ky-report-error"' in form and "Kỳ 2099-H1 bắt đầu từ ngày 01/01/2099" in form
    assert 'aria-invalid="true" aria-describedby="ky-report-error"' in form
    # The message is shown once, at the field: the next visit of the page is clean.
    assert 'id="ky-report-error"' not in client.get(reverse("reports:index")).content.decode()

    for kind, label, actor in (
        ("agency_half_year", "2027-H2", people["leader"]),
        ("province_quarter", "2027-Q3", people["office"]),
        ("province_year", "2028", people["office"]),
    ):
        with pytest.raises(ProblemError) as exc:
            report_request(kind=kind, period_label=label, actor=actor, agency=counted["agency"])
        assert exc.value.status == 422 and exc.value.code == "validation_error"
        assert exc.value.extra["errors"][0]["path"] == "period", kind
    assert not Report.objects.exists()
    # The quarter in progress (1/4–30/6/2027) is allowed, as before.
    report = report_request(kind="province_quarter", period_label="2027-Q2", actor=people["office"])
    assert report.status == "done", report.error


def test_a_report_of_a_period_not_started_is_not_sent(client, counted, people):
    """A report lodged before the check (period 2099-H1) is not sent to the province office."""
    report = Report.objects.create(
        kind="agency_half_year",
        agency=counted["agency"],
        period_start=date(2099, 1, 1),
        period_end=date(2099, 6, 30),
        period_label="2099-H1",
        status="done",
        generated_by=people["leader"],
    )
    client.force_login(people["leader"])
    response = client.post(
        reverse("reports:submission", args=[report.public_id]), {"action": "send"}, follow=True
    )
    report.refresh_from_db()
    assert report.submission == "draft"
    assert "Kỳ báo cáo chưa bắt đầu" in response.content.decode()


def test_english_figures_page_in_english_numbers_and_shipped_indicator_texts(
    client, counted, people
):
    """The English figures page printed percentages with a decimal comma ("60,0%") and the shipped
    indicator set's names, formulas and notes in Vietnamese. Now numbers follow the page's language,
    the shipped texts are translated, and a text an administrator typed stays as typed, in lang="vi";
    the PDF stays a Vietnamese document."""
    from opendvc.reports.indicators import current_set

    iset = current_set(date(2027, 3, 31))
    typed = {**iset.definitions[1], "name": "Tỷ lệ do quản trị viên đặt", "formula": "a / b"}
    iset.definitions = [iset.definitions[0], typed, *iset.definitions[2:]]
    iset.save(update_fields=["definitions"])
    client.force_login(people["leader"])

    page = client.get(reverse("reports:index"), {"ky": "2027-Q1"}).content.decode()
    assert "60,0%" in page and not re.search(r"\d\.\d%", page)
    assert '<th scope="row">Tỷ lệ hồ sơ giải quyết đúng hạn</th>' in page
    assert (
        '<th scope="row">Tỷ lệ do quản trị viên đặt</th>' in page and '<span lang="vi">' not in page
    )

    client.cookies["django_language"] = "en"
    page = client.get(reverse("reports:index"), {"ky": "2027-Q1"}).content.decode()
    assert "60.0%" in page and not re.search(r"\d,\d%", page)
    assert "Indicator set of Decision 766/QD-TTg" in page
    assert '<th scope="row">On-time rate of dossiers</th>' in page
    assert "Share of fees paid online" in page and "not computed automatically" in page
    assert "The denominator counts only dossiers whose fees were paid on the portal" in page
    assert '<th scope="row"><span lang="vi">Tỷ lệ do quản trị viên đặt</span></th>' in page
    assert '<span lang="vi">a / b</span>' in page

    _request(
        client, people["leader"], kind="agency_half_year", ky="2027-H1", agency=counted["agency"].pk
    )
    report = Report.objects.get()
    assert report.status == "done", report.error
    from pypdf import PdfReader

    pdf = b"".join(
        client.get(reverse("reports:download", args=[report.public_id, "pdf"])).streaming_content
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert re.search(r"\d,\d%", text) and not re.search(r"\d\.\d%", text)
    assert "Phiếu khảo sát đã trả lời" in text and "Survey answers" not in text
