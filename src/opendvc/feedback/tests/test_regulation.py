"""The feedback rules of the regulation (QĐ 31/2020/QĐ-UBND, Art. 7–8), one test per rule, named after
the article it enforces. Expected instants are worked out by hand on the Vietnamese calendar."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.feedback import selectors
from opendvc.feedback.lifecycle import Action, State
from opendvc.feedback.models import Channel, Feedback
from opendvc.feedback.services import feedback_act, feedback_mark_overdue
from opendvc.feedback.timing import Standing
from opendvc.notifications.models import Notification

from .conftest import VN

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def forward(fb, org, agency="dept"):
    return feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org[agency]}
    )


# --- Art. 8.2: both deadlines count from the switchboard's forwarding ------------------------------

HEAD_CASES = {
    # forwarded, escalated, focal deadline (8 h), head deadline (48 h = 6 working days)
    "same-day": (
        at(2026, 11, 30, 8, 0),
        at(2026, 11, 30, 15, 0),
        at(2026, 12, 1, 8, 0),
        at(2026, 12, 8, 8, 0),
    ),
    "across-a-weekend": (
        at(2026, 12, 4, 10, 0),
        at(2026, 12, 7, 9, 0),
        at(2026, 12, 7, 10, 0),
        at(2026, 12, 14, 10, 0),
    ),
    # Tết 2027: 4–10/02 off; Wednesday 03/02 09:00 → Thursday 11/02 for 8 h, Thursday 18/02 for 48 h.
    "tet": (
        at(2027, 2, 3, 9, 0),
        at(2027, 2, 3, 16, 0),
        at(2027, 2, 11, 9, 0),
        at(2027, 2, 18, 9, 0),
    ),
    # 30/04 and the compensatory Monday 03/05/2027 (for 01/05, a Saturday) are off.
    "compensatory-day": (
        at(2027, 4, 29, 14, 0),
        at(2027, 4, 29, 16, 30),
        at(2027, 5, 4, 14, 0),
        at(2027, 5, 11, 14, 0),
    ),
    # Lunch break and the close of the day: 16:00 → 8 h end 16:00 next day.
    "afternoon": (
        at(2026, 12, 9, 16, 0),
        at(2026, 12, 10, 13, 30),
        at(2026, 12, 10, 16, 0),
        at(2026, 12, 17, 16, 0),
    ),
}


@pytest.mark.parametrize("case", HEAD_CASES.values(), ids=HEAD_CASES.keys())
def test_art_8_2_head_deadline_counts_from_switchboard_forwarding(case, org, make_item):
    forwarded, escalated, focal_due, head_due = case
    with time_machine.travel(forwarded, tick=False):
        fb = forward(make_item(), org)
    assert timezone.localtime(fb.focal_due_at) == focal_due
    with time_machine.travel(escalated, tick=False):
        fb = feedback_act(feedback=fb, action=Action.ESCALATE, actor=org["focal"])
    assert fb.status == State.ESCALATED
    assert timezone.localtime(fb.head_due_at) == head_due
    assert fb.due_at == fb.original_due_at == fb.head_due_at


@pytest.mark.parametrize("hours_later", [0.5, 3, 7.5, 26, 60])
def test_art_8_2_head_deadline_does_not_depend_on_when_the_focal_officer_escalates(
    hours_later, org, make_item
):
    with time_machine.travel(at(2026, 11, 30, 8, 0), tick=False) as traveller:
        fb = forward(make_item(), org)
        traveller.shift(dt.timedelta(hours=hours_later))
        fb = feedback_act(feedback=fb, action=Action.ESCALATE, actor=org["focal"])
    assert timezone.localtime(fb.head_due_at) == at(2026, 12, 8, 8, 0)


# --- Art. 8.2: one definition of late ----------------------------------------------------------


def figures(now):
    [row] = selectors.agency_figures(
        start=now - dt.timedelta(days=60), end=now + dt.timedelta(days=1), now=now
    )
    return row


def classes(row):
    return {s: getattr(row, s.value) for s in Standing if getattr(row, s.value)}


def test_art_8_2_escalated_after_the_focal_deadline_is_late_once_and_stays_late(org, make_item):
    with time_machine.travel(at(2026, 11, 30, 8, 0), tick=False) as traveller:
        fb = forward(make_item(), org)
        # Tuesday 10:00: the focal officer's 8 hours ended at 08:00; no periodic job has run.
        traveller.move_to(at(2026, 12, 1, 10, 0))
        fb = feedback_act(feedback=fb, action=Action.ESCALATE, actor=org["focal"])
        assert timezone.localtime(fb.overdue_since) == at(2026, 12, 1, 8, 0)
        assert (
            fb.standing == Standing.PENDING_OVERDUE
            and fb.overdue_label == "Trễ hạn (đang chờ xử lý)"
        )
        assert fb.pk in selectors.overdue(now=timezone.now()).values_list("pk", flat=True)
        assert classes(figures(timezone.now())) == {Standing.PENDING_OVERDUE: 1}
        # The head answers well inside the 48 hours: the answer is still late, and only late.
        traveller.move_to(at(2026, 12, 2, 9, 0))
        fb = feedback_act(
            feedback=fb, action=Action.ANSWER, actor=org["head"], inputs={"answer": "Trả lời."}
        )
        row = figures(timezone.now())
    assert fb.answered_on_time is False and fb.overdue_label == "Trả lời trễ hạn"
    assert classes(row) == {Standing.ANSWERED_LATE: 1}
    assert (row.received, row.answered, row.answered_on_time, row.overdue, row.on_time_rate) == (
        1,
        1,
        0,
        1,
        0.0,
    )


def test_art_8_3_answer_by_the_rescheduled_time_is_on_time(org, make_item):
    with time_machine.travel(at(2026, 12, 9, 14, 0), tick=False) as traveller:
        fb = forward(make_item(), org)
        traveller.move_to(at(2026, 12, 10, 9, 0))
        fb = feedback_act(
            feedback=fb,
            action=Action.RESCHEDULE,
            actor=org["focal"],
            inputs={"note": "Cần xác minh tại hiện trường", "new_due_at": at(2026, 12, 15, 16, 0)},
        )
        # Past the 8 hours (Thursday 14:00) but before the agreed time: not late anywhere.
        traveller.move_to(at(2026, 12, 14, 10, 0))
        feedback_mark_overdue()
        fb.refresh_from_db()
        assert fb.overdue_since is None and not fb.is_overdue
        assert fb.pk not in selectors.overdue(now=timezone.now()).values_list("pk", flat=True)
        assert fb.pk in selectors.queue(user=org["focal"], name="open").values_list("pk", flat=True)
        assert classes(figures(timezone.now())) == {Standing.PENDING: 1}
        traveller.move_to(at(2026, 12, 15, 15, 0))
        fb = feedback_act(
            feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời."}
        )
        row = figures(timezone.now())
    assert fb.answered_on_time is True and fb.overdue_label == ""
    assert classes(row) == {Standing.ANSWERED_ON_TIME: 1} and row.on_time_rate == 100.0


def test_art_8_3_rescheduled_time_passing_unanswered_is_late(org, make_item):
    with time_machine.travel(at(2027, 2, 1, 8, 0), tick=False) as traveller:
        fb = forward(make_item(), org)
        fb = feedback_act(
            feedback=fb,
            action=Action.RESCHEDULE,
            actor=org["focal"],
            inputs={"note": "Hẹn lại sau Tết", "new_due_at": at(2027, 2, 11, 10, 0)},
        )
        traveller.move_to(at(2027, 2, 11, 10, 0))
        assert not Feedback.objects.get(
            pk=fb.pk
        ).is_overdue  # exactly at the agreed time: not yet late
        traveller.move_to(at(2027, 2, 11, 10, 1))
        fb.refresh_from_db()
        assert fb.standing == Standing.PENDING_OVERDUE
        fb = feedback_act(
            feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời."}
        )
    assert timezone.localtime(fb.overdue_since) == at(2027, 2, 11, 10, 0)
    assert fb.standing == Standing.ANSWERED_LATE


def test_art_8_2_lateness_at_a_wrong_agency_is_not_carried_to_the_next(org, make_item):
    with time_machine.travel(at(2026, 11, 30, 8, 0), tick=False) as traveller:
        fb = forward(make_item(), org)
        traveller.move_to(at(2026, 12, 1, 10, 0))  # late at the first agency since 08:00
        fb = feedback_act(
            feedback=fb,
            action=Action.SEND_BACK,
            actor=org["focal"],
            inputs={"note": "Thuộc Sở Xây dựng"},
        )
        assert fb.events.last().data["overdue_since"].startswith("2026-12-01T01:00:00")
        traveller.move_to(at(2026, 12, 1, 10, 30))
        fb = forward(fb, org, "other")
        assert fb.overdue_since is None and fb.standing == Standing.PENDING and not fb.is_overdue
        assert timezone.localtime(fb.due_at) == at(2026, 12, 2, 10, 30)
        [row] = selectors.agency_figures(
            start=at(2026, 11, 1), end=at(2027, 1, 1), agencies=type(org["other"]).objects.all()
        )
    assert row.agency == org["other"] and classes(row) == {Standing.PENDING: 1}


def test_art_8_2_late_item_page_and_public_pages_agree_with_the_figures(client, org, make_item):
    from opendvc.feedback.services import feedback_publish

    with time_machine.travel(at(2026, 11, 30, 8, 0), tick=False) as traveller:
        fb = forward(make_item(consent_publish=True), org)
        traveller.move_to(at(2026, 12, 2, 9, 0))
        client.force_login(org["focal"])
        page = client.get(reverse("feedback:staff_detail", args=[fb.code])).content.decode()
        assert "Trễ hạn (đang chờ xử lý)" in page
        queue = client.get(reverse("feedback:queue") + "?hang-doi=overdue").content.decode()
        assert fb.code in queue
        assert (
            fb.code
            not in client.get(reverse("feedback:queue") + "?hang-doi=due_soon").content.decode()
        )
        fb = feedback_act(
            feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời."}
        )
        track = client.get(reverse("feedback:track", args=[_token(fb)])).content.decode()
        assert "Trả lời trễ hạn" in track
        figures_page = client.get(
            reverse("feedback:staff_figures") + "?tu=2026-11-01&den=2026-12-31"
        ).content.decode()
        qa = feedback_publish(
            feedback=fb, actor=org["focal"], title="Hỏi", question="Câu hỏi", answer="Trả lời"
        )
        public = client.get(reverse("feedback:qa_detail", args=[qa.pk])).content.decode()
    assert "Trả lời trễ hạn" in figures_page
    assert "Trả lời trễ hạn" in public and "02/12/2026" in public
    assert classes(
        selectors.agency_figures(start=at(2026, 11, 1), end=at(2027, 1, 1), now=at(2026, 12, 2, 9))[
            0
        ]
    ) == {Standing.ANSWERED_LATE: 1}


def _token(fb):
    from opendvc.feedback.services import sender_token

    return sender_token(fb)


# --- Art. 8.3: the one reschedule and its limits ----------------------------------------------


def reschedule(fb, org, new_due_at, who="focal"):
    return feedback_act(
        feedback=fb,
        action=Action.RESCHEDULE,
        actor=org[who],
        inputs={"note": "Cần thêm thời gian xác minh", "new_due_at": new_due_at},
    )


MONDAY_8 = at(2026, 11, 30, 8, 0)
REFUSED = {
    # forwarded (and rescheduled) at, new time asked, reason given
    "in-the-past": (MONDAY_8, at(2026, 11, 27, 10, 0), "tương lai"),
    "before-the-current-deadline": (MONDAY_8, at(2026, 11, 30, 14, 0), "sau thời hạn hiện tại"),
    "saturday": (MONDAY_8, at(2026, 12, 5, 9, 0), "giờ làm việc"),
    "lunch-break": (MONDAY_8, at(2026, 12, 2, 12, 0), "giờ làm việc"),
    "evening": (MONDAY_8, at(2026, 12, 2, 18, 0), "giờ làm việc"),
    "new-year-holiday": (at(2026, 12, 30, 9, 0), at(2027, 1, 1, 9, 0), "giờ làm việc"),
    "tet-holiday": (at(2027, 2, 1, 9, 0), at(2027, 2, 8, 9, 0), "giờ làm việc"),
    "compensatory-day": (at(2027, 4, 27, 9, 0), at(2027, 5, 3, 9, 0), "giờ làm việc"),
    # Monday 30/11 08:00 + 10 working days = Monday 14/12 08:00.
    "past-the-bound": (MONDAY_8, at(2026, 12, 14, 9, 0), "10 ngày làm việc"),
    "ten-years-ahead": (MONDAY_8, at(2036, 12, 1, 9, 0), "10 ngày làm việc"),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_art_8_3_reschedule_refuses_a_time_outside_the_rule(case, org, make_item):
    start, new_due, reason = case
    with time_machine.travel(start, tick=False):
        fb = forward(make_item(), org)
        due = fb.due_at
        with pytest.raises(ProblemError) as err:
            reschedule(fb, org, new_due)
    assert err.value.status == 422 and reason in err.value.detail
    fb.refresh_from_db()
    assert fb.rescheduled_at is None and fb.due_at == due


ACCEPTED = {
    "close-of-day": at(2026, 12, 2, 17, 0),
    "morning-opening": at(2026, 12, 3, 7, 30),
    "last-instant-of-the-bound": at(2026, 12, 14, 8, 0),
}


@pytest.mark.parametrize("new_due", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_art_8_3_reschedule_accepts_a_working_time_inside_the_bound(
    new_due, org, make_item, monday
):
    fb = reschedule(forward(make_item(), org), org, new_due)
    assert fb.due_at == new_due and fb.rescheduled_at is not None


def test_art_8_3_reschedule_bound_is_a_setting_counted_from_the_reschedule(
    org, make_item, settings
):
    settings.FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS = 3
    # Escalated on Wednesday 03/02/2027 before Tết; the head reschedules on Thursday 11/02 10:00:
    # 3 working days later is Tuesday 16/02 10:00 (and the head's own deadline is 18/02 09:00, so
    # only a later time than that would be a reschedule — none fits the bound).
    with time_machine.travel(at(2027, 2, 3, 9, 0), tick=False) as traveller:
        fb = forward(make_item(), org)
        fb = feedback_act(feedback=fb, action=Action.ESCALATE, actor=org["focal"])
        traveller.move_to(at(2027, 2, 11, 10, 0))
        with pytest.raises(ProblemError) as err:
            reschedule(fb, org, at(2027, 2, 18, 10, 0), who="head")
    assert "3 ngày làm việc" in err.value.detail and "10:00 16/02/2027" in err.value.detail
    settings.FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS = 10
    with time_machine.travel(at(2027, 2, 11, 10, 0), tick=False):
        fb = reschedule(fb, org, at(2027, 2, 18, 10, 0), who="head")
    assert timezone.localtime(fb.due_at) == at(2027, 2, 18, 10, 0)


def test_art_8_3_sender_is_told_the_new_time(
    org, make_item, monday, django_capture_on_commit_callbacks
):
    fb = forward(make_item(), org)
    with django_capture_on_commit_callbacks(execute=True):
        reschedule(fb, org, at(2026, 12, 4, 15, 30))
    notes = Notification.objects.filter(recipient=org["citizen"], template="feedback_rescheduled")
    assert set(notes.values_list("channel", flat=True)) == {"email", "in_app"}
    assert all("15:30 04/12/2026" in n.body for n in notes)


def test_art_8_3_ten_years_ahead_is_refused_on_the_page(client, org, make_item, monday):
    fb = forward(make_item(), org)
    client.force_login(org["focal"])
    response = client.post(
        reverse("feedback:staff_action", args=[fb.code]),
        {
            "action": "reschedule",
            "version": fb.version,
            "note": "Hẹn lại",
            "new_due_at": "2036-11-30T09:00",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "không được quá 10 ngày làm việc" in page and "08:00 14/12/2026" in page
    fb.refresh_from_db()
    assert fb.rescheduled_at is None and fb.status == State.FORWARDED


def test_art_8_3_ten_years_ahead_is_refused_in_the_api(client, org, make_item, monday):
    from opendvc.api.services import api_token_create

    fb = forward(make_item(), org)
    _token_row, secret = api_token_create(
        owner=org["focal"], name="Ứng dụng", scopes=["read", "feedback:write"]
    )
    response = client.post(
        f"/api/v1/feedback/{fb.code}/actions",
        data={"action": "reschedule", "note": "Hẹn lại", "new_due_at": "2036-11-30T09:00:00+07:00"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "không được quá 10 ngày làm việc" in response.json()["detail"]
    fb.refresh_from_db()
    assert fb.rescheduled_at is None


# --- Art. 7: channels -------------------------------------------------------------------------


def test_art_7_2_citizen_and_business_systems_are_two_channels(org):
    from opendvc.feedback.portal_import import import_records

    report = import_records(
        [
            {
                "MaPAKN": "ND-1",
                "NoiDung": "Hỏi về hộ tịch",
                "HoTen": "Võ Văn C",
                "Email": "c@example.vn",
                "LoaiDoiTuong": "1",
            },
            {
                "MaPAKN": "DN-1",
                "NoiDung": "Thủ tục đầu tư chậm",
                "HoTen": "Công ty TNHH An Phát",
                "Email": "ap@example.vn",
                "LoaiDoiTuong": "2",
            },
            {
                "MaPAKN": "ND-2",
                "NoiDung": "Không ghi loại đối tượng",
                "HoTen": "Lê D",
                "Email": "d@example.vn",
            },
        ]
    )
    assert report.created == 3
    channels = dict(Feedback.objects.values_list("external_id", "channel"))
    assert channels == {
        "dvcqg:ND-1": Channel.CITIZEN_PORTAL,
        "dvcqg:DN-1": Channel.BUSINESS_PORTAL,
        "dvcqg:ND-2": Channel.CITIZEN_PORTAL,
    }
    assert Channel.CITIZEN_PORTAL.label != Channel.BUSINESS_PORTAL.label
    assert {"nguoidan.chinhphu.vn", "doanhnghiep.chinhphu.vn"} <= {
        word for label in Channel.labels for word in str(label).split()
    }


def test_art_7_2_the_former_single_channel_is_split_by_sender(transactional_db):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("feedback", "0004_sender_phone_encrypted")])
    old = executor.loader.project_state([("feedback", "0004_sender_phone_encrypted")]).apps
    Old = old.get_model("feedback", "Feedback")
    for i, name in enumerate(
        [
            "Nguyễn Văn A",
            "Công ty Cổ phần Sonadezi",
            "HTX Nông nghiệp Xuân Lộc",
            "Chi nhánh Ngân hàng X",
            "Trần Thị Công",
        ]
    ):
        Old.objects.create(
            code=f"PA-OLD-{i}",
            channel="national_portal",
            subject="s",
            content="c",
            sender_name=name,
        )
    Old.objects.create(
        code="PA-OLD-web", channel="web", subject="s", content="c", sender_name="Công ty Y"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    channels = dict(Feedback.objects.values_list("code", "channel"))
    assert channels == {
        "PA-OLD-0": "nguoidan",
        "PA-OLD-1": "doanhnghiep",
        "PA-OLD-2": "doanhnghiep",
        "PA-OLD-3": "doanhnghiep",
        "PA-OLD-4": "nguoidan",
        "PA-OLD-web": "web",
    }


def test_art_7_3_agency_staff_register_a_paper_letter_in_their_own_queue(client, org, monday):
    client.force_login(org["focal"])
    url = reverse("feedback:staff_paper_entry")
    page = client.get(url).content.decode()
    assert org["dept"].name in page and org["other"].name not in page
    response = client.post(
        url,
        {
            "agency": org["dept"].pk,
            "kind": "proposal",
            "subject": "Đề nghị mở thêm quầy",
            "content": "Thư tay gửi Sở.",
            "sender_name": "Phan Văn G",
            "sender_address": "12 Hà Huy Giáp, Biên Hòa",
        },
    )
    assert response.status_code == 302
    fb = Feedback.objects.get()
    assert (fb.channel, fb.status, fb.agency, fb.entered_by) == (
        Channel.PAPER,
        State.FORWARDED,
        org["dept"],
        org["focal"],
    )
    # The 8 working hours start when the agency registers the letter (Art. 8.2).
    assert fb.forwarded_at == timezone.now() and timezone.localtime(fb.due_at) == at(
        2026, 12, 1, 8, 0
    )
    assert fb.pk in selectors.queue(user=org["focal"], name="open").values_list("pk", flat=True)
    assert fb.pk not in selectors.queue(user=org["other_focal"], name="open").values_list(
        "pk", flat=True
    )
    assert [e.actor for e in fb.events.all()] == [org["focal"], org["focal"]]


def test_art_7_3_paper_letter_only_for_the_officers_own_agency(client, org, monday):
    from opendvc.feedback.services import feedback_register_paper

    client.force_login(org["other_focal"])
    response = client.post(
        reverse("feedback:staff_paper_entry"),
        {
            "agency": org["dept"].pk,
            "kind": "complaint",
            "subject": "Thư",
            "content": "Nội dung",
            "sender_name": "A",
            "sender_phone": "0912345678",
        },
    )
    assert (
        response.status_code == 422
        and "không vào sổ văn bản cho cơ quan này" in response.content.decode()
    )
    response = client.post(
        reverse("feedback:staff_paper_entry"),
        {
            "agency": org["other"].pk,
            "kind": "complaint",
            "subject": "Thư",
            "content": "Nội dung",
            "sender_name": "A",
        },
    )
    assert (
        response.status_code == 422
        and "Vui lòng nhập địa chỉ, số điện thoại hoặc email" in response.content.decode()
    )
    with pytest.raises(ProblemError) as err:
        feedback_register_paper(
            agency=org["dept"],
            actor=org["switchboard"],
            subject="Thư",
            content="Nội dung",
            sender_name="A",
            sender_address="Biên Hòa",
        )
    assert err.value.status == 403
    assert Feedback.objects.count() == 0
    client.logout()
    client.force_login(org["switchboard"])
    assert client.get(reverse("feedback:staff_paper_entry")).status_code == 403


def test_art_7_1_portal_names_the_regulation_hotline_and_email(client, settings):
    from opendvc.settings import base

    assert (base.PORTAL_HOTLINE, base.PORTAL_EMAIL) == ("0251.1022", "1022@dongnai.gov.vn")
    settings.PORTAL_HOTLINE, settings.PORTAL_EMAIL = base.PORTAL_HOTLINE, base.PORTAL_EMAIL
    for url in (reverse("feedback:submit"), "/"):
        page = client.get(url).content.decode()
        assert 'href="tel:0251.1022"' in page and 'href="mailto:1022@dongnai.gov.vn"' in page, url
    assert "nguoidan.chinhphu.vn" in client.get(reverse("feedback:submit")).content.decode()
    settings.PORTAL_HOTLINE, settings.PORTAL_EMAIL = "0251.3822", "pakn@example.gov.vn"
    page = client.get(reverse("feedback:submit")).content.decode()
    assert (
        'href="tel:0251.3822"' in page and "pakn@example.gov.vn" in page and "0251.1022" not in page
    )
