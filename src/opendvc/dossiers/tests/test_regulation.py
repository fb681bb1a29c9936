"""The dossier rules exactly as the law states them; each test is named after the article it enforces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from opendvc.dossiers import selectors, services
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services import processing
from opendvc.worktime import VN_TZ

from .conftest import submitted_dossier

# ---------------------------------------------------------------------------------------------
# 14. One on-time rule, in local time
# ---------------------------------------------------------------------------------------------

ZONES = [
    UTC,
    VN_TZ,
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=5)),
]


def local_day(instant: datetime):
    """The calendar day in Việt Nam, computed without the function under test (UTC+7, no summer time)."""
    return (instant.astimezone(UTC) + timedelta(hours=7)).date()


def expected_class(done: datetime, due: datetime) -> str:
    if done > due:
        return "late"
    return "early" if local_day(done) < local_day(due) else "on_time"


# Instants near a local midnight (both sides), at any time of day, a few days apart.
due_instants = st.builds(
    lambda day, minutes, zone: (
        datetime(2026, 1, 1, tzinfo=VN_TZ) + timedelta(days=day, minutes=minutes)
    ).astimezone(zone),
    st.integers(0, 730),
    st.one_of(st.integers(0, 24 * 60 - 1), st.integers(-30, 30).map(lambda m: m % (24 * 60))),
    st.sampled_from(ZONES),
)
offsets = st.one_of(
    st.integers(-3 * 24 * 60, 24 * 60),  # anywhere from three days early to a day late
    st.integers(-2, 2).flatmap(lambda d: st.integers(-20, 20).map(lambda m: d * 24 * 60 + m)),
)


@settings(max_examples=400, deadline=None)
@given(due=due_instants, offset=offsets, zone=st.sampled_from(ZONES))
def test_dossier_classes_are_one_local_time_rule_in_every_caller(due, offset, zone):
    # Around local midnight: the due instant is shifted to the minutes just before and after 00:00 VN.
    done = (due + timedelta(minutes=offset)).astimezone(zone)
    want = expected_class(done, due)
    assert selectors.timeliness(done_at=done, due_at=due) == want
    assert processing.on_time_class(finished_at=done, due_at=due) == want
    finished = Dossier(status="returned", due_at=due, finished_at=done)
    assert selectors.on_time_state(finished, now=done + timedelta(days=30)) == want


@settings(max_examples=200, deadline=None)
@given(day=st.integers(0, 365), before=st.integers(1, 59), after=st.integers(0, 59))
def test_local_midnight_separates_the_days_whatever_the_utc_date(day, before, after):
    midnight = datetime(2026, 1, 1, tzinfo=VN_TZ) + timedelta(days=day)
    due = midnight + timedelta(
        minutes=after
    )  # just after a local midnight (still the previous UTC day)
    assert selectors.timeliness(done_at=midnight - timedelta(minutes=before), due_at=due) == "early"
    assert selectors.timeliness(done_at=midnight, due_at=due) == "on_time"
    assert selectors.timeliness(done_at=due + timedelta(microseconds=1), due_at=due) == "late"


def test_due_1600_finished_0630_same_local_day_is_on_time_in_lists_public_results_and_workflow(
    procedure, citizen, officer, leader
):
    from opendvc.dossiers import results
    from opendvc.workflow.models import StepRun

    tuesday_1600 = datetime(2026, 3, 10, 16, 0, tzinfo=VN_TZ)
    with time_machine.travel(tuesday_1600, tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    assert d.due_at == datetime(2026, 3, 13, 16, 0, tzinfo=VN_TZ)  # three working days
    friday_0630 = datetime(2026, 3, 13, 6, 30, tzinfo=VN_TZ)  # Thursday 23:30 in UTC
    step = StepRun.objects.get(dossier=d, left_at__isnull=True)
    StepRun.objects.filter(pk=step.pk).update(due_at=d.due_at)
    with time_machine.travel(friday_0630, tick=False):
        d = services.dossier_act(
            dossier=d, action="stop", actor=leader, reason="Không đủ điều kiện"
        )
    assert d.on_time_class == "on_time"
    assert StepRun.objects.get(pk=step.pk).timing == "on_time"
    row = results.public_results().get(pk=d.pk)
    assert row.on_time_class == "on_time"
    listed = selectors.inbox(user=officer, filters=selectors.InboxFilters()).get(pk=d.pk)
    assert selectors.on_time_state(listed) == "on_time"
    Dossier.objects.filter(pk=d.pk).update(
        on_time_class=""
    )  # a dossier finished before the class was frozen
    assert selectors.on_time_state(Dossier.objects.get(pk=d.pk)) == "on_time"


# ---------------------------------------------------------------------------------------------
# 6. Fees are settled by the counter or the confirmed gateway, never by the applicant
# 7. The service level governs what is offered
# ---------------------------------------------------------------------------------------------


def fees_due(procedure, citizen, officer, amount=8000):
    """A dossier received and waiting for ``amount`` đồng of fees (asked by the system)."""
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        return services.dossier_act(
            dossier=d,
            action="require_payment",
            actor=None,
            system=True,
            fees=[{"name": "Lệ phí cấp bản sao", "amount_vnd": amount, "quantity": 1}],
        )


def result_waiting(procedure, citizen, officer, leader):
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    return services.dossier_act(
        dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
    )


@pytest.mark.parametrize("level", [3, 4])
def test_regulation_art_2_13_applicant_cannot_mark_fees_paid_by_service_api_or_page(
    client, agencies, citizen, officer, level
):
    from opendvc.core.problems import ProblemError
    from opendvc.dossiers.models import DossierDocument, Payment

    from .conftest import make_procedure

    procedure = make_procedure(code=f"1.00{level}193", level=level)
    d = fees_due(procedure, citizen, officer, amount=8000 * level)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(
            dossier=d, action="pay", actor=citizen, receipt_number="BL-tu-khai"
        )
    assert err.value.status == 403
    client.force_login(citizen)
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "pay", "receipt_number": "123"},
        content_type="application/json",
    )
    assert r.status_code == 403 and r["Content-Type"].startswith("application/problem+json")
    assert "pay" not in client.get(f"/api/v1/dossiers/{d.code}").json()["allowed_actions"]
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert f"{8 * level}.000 đồng" in page and "chờ thanh toán" in page
    assert 'name="receipt_number"' not in page and 'value="pay"' not in page
    d.refresh_from_db()
    assert d.status == "payment_required"
    assert Payment.objects.get(dossier=d).state == "pending"
    assert not DossierDocument.objects.filter(dossier=d, kind="payment_receipt").exists()
    # The officer recording a counter payment moves the dossier on.
    d = services.dossier_act(
        dossier=d, action="pay", actor=officer, receipt_number="BL-0007"
    )
    assert (d.status, Payment.objects.get(dossier=d).method) == ("processing", "counter")


def test_regulation_art_2_13_online_payment_and_online_return_are_level_4_services(
    client, agencies, citizen, officer, leader
):
    from opendvc.core.problems import ProblemError
    from opendvc.dossiers import results
    from opendvc.dossiers.models import DossierDocument, Payment

    from .conftest import make_procedure

    level3 = make_procedure(code="1.000003", level=3)
    level4 = make_procedure(code="1.000004", level=4)
    # Level 3: the gateway's confirmation is refused (fees at the counter or by post).
    d3 = fees_due(level3, citizen, officer)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(
            dossier=d3, action="pay", actor=None, system=True, receipt_number="GW-1"
        )
    assert (err.value.status, err.value.code) == (422, "not_offered_at_level")
    assert "mức độ 3" in err.value.detail and Payment.objects.get(dossier=d3).state == "pending"
    # Level 4: the confirmed online payment settles the fees.
    d4 = fees_due(level4, citizen, officer)
    d4 = services.dossier_act(
        dossier=d4, action="pay", actor=None, system=True, receipt_number="GW-2"
    )
    assert (d4.status, Payment.objects.get(dossier=d4).method) == ("processing", "system")
    # Result: online return only at level 4.
    r3 = result_waiting(level3, citizen, officer, leader)
    doc3 = DossierDocument.objects.get(dossier=r3, kind="result")
    with pytest.raises(ProblemError) as err:
        results.result_download(dossier=r3, document=doc3, user=citizen)
    assert err.value.code == "not_offered_at_level"
    with pytest.raises(ProblemError) as err:
        services.dossier_act(
            dossier=r3, action="return_result", actor=officer, method="online"
        )
    assert err.value.code == "not_offered_at_level"
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{r3.public_id}/").content.decode()
    assert "Nhận kết quả tại bộ phận một cửa" in page and f"/giay-to/{doc3.pk}/" not in page
    r = client.get(f"/ho-so-cua-toi/{r3.public_id}/giay-to/{doc3.pk}/")
    assert r.status_code == 302 and Dossier.objects.get(pk=r3.pk).status == "result_ready"
    r3 = services.dossier_act(
        dossier=r3, action="return_result", actor=officer, method="counter"
    )
    assert r3.status == "returned"
    r4 = result_waiting(level4, citizen, officer, leader)
    from opendvc.vault.services import result_issue

    r4 = result_issue(dossier=r4)  # level 4: issued online (run when the approval commits)
    assert r4.status == "returned"


@pytest.mark.parametrize("source", ["source", "derived"])
def test_regulation_art_2_13_level_2_offers_forms_and_refuses_online_filing(
    client, agencies, citizen, justice, source
):
    from opendvc.catalog.models import Procedure
    from opendvc.core.problems import ProblemError

    from .conftest import make_procedure

    level2 = make_procedure(code="1.000002", level=2)
    Procedure.objects.filter(pk=level2.pk).update(level_source=source)
    level2.refresh_from_db()
    with pytest.raises(ProblemError) as err:
        services.dossier_create_draft(
            applicant=citizen, procedure=level2, receiving_agency=justice, actor=citizen
        )
    assert (err.value.status, err.value.code) == (422, "not_offered_at_level")
    client.force_login(citizen)
    r = client.post(
        "/api/v1/dossiers",
        {"procedure": level2.code, "agency": justice.code},
        content_type="application/json",
    )
    body = r.json()
    assert r.status_code == 422 and body["code"] == "not_offered_at_level" and body["level"] == 2
    assert "nộp hồ sơ trực tuyến" in body["detail"] and "tải biểu mẫu" in body["detail"]
    # The field's message is a whole sentence (the detail's first), not the fragment it is built from.
    sentence = f"Thủ tục “{level2.name}” ở mức độ 2 không cung cấp nộp hồ sơ trực tuyến."
    assert body["errors"] == [{"path": "procedure", "message": sentence}]
    assert body["detail"].startswith(sentence)
    page = client.get(f"/nop-ho-so/{level2.code}/")
    assert page.status_code == 409
    text = page.content.decode()
    assert "mức độ 2" in text and "tải biểu mẫu" in text and 'name="co-quan"' not in text
    assert client.get(f"/thu-tuc/{level2.code}/nop-truc-tuyen/").status_code == 302
    assert not Dossier.objects.filter(procedure=level2).exists()


@pytest.mark.parametrize(
    ("level", "phrase"),
    [
        (1, "chỉ cung cấp thông tin"),
        (2, "tải biểu mẫu về; nộp hồ sơ trực tiếp"),
        (3, "nộp hồ sơ trực tuyến; nộp phí, lệ phí và nhận kết quả tại bộ phận một cửa"),
        (4, "nộp hồ sơ, nộp phí, lệ phí và nhận kết quả trực tuyến"),
    ],
)
def test_regulation_art_2_13_procedure_and_filing_pages_say_what_the_level_offers(
    client, agencies, citizen, level, phrase
):
    from .conftest import make_procedure

    procedure = make_procedure(code=f"1.00{level}777", level=level)
    assert phrase in client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    client.force_login(citizen)
    filing = client.get(f"/nop-ho-so/{procedure.code}/")
    assert filing.status_code == (200 if level >= 3 else 409)
    assert phrase in filing.content.decode()


# ---------------------------------------------------------------------------------------------
# 8. Return for completion: every missing item, once
# ---------------------------------------------------------------------------------------------

FIRST_LIST = [
    "Giấy chứng sinh: bản chụp bị mờ, chụp lại rõ nét",
    "giấy chứng sinh: bản chụp bị mờ, chụp lại rõ nét",  # the same item typed twice
    "Tờ khai: ghi thiếu quê quán",
]


def _replace_listed_file(d, citizen):
    from opendvc.dossiers.uploads import check_file

    from .conftest import pdf_bytes

    birth = d.files.get(component__name="Giấy chứng sinh")
    sharper = check_file(
        name="giay-chung-sinh-ro.pdf", content=pdf_bytes("Giấy chứng sinh, bản chụp rõ nét")
    )
    services.dossier_update_draft(
        dossier=d, actor=citizen, remove_file_ids=[birth.pk], add_files=[(birth.component, sharper)]
    )


def _add_unlisted_file(d, citizen):
    from .conftest import checked_pdf

    other = d.procedure.components.get(name="Giấy tờ khác")
    services.dossier_update_draft(
        dossier=d, actor=citizen, add_files=[(other, checked_pdf("so-ho-khau.pdf"))]
    )


def _listed_field(d, citizen):
    services.dossier_update_draft(
        dossier=d, actor=citizen, form_data={**d.form_data, "que_quan": "Biên Hòa"}
    )


def _unlisted_field(d, citizen):
    services.dossier_update_draft(
        dossier=d, actor=citizen, form_data={**d.form_data, "ho_ten": "Nguyễn Thị Hòa"}
    )


@pytest.mark.parametrize(
    ("change", "second_allowed"),
    [
        (None, False),
        (_replace_listed_file, False),
        (_listed_field, False),
        (_add_unlisted_file, True),
        (_unlisted_field, True),
    ],
)
def test_nd61_art_15_return_for_completion_lists_everything_once(
    client, procedure, citizen, officer, change, second_allowed
):
    from opendvc.core.problems import ProblemError
    from opendvc.dossiers.models import DossierDocument

    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(
        dossier=d, action="return_for_completion", actor=officer, items=FIRST_LIST
    )
    assert d.completion_items == [FIRST_LIST[0], FIRST_LIST[2]]  # each item once
    if change is not None:
        change(d, citizen)
    d = services.dossier_act(
        dossier=Dossier.objects.get(pk=d.pk), action="resubmit", actor=citizen, declaration=True
    )
    second = ["Sổ hộ khẩu không còn giá trị sử dụng; thay bằng xác nhận cư trú"]
    if not second_allowed:
        with pytest.raises(ProblemError) as err:
            services.dossier_act(
                dossier=d, action="return_for_completion", actor=officer, items=second
            )
        assert (err.value.status, err.value.code) == (409, "completion_already_requested")
        assert "một lần, đầy đủ" in err.value.detail
        assert err.value.extra["earlier_items"] == [FIRST_LIST[0], FIRST_LIST[2]]
        assert Dossier.objects.get(pk=d.pk).status == "submitted"
        assert DossierDocument.objects.filter(dossier=d, kind="completion_request").count() == 1
        client.force_login(officer)
        r = client.post(
            f"/api/v1/dossiers/{d.code}/actions",
            {"action": "return_for_completion", "items": second},
            content_type="application/json",
        )
        assert r.status_code == 409 and r.json()["code"] == "completion_already_requested"
        # Receiving or refusing stays open.
        assert (
            services.dossier_act(dossier=d, action="receive", actor=officer).status
            == "received"
        )
        return
    d = services.dossier_act(
        dossier=d, action="return_for_completion", actor=officer, items=second
    )
    event = d.events.filter(action="return_for_completion").last()
    assert (
        event.data["earlier_items"] == [FIRST_LIST[0], FIRST_LIST[2]]
        and event.data["items"] == second
    )
    assert event.data["uncovered_changes"]
    assert DossierDocument.objects.filter(dossier=d, kind="completion_request").count() == 2
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert second[0] in page and "Đã yêu cầu ở lần trước" in page and FIRST_LIST[2] in page


def test_nd61_art_15_completion_notice_pdf_shows_both_lists(procedure, citizen, officer):
    from opendvc.dossiers.documents import document_context, render_pdf

    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(
        dossier=d, action="return_for_completion", actor=officer, items=FIRST_LIST
    )
    _add_unlisted_file(d, citizen)
    d = services.dossier_act(
        dossier=Dossier.objects.get(pk=d.pk), action="resubmit", actor=citizen, declaration=True
    )
    d = services.dossier_act(
        dossier=d,
        action="return_for_completion",
        actor=officer,
        items=["Sổ hộ khẩu: thay bằng xác nhận cư trú"],
    )
    event = d.events.filter(action="return_for_completion").last()
    from django.template.loader import render_to_string

    html = render_to_string(
        "dossiers/pdf/completion_request.html", document_context(dossier=d, event=event)
    )
    assert "Sổ hộ khẩu: thay bằng xác nhận cư trú" in html
    assert "Nội dung đã yêu cầu lần trước" in html and "Tờ khai: ghi thiếu quê quán" in html
    assert (
        render_pdf(
            "dossiers/pdf/completion_request.html", document_context(dossier=d, event=event)
        )[:4]
        == b"%PDF"
    )


# ---------------------------------------------------------------------------------------------
# 9. The working-day rule is a procedure setting
# ---------------------------------------------------------------------------------------------


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


# (case, received at, working days, due by N × 8 working hours, due by the end of the N-th working day)
# The expected instants are counted by hand on the published calendar.
HELD_OUT = [
    # Tết Đinh Mùi: 04–10/02/2027 off. Wed 16:00 → 1 h that day, 7 h on Thu 11/02.
    ("tet", vn(2027, 2, 3, 16, 0), 1, vn(2027, 2, 11, 16, 0), vn(2027, 2, 11, 17, 0)),
    # Saturday 22/08/2026 is a make-up working day (for Monday 31/08): Fri 14:00 → 3 h, 8 h on the
    # Saturday, 5 h on Mon 24/08.
    ("make-up saturday", vn(2026, 8, 21, 14, 0), 2, vn(2026, 8, 24, 14, 0), vn(2026, 8, 24, 17, 0)),
    # 31/08/2026 swapped day off, then National Day 01–02/09: Fri 28/08 09:00 → 6.5 h, 1.5 h on Thu 03/09.
    ("swapped day off", vn(2026, 8, 28, 9, 0), 1, vn(2026, 9, 3, 9, 0), vn(2026, 9, 3, 17, 0)),
    # Year end: 01/01/2027 is a Friday off. Thu 31/12 15:00 → 2 h, 8 h on Mon 04/01, 6 h on Tue 05/01.
    ("year end", vn(2026, 12, 31, 15, 0), 2, vn(2027, 1, 5, 15, 0), vn(2027, 1, 5, 17, 0)),
    # Hùng Kings' day on Sunday 26/04/2026, compensated on Monday 27/04; 30/04 and 01/05 off. By hours the
    # intake day counts (8 h on Fri 24/04, Tue 28, Wed 29); by days it does not (Tue 28, Wed 29, Mon 04/05).
    (
        "compensatory monday",
        vn(2026, 4, 24, 7, 30),
        3,
        vn(2026, 4, 29, 17, 0),
        vn(2026, 5, 4, 17, 0),
    ),
    # Received after closing on a Friday: the hours start on Monday's opening; the day rule skips Friday.
    ("after hours", vn(2026, 3, 13, 18, 30), 1, vn(2026, 3, 16, 17, 0), vn(2026, 3, 16, 17, 0)),
]


@pytest.mark.parametrize(
    ("case", "received_at", "days", "by_hours", "by_end_of_day"),
    HELD_OUT,
    ids=[c[0] for c in HELD_OUT],
)
@pytest.mark.parametrize("rule", ["working-hours", "end-of-day"])
def test_civil_code_art_147_148_working_day_rule_is_a_procedure_setting(
    agencies, citizen, officer, case, received_at, days, by_hours, by_end_of_day, rule
):
    from opendvc.catalog.models import Procedure

    from .conftest import make_procedure

    procedure = make_procedure(code="1.009147", time_amount=days)
    assert procedure.working_day_rule == "working-hours"  # the default: the rule used so far
    Procedure.objects.filter(pk=procedure.pk).update(working_day_rule=rule)
    procedure.refresh_from_db()
    with time_machine.travel(received_at, tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
    assert d.due_at == (by_hours if rule == "working-hours" else by_end_of_day)
    assert services.due_for(d, received_at)[0] == d.due_at


def test_civil_code_art_147_fraction_of_a_day_is_counted_in_hours(agencies, citizen, officer):
    from opendvc.catalog.models import Procedure

    from .conftest import make_procedure

    procedure = make_procedure(code="1.009148", time_amount="0.5")
    Procedure.objects.filter(pk=procedure.pk).update(working_day_rule="end-of-day")
    procedure.refresh_from_db()
    with time_machine.travel(vn(2026, 3, 10, 9, 0), tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
    assert d.due_at == vn(2026, 3, 10, 14, 30)  # 2.5 h before the lunch break, 1.5 h after


# ---------------------------------------------------------------------------------------------
# 10. Automatic intake where a procedure allows it
# ---------------------------------------------------------------------------------------------


def auto_procedure(code="1.009010", **kwargs):
    from opendvc.catalog.models import Procedure

    from .conftest import make_procedure

    procedure = make_procedure(code=code, **kwargs)
    Procedure.objects.filter(pk=procedure.pk).update(auto_receive=True)
    procedure.refresh_from_db()
    return procedure


@pytest.mark.parametrize(
    ("filed_at", "due"),
    [
        (vn(2026, 3, 10, 16, 0), vn(2026, 3, 13, 16, 0)),  # Tuesday in office hours: 3 × 8 h
        (vn(2026, 3, 14, 10, 0), vn(2026, 3, 18, 17, 0)),  # Saturday: counted from Monday's opening
        (vn(2027, 2, 3, 16, 0), vn(2027, 2, 15, 16, 0)),  # before Tết: 1 h, then 11, 12 and 15/02
    ],
)
def test_nd61_art_19_system_receives_a_complete_online_dossier_with_the_officers_appointment(
    agencies, citizen, officer, filed_at, due
):
    from opendvc.audit.models import AuditEntry
    from opendvc.dossiers.models import DossierDocument

    from .conftest import make_procedure

    auto = auto_procedure()
    manual = make_procedure(code="1.009011")
    with time_machine.travel(filed_at, tick=False):
        d = submitted_dossier(auto, citizen)
        twin = submitted_dossier(manual, citizen)
        twin = services.dossier_act(dossier=twin, action="receive", actor=officer)
    assert twin.due_at == due and twin.status == "received"
    d.refresh_from_db()
    assert (d.status, d.received_at, d.due_at) == ("received", filed_at, twin.due_at)
    submit, receive = d.events.order_by("pk")
    assert (submit.action, receive.action) == ("submit", "receive")
    assert (receive.actor, receive.actor_role, receive.from_state, receive.to_state) == (
        None,
        "system",
        "submitted",
        "received",
    )
    assert receive.data["due_at"] == due.isoformat()
    entry = AuditEntry.objects.filter(action="dossier.receive", target_id=str(d.public_id)).get()
    assert entry.actor_id is None
    assert DossierDocument.objects.filter(dossier=d, event=receive, kind="receipt").exists()


def test_nd61_art_19_automatic_intake_only_for_marked_complete_timed_online_dossiers(
    agencies, citizen, officer, justice
):
    from opendvc.catalog.models import Component

    from .conftest import make_procedure

    filed_at = vn(2026, 3, 10, 9, 0)
    unmarked = make_procedure(code="1.009020")
    untimed = auto_procedure(code="1.009021", time_amount=None)
    by_case = auto_procedure(code="1.009022")
    Component.objects.create(
        procedure=by_case,
        position=9,
        name="Giấy ủy quyền",
        required=True,
        case="Trường hợp ủy quyền nộp hồ sơ",
    )
    with time_machine.travel(filed_at, tick=False):
        for procedure in (unmarked, untimed, by_case):
            d = submitted_dossier(procedure, citizen)
            assert Dossier.objects.get(pk=d.pk).status == "submitted", procedure.code
            assert not d.events.filter(action="receive").exists()
        # At the counter the officer files and receives: the system does not step in.
        counter = services.counter_intake(
            actor=officer,
            procedure=auto_procedure(code="1.009023"),
            receiving_agency=justice,
            channel="counter",
            applicant=citizen,
            receive_now=False,
        )
    assert counter.status == "submitted"


def test_nd61_art_19_resubmitted_complete_dossier_is_received_by_the_system(
    agencies, citizen, officer
):
    auto = auto_procedure(code="1.009030")
    from opendvc.catalog.models import Procedure

    Procedure.objects.filter(pk=auto.pk).update(auto_receive=False)
    d = submitted_dossier(auto, citizen)
    d = services.dossier_act(
        dossier=d,
        action="return_for_completion",
        actor=officer,
        items=["Giấy tờ khác: bổ sung bản sao sổ hộ khẩu"],
    )
    Procedure.objects.filter(pk=auto.pk).update(auto_receive=True)
    d = services.dossier_act(
        dossier=Dossier.objects.get(pk=d.pk), action="resubmit", actor=citizen, declaration=True
    )
    assert d.status == "received" and d.events.last().actor_role == "system"


# ---------------------------------------------------------------------------------------------
# 13. Dossier and feedback events, and the ended forwardings of feedback, are append-only in the
#     database
# ---------------------------------------------------------------------------------------------


def _histories(procedure, citizen):
    """A dossier and a feedback item with their history, the item with two ended forwardings: one
    sent back late after an escalation, one reopened after its answer."""
    from opendvc.feedback.models import FeedbackEvent, FeedbackRound
    from opendvc.feedback.tests.factories import FeedbackFactory

    d = submitted_dossier(procedure, citizen)
    fb = FeedbackFactory()
    FeedbackEvent.objects.create(
        feedback=fb, action="receive", to_status="new", actor_role="system"
    )
    start = datetime(2026, 11, 30, 8, 0, tzinfo=VN_TZ)
    FeedbackRound.objects.create(
        feedback=fb,
        agency=d.receiving_agency,
        forwarded_at=start,
        escalated_at=start + timedelta(hours=9),
        overdue_since=start + timedelta(hours=8),
        ended_at=start + timedelta(days=2),
        ended_by="send_back",
    )
    FeedbackRound.objects.create(
        feedback=fb,
        agency=d.receiving_agency,
        forwarded_at=start + timedelta(days=3),
        answered_at=start + timedelta(days=3, hours=2),
        ended_at=start + timedelta(days=4),
        ended_by="reopen",
    )
    return d, fb


def test_regulation_art_4_2_history_rows_cannot_be_updated_or_deleted_by_the_application(
    procedure, citizen, justice
):
    from django.db.models import ProtectedError

    from opendvc.core.append_only import AppendOnlyError
    from opendvc.dossiers.models import DossierEvent
    from opendvc.feedback.models import FeedbackEvent, FeedbackRound

    d, fb = _histories(procedure, citizen)
    for events, field in (
        (DossierEvent.objects.filter(dossier=d), "note"),
        (FeedbackEvent.objects.filter(feedback=fb), "note"),
        (FeedbackRound.objects.filter(feedback=fb), "ended_by"),
    ):
        before = list(events.values_list("pk", field))
        with pytest.raises(AppendOnlyError):
            events.update(**{field: "sửa lịch sử"})
        with pytest.raises(AppendOnlyError):
            events.delete()
        row = events.first()
        setattr(row, field, "sửa lịch sử")
        with pytest.raises(AppendOnlyError):
            events.bulk_update([row], [field])
        assert list(events.values_list("pk", field)) == before
    # The dossier cannot be deleted from under its history (no cascade).
    with pytest.raises(ProtectedError):
        Dossier.objects.filter(pk=d.pk).delete()
    assert DossierEvent.objects.filter(dossier=d).exists()
    # Deleting a draft is a state: the row and its history stay.
    draft = services.dossier_create_draft(
        applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen
    )
    draft = services.dossier_act(dossier=draft, action="delete", actor=citizen)
    assert Dossier.objects.get(pk=draft.pk).status == "deleted"
    assert list(DossierEvent.objects.filter(dossier=draft).values_list("action", flat=True)) == [
        "delete"
    ]
    with pytest.raises(ProtectedError):
        draft.delete()


def test_regulation_art_4_2_postgresql_refuses_update_and_delete_of_history_rows(
    postgres_db, procedure, citizen
):
    from django.db import DatabaseError, connection, transaction

    from opendvc.feedback.models import FeedbackRound

    d, fb = _histories(procedure, citizen)
    rounds = list(fb.rounds.values_list("pk", flat=True))
    rows = [
        ("dossiers_dossierevent", "note = 'x'", d.events.first().pk),
        ("feedback_feedbackevent", "note = 'x'", fb.events.first().pk),
        *(
            ("feedback_feedbackround", change, pk)
            for pk in rounds
            for change in ("overdue_since = NULL", "ended_at = ended_at + interval '1 day'")
        ),
    ]
    for table, change, pk in rows:
        for sql in (
            f"UPDATE {table} SET {change} WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [pk])
    # Nor through the ORM's plain manager, which the application's guard does not cover.
    kept = list(fb.rounds.values_list("pk", "ended_at", "overdue_since", "ended_by"))
    plain = FeedbackRound._base_manager.filter(feedback=fb)
    for change in (lambda: plain.update(ended_by="x"), lambda: plain.delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert list(fb.rounds.values_list("pk", "ended_at", "overdue_since", "ended_by")) == kept
    # Nor may a dossier row go with its history by a raw DELETE (foreign key, no cascade).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # Django's foreign keys are checked at commit
        cursor.execute("DELETE FROM dossiers_dossier WHERE id = %s", [d.pk])
    assert d.events.count() == 1 and fb.events.count() == 1 and fb.rounds.count() == 2


@pytest.mark.parametrize(("level", "online_offered"), [(3, False), (4, True)])
def test_regulation_art_2_13_officer_is_offered_online_return_only_at_level_4(
    client, agencies, citizen, officer, leader, level, online_offered
):
    from .conftest import make_procedure, sign_in

    procedure = make_procedure(code=f"1.00{level}444", level=level)
    d = result_waiting(procedure, citizen, officer, leader)
    sign_in(client, officer)
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert 'name="method"' in page and '<option value="counter"' in page
    assert ('<option value="online"' in page) is online_offered


def test_regulation_art_4_2_removing_synthetic_dossiers_keeps_those_with_history(
    procedure, settings
):
    from django.core.management import call_command
    from django.utils import timezone

    from opendvc.dossiers.models import DossierEvent

    settings.DEBUG = True
    call_command("generate_load_dossiers", dossiers=20, no_progress=True)
    acted = Dossier.objects.filter(form_data__synthetic=True).order_by("pk").first()
    DossierEvent.objects.create(
        dossier=acted,
        at=timezone.now(),
        action="receive",
        from_state="submitted",
        to_state="received",
        actor_role="receiving_officer",
    )
    call_command("generate_load_dossiers", delete=True)
    assert list(Dossier.objects.filter(form_data__synthetic=True)) == [acted]
    assert acted.events.count() == 1
