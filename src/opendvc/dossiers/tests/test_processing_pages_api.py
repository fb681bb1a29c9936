"""Pages and API of processing: work queue, processing page, control sheet, agency view, process editor,
applicant supplement and result download, public results, the reminder job."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.models import Dossier, DossierDocument, ResultDownload
from opendvc.workflow.models import Process, StepRun
from opendvc.worktime import add_working_time, calendar_for_agency

from .conftest import sign_in, small_pdf
from .test_processing import at, received


def processing(procedure, citizen, officer):
    return received(procedure, citizen, officer)


def test_work_queue_claim_and_forward_by_page(client, procedure, citizen, officer, processor):
    d = processing(procedure, citizen, officer)
    sign_in(client, officer)
    page = client.get("/can-bo/viec-can-xu-ly/").content.decode()
    assert d.code in page
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "forward", "note": "Chuyển chuyên viên"})
    assert r.status_code == 302
    sign_in(client, processor)
    assert d.code not in client.get("/can-bo/viec-can-xu-ly/?xem=mine").content.decode()
    queue = client.get("/can-bo/viec-can-xu-ly/?xem=queue").content.decode()
    assert d.code in queue and "Nhận xử lý" in queue
    # With nothing of their own, the page opens on the department's waiting steps.
    opened = client.get("/can-bo/viec-can-xu-ly/").content.decode()
    assert d.code in opened and 'href="?xem=queue" aria-current="page"' in opened
    client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "claim"})
    assert StepRun.objects.get(dossier=d, left_at__isnull=True).assignee == processor
    opened = client.get("/can-bo/viec-can-xu-ly/").content.decode()
    assert d.code in opened and 'href="?xem=mine" aria-current="page"' in opened
    assert d.code not in client.get("/can-bo/viec-can-xu-ly/?xem=overdue").content.decode()
    from opendvc.workflow.selectors import work_queue

    later = timezone.now() + timedelta(days=30)
    assert [r.dossier_id for r in work_queue(user=processor, view="overdue", now=later)] == [d.pk]
    assert list(work_queue(user=officer, view="overdue", now=later)) == []


def test_processing_page_errors_keep_everything(client, procedure, citizen, officer, processor, leader):
    from .test_processing import at_specialist

    d = at_specialist(processing(procedure, citizen, officer), officer)
    sign_in(client, processor)
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert "Yêu cầu bổ sung giấy tờ" in page and "Phê duyệt" not in page
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "request_supplement", "items": " ",
                                                          "version": d.version})
    assert r.status_code == 422 and "Phải liệt kê" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == "processing"
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.models import Upload

    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
        "action": "approve", "result": "x", "version": d.version,
        "result_files": SimpleUploadedFile("ket-qua.pdf", small_pdf(), "application/pdf")})
    assert r.status_code == 403
    # The refused approval keeps no upload of the result file (one transaction with the action).
    assert not Upload.objects.filter(owner=processor).exists()
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "request_supplement", "version": d.version,
                                                          "items": "Bản sao trích lục\nẢnh 4x6"})
    assert r.status_code == 302
    assert Dossier.objects.get(pk=d.pk).completion_items == ["Bản sao trích lục", "Ảnh 4x6"]
    pdf = client.get(f"/can-bo/xu-ly/{d.code}/phieu-kiem-soat.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    sign_in(client, leader)
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "apology", "reason": ""})
    assert r.status_code == 422 and "Phải nêu lý do" in r.content.decode()


def test_applicant_supplies_then_leader_approves_with_an_uploaded_result(client, procedure, citizen, officer,
                                                                           processor, leader):
    from opendvc.catalog.models import Procedure

    from .test_processing import at_specialist

    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # the result is downloaded: a level-4 service

    d = at_specialist(processing(procedure, citizen, officer), officer)
    services.dossier_act(dossier=d, action="request_supplement", actor=processor, items=["Trích lục"])
    client.force_login(citizen)
    detail = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Nộp bổ sung" in detail and "Trích lục" in detail
    r = client.post(f"/ho-so-cua-toi/{d.public_id}/bo-sung/", {})
    assert r.status_code == 422 and "ít nhất một tệp" in r.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(f"/ho-so-cua-toi/{d.public_id}/bo-sung/",
                    {"tep": SimpleUploadedFile("trich-luc.pdf", small_pdf(), "application/pdf")})
    assert r.status_code == 302 and Dossier.objects.get(pk=d.pk).status == "processing"
    sign_in(client, leader)
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
        "action": "approve", "result": "Giấy khai sinh bản chính", "version": Dossier.objects.get(pk=d.pk).version,
        "result_files": SimpleUploadedFile("giay-khai-sinh.pdf", small_pdf(), "application/pdf")})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "result_ready"
    results = DossierDocument.objects.filter(dossier=d, kind="result")
    assert results.count() == 2  # the uploaded signed file and the one made from the template
    client.force_login(citizen)
    doc = results.first()
    got = client.get(f"/ho-so-cua-toi/{d.public_id}/giay-to/{doc.pk}/")
    assert got.status_code == 200
    d.refresh_from_db()
    # The download is recorded and changes no state (an online result is returned when issued).
    assert d.status == "result_ready" and ResultDownload.objects.filter(dossier=d, user=citizen).count() == 1


def test_overview_counts_link_to_lists_and_draw_a_chart(client, procedure, citizen, officer, leader):
    d = processing(procedure, citizen, officer)
    sign_in(client, leader)
    page = client.get("/can-bo/tong-quan-xu-ly/").content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "?trang-thai=processing&amp;co-quan=" in page or "?trang-thai=processing&co-quan=" in page
    assert "buoc=0" in page
    listing = client.get(f"/can-bo/viec-can-xu-ly/?co-quan={d.receiving_agency_id}&buoc=0").content.decode()
    assert d.code in listing
    sign_in(client, officer)
    assert client.get("/can-bo/tong-quan-xu-ly/").status_code == 403


def test_process_editor_refuses_then_saves(client, procedure, leader):
    sign_in(client, leader)
    page = client.get(f"/can-bo/quy-trinh/{procedure.code}/").content.decode()
    assert "Bộ phận một cửa chuyển hồ sơ" in page and "24 giờ làm việc" in page
    body = {"rows": "2", "clock_on_wait": "pause", "name-0": "Thẩm định", "role-0": "processing_officer",
            "hours-0": "30", "name-1": "Phê duyệt", "role-1": "leader", "hours-1": "2"}
    r = client.post(f"/can-bo/quy-trinh/{procedure.code}/", body)
    assert r.status_code == 422 and "vượt thời hạn" in r.content.decode()
    assert not Process.objects.exists()
    body["hours-0"] = "16"
    r = client.post(f"/can-bo/quy-trinh/{procedure.code}/", body)
    assert r.status_code == 302
    assert [s.name for s in Process.objects.get().steps.all()] == ["Thẩm định", "Phê duyệt"]


@pytest.mark.parametrize(
    "query", ["co-quan=99999999999999999999999", "buoc=-99999999999999999999999", "co-quan=1.5&buoc=x"]
)
def test_work_queue_number_past_the_database_range_reads_as_no_filter(
    client, procedure, citizen, officer, query
):
    d = processing(procedure, citizen, officer)
    sign_in(client, officer)
    r = client.get(f"/can-bo/viec-can-xu-ly/?xem=mine&{query}")
    assert r.status_code == 200 and d.code in r.content.decode()


@pytest.mark.parametrize("rows", ["abc", "1.5", "", "-3", "99999999999999999999999"])
def test_process_editor_reads_a_tampered_row_count_as_no_rows(client, procedure, leader, rows):
    sign_in(client, leader)
    body = {"rows": rows, "clock_on_wait": "pause", "name-0": "Thẩm định", "role-0": "processing_officer",
            "hours-0": "16"}
    r = client.post(f"/can-bo/quy-trinh/{procedure.code}/", body)
    assert r.status_code == 422 and not Process.objects.exists()


def test_process_editor_bounds_the_row_count_and_the_department(client, procedure, leader):
    sign_in(client, leader)
    # A count a column could hold but no page posts: the rows past ROWS_MAX are not read.
    body = {"rows": "9000000000000000000", "clock_on_wait": "pause", "name-0": "Thẩm định",
            "role-0": "processing_officer", "hours-0": "16", "department-0": "99999999999999999999999",
            "agency": "99999999999999999999999"}
    r = client.post(f"/can-bo/quy-trinh/{procedure.code}/", body)
    assert r.status_code == 302
    step = Process.objects.get().steps.get()
    assert (step.name, step.department_id) == ("Thẩm định", None)


def returned_dossier(procedure, citizen, officer, leader, *, late=False):
    d = received(procedure, citizen, officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    when = d.due_at + timedelta(hours=2) if late else at(3)
    with time_machine.travel(when, tick=False):
        return services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter")


def test_public_results_page_and_api_without_personal_data(client, procedure, citizen, officer, leader, justice):
    d = returned_dossier(procedure, citizen, officer, leader, late=True)
    page = client.get("/ket-qua-giai-quyet/?co-quan=" + justice.code + "&tu-ngay=01/03/2026&den-ngay=31/03/2026")
    text = page.content.decode()
    assert page.status_code == 200 and d.code in text and "Trễ hạn" in text
    assert citizen.full_name not in text
    bad = client.get("/ket-qua-giai-quyet/?tu-ngay=31/03/2026&den-ngay=01/03/2026")
    assert bad.status_code == 422 and "trước ngày kết thúc" in bad.content.decode()
    r = client.get(f"/api/v1/public/results?agency={justice.code}&from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200
    item = r.json()["items"][0]
    assert (item["code"], item["on_time_class"]) == (d.code, "late")
    assert set(item) == {"code", "procedure_code", "procedure", "agency", "status", "received_at", "due_at",
                         "finished_at", "on_time_class"}
    assert client.get("/api/v1/public/results?from=2026-04-01").json()["items"] == []
    r = client.get("/api/v1/public/results?agency=nope")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = client.get("/api/v1/public/results?from=2026-05-01&to=2026-03-01")
    assert r.status_code == 422


def test_api_steps_and_extra_actions(client, procedure, citizen, officer, processor, leader):
    d = processing(procedure, citizen, officer)
    sign_in(client, officer)
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "forward", "note": "Chuyển"},
                    content_type="application/json")
    assert r.status_code == 200
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "claim", "reason": "x"},
                    content_type="application/json")
    assert r.status_code == 422
    sign_in(client, processor)
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "claim"}, content_type="application/json")
    assert r.status_code == 200
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "send_back"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reason"
    steps = client.get(f"/api/v1/dossiers/{d.code}/steps").json()
    assert [s["position"] for s in steps["steps"]] == [0, 1]
    assert steps["steps"][0]["assignee"] == officer.full_name and steps["steps"][0]["timing"]
    sign_in(client, leader)
    # Three working days from now, inside office hours (the new appointment is a working instant).
    new = add_working_time(
        timezone.now(), 24, "working_hours", calendar=calendar_for_agency(d.receiving_agency)
    ).isoformat()
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "apology", "reason": "Chờ xác minh",
                                                           "new_due_at": new}, content_type="application/json")
    assert r.status_code == 200, r.json()
    assert Dossier.objects.get(pk=d.pk).appointment_at is not None
    # The appointment is set again at most once (Decree 107/2021/NĐ-CP): the API answers 409, the
    # processing page no longer offers the form and says why.
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "apology", "reason": "Lần hai"},
                    content_type="application/json")
    assert r.status_code == 409 and r["Content-Type"] == "application/problem+json"
    assert "không quá một lần" in r.json()["detail"]
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert 'value="apology"' not in page
    assert "Việc hẹn lại chỉ được thực hiện không quá một lần" in page
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "apology", "reason": "Lần hai"})
    assert r.status_code == 409 and "không quá một lần" in r.content.decode()
    client.force_login(citizen)
    mine = client.get(f"/api/v1/dossiers/{d.code}/steps").json()
    assert all(s["assignee"] is None for s in mine["steps"]) and mine["appointment_at"]


def test_reminders_and_escalation_are_sent_once(procedure, citizen, officer, processor, leader):
    from opendvc.dossiers.services.late import dossiers_escalate_overdue
    from opendvc.notifications.models import Notification
    from opendvc.workflow.services import remind_and_escalate

    d = processing(procedure, citizen, officer)
    run = StepRun.objects.get(dossier=d)
    # The officer reads the portal in English: the reminder, its list of steps included, is English.
    type(officer).objects.filter(pk=officer.pk).update(language="en")
    # Step 0 is due at 11:24 on T0 (2.4 working hours); at 10:00 it is due soon.
    counts = remind_and_escalate(now=at(1))
    assert counts == {"reminded": 1, "escalated": 0} and dossiers_escalate_overdue(now=at(1)) == 0
    assert remind_and_escalate(now=at(1)) == {"reminded": 0, "escalated": 0}
    reminder = Notification.objects.get(template="step_due_soon", recipient=officer, channel="in_app")
    assert f"{d.code}: " in reminder.body and "(due 11:24 " in reminder.body and "hạn" not in reminder.body
    counts = remind_and_escalate(now=run.due_at + timedelta(minutes=1))
    assert counts == {"reminded": 0, "escalated": 1}
    assert dossiers_escalate_overdue(now=run.due_at + timedelta(minutes=1)) == 0
    assert Notification.objects.filter(template="step_overdue", recipient=leader).exists()
    assert remind_and_escalate(now=run.due_at + timedelta(hours=1)) == {"reminded": 0, "escalated": 0}
    assert dossiers_escalate_overdue(now=run.due_at + timedelta(hours=1)) == 0
    # The dossier itself past its due date: its agency's leaders are told once.
    late = d.due_at + timedelta(minutes=1)
    assert dossiers_escalate_overdue(now=late) == 1
    assert dossiers_escalate_overdue(now=late + timedelta(hours=1)) == 0
    message = Notification.objects.filter(template="dossier_overdue", recipient=leader, channel="in_app").get()
    assert d.code in message.body and "quá hạn" in message.subject


def test_another_agencys_officer_sees_and_changes_nothing(client, procedure, citizen, officer, foreign_officer):
    d = processing(procedure, citizen, officer)
    sign_in(client, foreign_officer)
    assert client.get(f"/can-bo/xu-ly/{d.code}/").status_code == 404
    assert client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "forward"}).status_code == 404
    assert client.get(f"/can-bo/xu-ly/{d.code}/phieu-kiem-soat.pdf").status_code == 404
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "forward"}, content_type="application/json")
    assert r.status_code == 404
    assert d.code not in client.get("/can-bo/viec-can-xu-ly/?xem=queue").content.decode()
    run = StepRun.objects.get(dossier=d)
    assert run.left_at is None and run.position == 0


def test_the_api_finds_an_officers_work_and_their_own_dossiers(client, procedure, citizen, officer,
                                                               foreign_officer, other_agency, stranger):
    """An officer reads their agency's dossiers and acts on them by the API, and reads a dossier they
    filed themselves with another agency; that agency's officer reads it as their work; anyone else
    gets 404, as for a dossier that does not exist. The answer after an action is the dossier as it
    is now."""
    from opendvc.api.services import api_token_create
    from opendvc.dossiers.selectors import receiving_agencies

    from .conftest import JUSTICE, submitted_dossier

    filed = submitted_dossier(procedure, citizen)
    for agency in [*receiving_agencies(procedure=procedure), other_agency]:
        agency.procedures.add(procedure)
    own = submitted_dossier(procedure, officer, agency=other_agency)

    def api(user, method, path, body=None):
        token = api_token_create(owner=user, name="t", scopes=["*"])[1]
        call = client.post if method == "post" else client.get
        kwargs = {"content_type": "application/json"} if body is not None else {}
        return call(f"/api/v1{path}", body, HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)

    seen = api(officer, "get", f"/dossiers/{filed.code}")
    assert seen.status_code == 200 and seen.json()["status"] == "submitted"
    mine = api(officer, "get", f"/dossiers/{own.code}")
    assert mine.status_code == 200 and mine.json()["agency"] == other_agency.code
    assert api(foreign_officer, "get", f"/dossiers/{own.code}").status_code == 200
    assert api(foreign_officer, "get", f"/dossiers/{filed.code}").status_code == 404
    assert api(stranger, "get", f"/dossiers/{own.code}").status_code == 404
    assert api(officer, "get", "/dossiers/KHONG-CO-HO-SO").status_code == 404
    acted = api(officer, "post", f"/dossiers/{filed.code}/actions", {"action": "receive"})
    assert acted.status_code == 200, acted.content
    body = acted.json()
    assert body["status"] == "received" and body["version"] == Dossier.objects.get(pk=filed.pk).version
    assert [e["action"] for e in body["timeline"]][-1] == "receive"
    assert body["procedure"] == procedure.code and body["agency"] == JUSTICE
    assert body["files"] and all(f["name"] for f in body["files"])
    assert "receipt" in body["documents"]
    assert api(foreign_officer, "post", f"/dossiers/{filed.code}/actions",
               {"action": "return_for_completion", "items": ["Tờ khai"]}).status_code == 404


def test_the_processing_page_offers_a_claim_only_while_a_step_can_be_taken(
    client, procedure, citizen, officer, processor, leader
):
    from .test_processing import at_specialist

    d = at_specialist(processing(procedure, citizen, officer), officer)
    sign_in(client, processor)
    assert "Nhận xử lý bước này" in client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    d = services.dossier_act(dossier=Dossier.objects.get(pk=d.pk), action="approve", actor=leader,
                             result="Giấy khai sinh bản chính")
    assert d.status == "result_ready"
    assert StepRun.objects.get(dossier=d, left_at__isnull=True).assignee is None
    # Approved, the result waits at the one-stop office: no step to claim, only the return.
    sign_in(client, officer)
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert "Nhận xử lý bước này" not in page


def test_a_refused_fee_request_or_counter_payment_shows_again_what_was_typed(
    client, procedure, citizen, officer, processor
):
    # The fee card came back with every quantity at 0 and the amounts empty, and the counter card
    # without its receipt number: the officer typed it all again.
    from opendvc.catalog.models import FeeItem

    from .test_processing import at_specialist

    copy = FeeItem.objects.create(procedure=procedure, position=0, name="Phí cấp bản sao", amount_vnd=8000,
                                  per="bản")
    unpriced = FeeItem.objects.create(procedure=procedure, position=1, name="Lệ phí khác", amount_vnd=None)
    d = at_specialist(processing(procedure, citizen, officer), officer)
    services.dossier_act(action="claim", dossier=d, actor=processor)
    sign_in(client, processor)
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
        "action": "require_payment", "version": d.version, f"so-luong-{copy.pk}": "3",
        f"so-luong-{unpriced.pk}": "1", f"muc-thu-{unpriced.pk}": "12.500,5",
        "khoan-khac": "Phí dịch thuật", "so-tien-khac": "abc"})
    html = r.content.decode()
    assert r.status_code == 422 and Dossier.objects.get(pk=d.pk).status == "processing"
    assert f'name="so-luong-{copy.pk}" inputmode="numeric" value="3"' in html
    assert f'name="muc-thu-{unpriced.pk}" inputmode="numeric" value="12.500,5"' in html
    assert 'value="Phí dịch thuật"' in html and 'name="so-tien-khac" inputmode="numeric" value="abc"' in html
    d = services.dossier_act(dossier=Dossier.objects.get(pk=d.pk), action="require_payment", actor=processor,
                             fees=[{"fee_item": copy.pk, "quantity": 2}])
    sign_in(client, officer)
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
        "action": "pay", "version": d.version - 1, "receipt_number": "BL-2026-0042"})
    assert r.status_code == 409 and 'value="BL-2026-0042"' in r.content.decode()


def test_a_refused_action_shows_again_the_text_the_officer_typed(client, procedure, citizen, officer, processor,
                                                                   leader):
    """Every card of the processing page keeps what was typed when its action is refused (a stale page,
    a date that does not exist): the supplement's list and reason, the result, the stop's and the
    apology's reasons, the hand-over's note."""
    from .test_processing import at_specialist

    d = at_specialist(processing(procedure, citizen, officer), officer)
    services.dossier_act(action="claim", dossier=d, actor=processor)
    d = Dossier.objects.get(pk=d.pk)
    url = f"/can-bo/xu-ly/{d.code}/thao-tac/"
    sign_in(client, processor)
    # A page left open while the dossier moved on: the version is stale (409).
    r = client.post(url, {"action": "request_supplement", "version": d.version - 1,
                          "items": "Bản sao trích lục <b>2</b>\nẢnh 4x6", "note": "Thiếu giấy tờ"})
    html = r.content.decode()
    assert r.status_code == 409
    assert ">Bản sao trích lục &lt;b&gt;2&lt;/b&gt;\nẢnh 4x6</textarea>" in html
    assert 'name="note" maxlength="1000" value="Thiếu giấy tờ"' in html
    sign_in(client, leader)
    for action, field, text in (("approve", "result", "Cấp bản sao trích lục khai sinh"),
                                ("stop", "reason", "Người nộp đề nghị dừng")):
        r = client.post(url, {"action": action, "version": d.version - 1, field: text})
        assert r.status_code == 409 and f">{text}</textarea>" in r.content.decode(), action
    r = client.post(url, {"action": "apology", "reason": "Chờ ý kiến cơ quan phối hợp", "new_due_at": "31/02/2027"})
    html = r.content.decode()
    assert r.status_code == 422
    assert ">Chờ ý kiến cơ quan phối hợp</textarea>" in html and 'value="31/02/2027"' in html
    assert Dossier.objects.get(pk=d.pk).status == "processing"


def test_an_unknown_return_method_is_answered_with_the_methods_in_words(client, procedure, citizen, officer, leader):
    d = received(procedure, citizen, officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action="return_result", actor=officer, method="bogus")
    message = err.value.extra["errors"][0]["message"]
    assert message == ("Chọn một hình thức trả kết quả: Trực tuyến (tải về từ mục Hồ sơ của tôi); "
                       "Trực tiếp tại bộ phận một cửa.")
    sign_in(client, officer)
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", {"action": "return_result", "method": "bogus"},
                    content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    message = r.json()["errors"][0]["message"]
    assert message == "Choose a way of returning the result: Online (download from My dossiers); In person at the one-stop desk."
    assert Dossier.objects.get(pk=d.pk).status == "result_ready"


@pytest.mark.parametrize(
    ("content", "shown"),
    [(b"kq: not a PDF at all", "kq.pdf"), ("png", "kq.pdf")],  # unknown content; an image named .pdf
)
def test_a_result_file_that_is_not_a_pdf_is_refused_once_naming_pdf(
    client, procedure, citizen, officer, leader, content, shown
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import png_bytes

    d = processing(procedure, citizen, officer)
    sign_in(client, leader)
    body = png_bytes() if content == "png" else content
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
        "action": "approve", "result": "Giấy khai sinh", "version": d.version,
        "result_files": SimpleUploadedFile("kq.pdf", body, "application/pdf")})
    html = r.content.decode()
    assert r.status_code == 422
    message = (f"Tệp “{shown}” không phải PDF: ô “Tệp kết quả đã ký” chỉ nhận tệp PDF (loại tệp được "
               "xác định theo nội dung, không theo tên).")
    # Said once in the summary (linked to the file input) and once at the input.
    assert html.count(message) == 2 and "JPEG" not in html and "DOCX" not in html
    assert f'<a href="#result_files">{message}</a>' in html and 'id="result_files-error"' in html
    assert Dossier.objects.get(pk=d.pk).status == "processing"
    assert not DossierDocument.objects.filter(dossier=d, kind="result").exists()
    client.cookies["django_language"] = "en"
    r = client.post(f"/can-bo/xu-ly/{d.code}/thao-tac/", {
        "action": "approve", "result": "Giấy khai sinh", "version": d.version,
        "result_files": SimpleUploadedFile("kq.pdf", body, "application/pdf")})
    assert r.content.decode().count(f"The file “{shown}” is not a PDF: the field “Signed result file”") == 2
