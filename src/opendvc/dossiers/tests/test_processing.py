"""Department actions: steps and their deadlines, supplement and payment pauses, stop, approve, return,
on-time class, apology — through the services, on the working-time engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.dossiers import results, services
from opendvc.dossiers.models import Dossier, DossierDocument, DossierEvent, Payment, ResultDownload
from opendvc.workflow import services as wf
from opendvc.workflow.models import ClockOnWait, StepRun
from opendvc.worktime import VN_TZ, add_working_time, calendar_for_agency, working_hours_between

from .conftest import checked_pdf, submitted_dossier

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)  # a Tuesday


def at(hours: float) -> datetime:
    """``hours`` calendar hours after T0."""
    return T0 + timedelta(hours=hours)


def received(procedure, citizen, officer):
    with time_machine.travel(T0, tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        return services.dossier_act(dossier=d, action="start_processing", actor=officer)


def at_specialist(d, officer, when=None):
    """The one-stop office forwards the dossier to the specialists' queue."""
    with time_machine.travel(when or at(0.5), tick=False):
        services.dossier_act(action="forward", dossier=d, actor=officer)
    return Dossier.objects.get(pk=d.pk)


def run_of(d) -> StepRun:
    return StepRun.objects.get(dossier=d, left_at__isnull=True)


def test_default_process_steps_and_due_instants(procedure, citizen, officer, processor, leader):
    d = received(procedure, citizen, officer)
    cal = calendar_for_agency(d.receiving_agency)
    total = working_hours_between(d.received_at, d.due_at, calendar=cal)
    assert total == 24  # 3 working days
    first = run_of(d)
    assert (first.position, first.role, first.assignee) == (0, "receiving_officer", officer)
    assert first.due_at == add_working_time(T0, total / 10, "working_hours", calendar=cal)
    with time_machine.travel(at(1), tick=False):
        services.dossier_act(action="forward", dossier=d, actor=officer, note="Chuyển phòng chuyên môn")
        second = run_of(d)
    assert second.role == "processing_officer" and second.assignee is None
    assert second.due_at == add_working_time(at(1), Decimal("14.4"), "working_hours", calendar=cal)
    done = StepRun.objects.get(dossier=d, position=0)
    assert (done.outcome, done.timing, done.left_by) == ("forwarded", "on_time", officer)


def test_queue_claim_forward_and_send_back(procedure, citizen, officer, processor, leader, stranger):
    d = received(procedure, citizen, officer)
    with time_machine.travel(at(1), tick=False):
        services.dossier_act(action="forward", dossier=d, actor=officer)
        with pytest.raises(ProblemError) as err:
            services.dossier_act(action="forward", dossier=d, actor=stranger)
        assert err.value.status == 403
        services.dossier_act(action="claim", dossier=d, actor=processor)
        with pytest.raises(ProblemError) as err:
            services.dossier_act(action="claim", dossier=d, actor=officer)
        assert err.value.status == 409
        services.dossier_act(action="forward", dossier=d, actor=processor)
    assert run_of(d).role == "leader"
    with pytest.raises(ProblemError) as err:
        services.dossier_act(action="send_back", dossier=d, actor=leader, reason="  ")
    assert err.value.code == "validation_error"
    with time_machine.travel(at(2), tick=False):
        services.dossier_act(action="send_back", dossier=d, actor=leader, reason="Thiếu ý kiến thẩm định")
        back = run_of(d)
    # Back to the specialist who handled it, with the full allotment again.
    assert (back.position, back.assignee) == (1, processor)
    assert StepRun.objects.get(dossier=d, position=2).outcome == "sent_back"


def test_supplement_pauses_the_clock_and_the_remaining_time_resumes(procedure, citizen, officer, processor):
    d = at_specialist(received(procedure, citizen, officer), officer)
    due_before = d.due_at
    step_due_before = run_of(d).due_at
    with time_machine.travel(at(2), tick=False):  # Tuesday 11:00
        d = services.dossier_act(dossier=d, action="request_supplement", actor=processor,
                                        items=["Bản sao trích lục"], note="Thiếu giấy tờ")
    assert d.status == "supplement_requested" and d.paused_at is not None
    assert DossierDocument.objects.filter(dossier=d, kind="supplement_notice").exists()
    # The applicant uploads a file and sends it back the next day at 09:00 (6 working hours later).
    with time_machine.travel(at(24), tick=False):
        results.supplement_add_files(dossier=d, actor=citizen, files=[(None, checked_pdf("trich-luc.pdf"))])
        d = services.dossier_act(dossier=d, action="supply", actor=citizen)
    cal = calendar_for_agency(d.receiving_agency)
    assert d.status == "processing" and d.paused_at is None
    assert d.due_at == add_working_time(due_before, 6, "working_hours", calendar=cal)
    assert run_of(d).due_at == add_working_time(step_due_before, 6, "working_hours", calendar=cal)
    event = d.events.get(action="supply")
    assert event.data["paused_hours"] == "6" and event.data["due_at_before"] == due_before.isoformat()
    assert d.files.filter(original_name="trich-luc.pdf").exists()


def test_restart_setting_gives_the_full_time_again(procedure, citizen, officer, processor):
    wf.process_save(procedure=procedure, agency=None, actor=officer, clock_on_wait=ClockOnWait.RESTART,
                    steps=[{"name": "Xử lý", "role": "processing_officer", "hours": 16},
                           {"name": "Trả", "role": "receiving_officer", "share": 10}])
    d = received(procedure, citizen, officer)
    with time_machine.travel(at(2), tick=False):
        d = services.dossier_act(dossier=d, action="request_supplement", actor=processor, items=["Tờ khai"])
    assert run_of(d).role == "processing_officer"  # this process starts at the specialist
    resumed = at(48)  # Thursday 09:00
    with time_machine.travel(resumed, tick=False):
        d = results.dossier_supply(dossier=d, actor=citizen, files=[(None, checked_pdf("to-khai.pdf"))])
    cal = calendar_for_agency(d.receiving_agency)
    assert d.due_at == add_working_time(resumed, 3, "working_days", calendar=cal)
    assert run_of(d).due_at == add_working_time(resumed, 16, "working_hours", calendar=cal)


def test_payment_from_fee_items_then_counter_receipt(procedure, citizen, officer, processor):
    from opendvc.catalog.models import FeeItem

    fee = FeeItem.objects.create(procedure=procedure, position=0, name="Phí cấp bản sao", amount_vnd=8000,
                                 per="bản")
    d = received(procedure, citizen, officer)
    with pytest.raises(ProblemError) as err:  # still at the one-stop office's step: not the specialist's turn
        services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                    fees=[{"fee_item": fee.pk, "quantity": 1}])
    assert err.value.status == 403 and "không do bạn xử lý" in err.value.detail
    d = at_specialist(d, officer)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                    fees=[{"fee_item": fee.pk, "quantity": 0}])
    assert err.value.extra["errors"][0]["path"] == "fees.0.quantity"
    assert Dossier.objects.get(pk=d.pk).status == "processing"
    with time_machine.travel(at(1), tick=False):
        d = services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                        fees=[{"fee_item": fee.pk, "quantity": 3},
                                              {"name": "Lệ phí", "amount_vnd": 10000}])
    payment = Payment.objects.get(dossier=d)
    assert (payment.total_vnd, payment.state) == (34000, "pending")
    with time_machine.travel(at(3), tick=False):
        d = services.dossier_act(dossier=d, action="pay", actor=officer, receipt_number="BL-0042")
    payment.refresh_from_db()
    assert (payment.state, payment.method, payment.receipt_number) == ("paid", "counter", "BL-0042")
    assert DossierDocument.objects.filter(dossier=d, kind="payment_receipt").exists()
    # 10:00 → 12:00 with the lunch break from 11:30: one and a half working hours.
    assert d.events.get(action="pay").data["paused_hours"] == "1.5"


def test_approve_return_at_counter_freezes_the_class(procedure, citizen, officer, processor, leader):
    d = received(procedure, citizen, officer)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action="approve", actor=processor, result="Giấy khai sinh")
    assert err.value.status == 403
    with time_machine.travel(at(3), tick=False):
        d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh bản chính")
    assert d.status == "result_ready"
    assert DossierDocument.objects.filter(dossier=d, kind="result").count() == 1
    assert run_of(d).position == 3  # the one-stop office's last step
    with time_machine.travel(at(4), tick=False):
        d = services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter",
                                        recipient="Nguyễn Văn Bình", identity_document="CCCD 079xxx")
    assert (d.status, d.on_time_class) == ("returned", "early")
    event = d.events.get(action="return_result")
    assert event.data["delivered_to"] == "Nguyễn Văn Bình"
    assert not StepRun.objects.filter(dossier=d, left_at__isnull=True).exists()
    assert DossierDocument.objects.filter(dossier=d, kind="delivery_record").exists()


def test_a_receiver_too_long_for_the_record_is_refused_not_cut(procedure, citizen, officer, leader):
    """The hand-over record names who received the result: a name or document number longer than its
    column is refused at its field, both at once, and nothing changes (it was cut silently)."""
    d = received(procedure, citizen, officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter",
                             recipient="Nguyễn " * 40, identity_document="0" * 101)
    assert err.value.status == 422
    paths = {e["path"]: e["message"] for e in err.value.extra["errors"]}
    assert paths == {"recipient": "Tối đa 200 ký tự (đang có 279).",
                     "identity_document": "Tối đa 100 ký tự (đang có 101)."}
    d.refresh_from_db()
    assert d.status == "result_ready" and not d.events.filter(action="return_result").exists()
    # Spaces typed around and inside are not counted against the receiver.
    d = services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter",
                             recipient="  Nguyễn   Văn  Bình ", identity_document=" CCCD  079xxx ")
    data = d.events.get(action="return_result").data
    assert (data["delivered_to"], data["identity_document"]) == ("Nguyễn Văn Bình", "CCCD 079xxx")


def test_downloads_are_recorded_and_change_no_state(procedure, citizen, officer, leader, stranger):
    """An online result is returned when issued (``vault.services.result_issue``), not at download."""
    from opendvc.catalog.models import Procedure

    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # online return is a level-4 service
    d = received(procedure, citizen, officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    doc = DossierDocument.objects.get(dossier=d, kind="result")
    with pytest.raises(ProblemError):
        results.result_download(dossier=d, document=doc, user=stranger)
    d = results.result_download(dossier=d, document=doc, user=citizen)
    assert d.status == "result_ready"
    results.result_download(dossier=d, document=doc, user=citizen)
    assert ResultDownload.objects.filter(dossier=d).count() == 2


def test_late_return_is_late_and_stays_late(procedure, citizen, officer, leader):
    d = received(procedure, citizen, officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    with time_machine.travel(d.due_at + timedelta(hours=1), tick=False):
        d = services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter")
    assert d.on_time_class == "late"
    assert d.events.get(action="return_result").data["delivered_to"] == citizen.full_name


def test_stop_with_reason(procedure, citizen, officer, leader):
    d = received(procedure, citizen, officer)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action="stop", actor=leader, reason="")
    assert err.value.code == "validation_error"
    with time_machine.travel(at(1), tick=False):
        d = services.dossier_act(dossier=d, action="stop", actor=leader, reason="Không đủ điều kiện")
    assert (d.status, d.on_time_class) == ("stopped", "early")
    assert StepRun.objects.get(dossier=d).outcome == "stopped"
    assert DossierDocument.objects.filter(dossier=d, kind="stop_notice").exists()


def test_apology_keeps_the_original_due_date(procedure, citizen, officer, leader, processor, foreign_officer):
    d = received(procedure, citizen, officer)
    original = d.due_at
    with time_machine.travel(at(5), tick=False):
        _apologies(d, original, leader, processor, foreign_officer, officer)


def _apologies(d, original, leader, processor, foreign_officer, officer):
    from opendvc.notifications.models import Notification

    with pytest.raises(ProblemError) as err:
        services.dossier_act(action="apology", dossier=d, actor=processor, reason="Chờ xác minh")
    assert err.value.status == 403
    with pytest.raises(ProblemError) as err:
        services.dossier_act(action="apology", dossier=d, actor=foreign_officer, reason="Chờ xác minh")
    assert err.value.status == 403
    with pytest.raises(ProblemError) as err:
        services.dossier_act(action="apology", dossier=d, actor=leader, reason="", new_due_at=original - timedelta(days=1))
    assert {e["path"] for e in err.value.extra["errors"]} == {"reason", "new_due_at"}
    assert Dossier.objects.get(pk=d.pk).appointment_at is None
    # Two working days later, inside office hours (the new appointment is a working instant).
    new = add_working_time(original, 16, "working_hours", calendar=calendar_for_agency(d.receiving_agency))
    d = services.dossier_act(action="apology", dossier=d, actor=leader, reason="Chờ xác minh của cơ quan khác", new_due_at=new)
    assert (d.due_at, d.appointment_at) == (original, new)
    event = DossierEvent.objects.get(dossier=d, action="apology")
    assert event.data["original_due_at"] == original.isoformat()
    assert DossierDocument.objects.filter(dossier=d, kind="apology", event=event).exists()
    assert Notification.objects.filter(template="dossier_apology").exists()
    # One new appointment per dossier (Decree 107/2021/NĐ-CP): a second apology is refused, whoever asks.
    for actor in (officer, leader):
        with pytest.raises(ProblemError) as err:
            services.dossier_act(action="apology", dossier=d, actor=actor, reason="Lần hai")
        assert err.value.status == 409
        assert "không quá một lần" in err.value.detail
    assert Dossier.objects.get(pk=d.pk).appointment_at == new
    assert DossierEvent.objects.filter(dossier=d, action="apology").count() == 1


def test_apology_computes_the_date_from_the_remaining_steps(procedure, citizen, officer):
    """No date chosen: now plus the remaining steps' allotments, never before the current due date."""
    d = received(procedure, citizen, officer)
    with time_machine.travel(at(5), tick=False):
        d = services.dossier_act(action="apology", dossier=d, actor=officer, reason="Chờ xác minh")
    assert d.appointment_at >= d.due_at


def test_process_editor_refuses_allotments_over_the_statutory_total(procedure, officer):
    assert wf.statutory_hours(procedure=procedure) == 24
    with pytest.raises(ProblemError) as err:
        wf.process_save(procedure=procedure, agency=None, actor=officer,
                        steps=[{"name": "A", "role": "processing_officer", "hours": 20},
                               {"name": "B", "role": "leader", "share": 50}])
    assert "vượt thời hạn" in err.value.extra["errors"][0]["message"]
    with pytest.raises(ProblemError) as err:
        wf.process_save(procedure=procedure, agency=None, actor=officer,
                        steps=[{"name": "", "role": "x", "hours": 1, "share": 5}])
    assert {e["path"] for e in err.value.extra["errors"]} == {"steps.0.name", "steps.0.role", "steps.0.hours"}
    p1 = wf.process_save(procedure=procedure, agency=None, actor=officer,
                         steps=[{"name": "A", "role": "processing_officer", "hours": 12},
                                {"name": "B", "role": "leader", "share": 50}])
    p2 = wf.process_save(procedure=procedure, agency=None, actor=officer,
                         steps=[{"name": "A", "role": "processing_officer", "hours": 8}])
    p1.refresh_from_db()
    assert (p1.version, p1.is_current, p2.version, p2.is_current) == (1, False, 2, True)
    assert wf.process_for(procedure=procedure, agency=None).process == p2


def test_result_made_from_the_procedures_own_template(procedure, citizen, officer, leader, settings, tmp_path):
    import io

    from pypdf import PdfReader

    folder = tmp_path / "dossiers" / "results"
    folder.mkdir(parents=True)
    (folder / f"{procedure.code}.html").write_text(
        "<h2>GIẤY KHAI SINH</h2><p>Họ và tên: {{ applicant_name }}</p><p>{{ event.data.result }}</p>")
    settings.TEMPLATES = [{**t, "DIRS": [str(tmp_path), *t.get("DIRS", [])]} for t in settings.TEMPLATES]
    d = received(procedure, citizen, officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Số 12/2026")
    doc = DossierDocument.objects.get(dossier=d, kind="result")
    with doc.file.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "GIẤY KHAI SINH" in text and citizen.full_name in text and "Số 12/2026" in text


def test_public_lookup_shows_the_new_appointment(client, procedure, citizen, officer, leader):
    from opendvc.dossiers.documents import lookup_key_of

    d = received(procedure, citizen, officer)
    # Five working days from now, inside office hours (the new appointment is a working instant).
    new = add_working_time(
        timezone.now(), 40, "working_hours", calendar=calendar_for_agency(d.receiving_agency)
    ).replace(microsecond=0)
    d = services.dossier_act(action="apology", dossier=d, actor=leader, reason="Chờ xác minh", new_due_at=new)
    key = lookup_key_of(d)
    body = client.get(f"/api/v1/public/dossiers/{d.code}?key={key}").json()
    assert datetime.fromisoformat(body["appointment_at"]) == new
    assert datetime.fromisoformat(body["due_at"]) == d.due_at  # the original appointment stays
    from opendvc.worktime import to_local

    page = client.get(f"/tra-cuu/?ma={d.code}&khoa={key}").content.decode()
    assert "Hẹn lại trả kết quả" in page and to_local(new).strftime("%d/%m/%Y") in page
