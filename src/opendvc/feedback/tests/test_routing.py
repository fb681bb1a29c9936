"""Routing and the Art. 8 deadlines: 8 / 48 working hours from each forwarding instant, overdue that
stays, one reschedule, statistics on the original deadline, reopening once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.feedback import selectors
from opendvc.feedback.lifecycle import Action, State
from opendvc.feedback.models import Satisfaction
from opendvc.feedback.services import feedback_act, feedback_mark_overdue
from opendvc.notifications.models import Notification

from .conftest import VN

pytestmark = pytest.mark.django_db


def forward(fb, org, **kw):
    return feedback_act(
        feedback=fb,
        action=Action.FORWARD,
        actor=org["switchboard"],
        inputs={"agency": org["dept"], **kw},
    )


def test_focal_deadline_runs_across_a_weekend_and_new_year(org, make_item):
    # Thursday 31/12/2026 15:00: 2 h that day, Friday 1/1 is a public holiday, then the weekend.
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 0, tzinfo=VN), tick=False):
        fb = forward(make_item(), org)
    assert timezone.localtime(fb.focal_due_at) == dt.datetime(2027, 1, 4, 15, 0, tzinfo=VN)
    assert fb.due_at == fb.original_due_at == fb.focal_due_at


def test_agency_office_hours_are_used(org, make_item, monday):
    org["dept"].office_hours = [["08:00", "12:00"]]
    org["dept"].save()
    fb = forward(make_item(), org)
    # 4 working hours a day: Monday 08:00–12:00, Tuesday 08:00–12:00.
    assert timezone.localtime(fb.focal_due_at) == dt.datetime(2026, 12, 1, 12, 0, tzinfo=VN)


def test_overdue_stays_overdue_after_a_reschedule(org, make_item, monday):
    fb = forward(make_item(), org)
    monday.shift(
        dt.timedelta(days=1, hours=1)
    )  # Tuesday 09:00; 8 working hours ended Tuesday 08:00
    assert fb.pk in selectors.overdue(now=timezone.now()).values_list("pk", flat=True)
    feedback_mark_overdue()
    fb.refresh_from_db()
    assert timezone.localtime(fb.overdue_since) == dt.datetime(2026, 12, 1, 8, 0, tzinfo=VN)
    assert fb.is_overdue and fb.overdue_label == "Trễ hạn (đang chờ xử lý)"
    # Rescheduled afterwards: the mark is never cleared, so the item stays in the overdue queue
    # (Art. 8.2 "tiếp tục hiển thị"), and its answer is late.
    fb = feedback_act(
        feedback=fb,
        action=Action.RESCHEDULE,
        actor=org["focal"],
        inputs={"note": "Cần xác minh", "new_due_at": timezone.now() + dt.timedelta(days=3)},
    )
    assert fb.pk in selectors.overdue(now=timezone.now()).values_list("pk", flat=True)
    assert fb.is_overdue
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời."}
    )
    assert fb.answered_on_time is False
    assert fb.overdue_label == "Trả lời trễ hạn"


def test_reschedule_only_once(org, make_item, monday):
    fb = forward(make_item(), org)
    original = fb.original_due_at
    new_due = timezone.now() + dt.timedelta(days=3)  # Thursday 08:00
    fb = feedback_act(
        feedback=fb,
        action=Action.RESCHEDULE,
        actor=org["focal"],
        inputs={"note": "Hẹn lại với người gửi", "new_due_at": new_due},
    )
    assert fb.due_at == new_due and fb.original_due_at == original and fb.reschedule_reason
    with pytest.raises(ProblemError) as err:
        feedback_act(
            feedback=fb,
            action=Action.RESCHEDULE,
            actor=org["head"],
            inputs={"note": "Lần hai", "new_due_at": new_due + dt.timedelta(days=1)},
        )
    assert err.value.code == "already_rescheduled"
    assert "chỉ được gia hạn một lần" in err.value.detail
    # Escalated after a reschedule: still no second reschedule.
    fb = feedback_act(feedback=fb, action=Action.ESCALATE, actor=org["focal"])
    with pytest.raises(ProblemError):
        feedback_act(
            feedback=fb,
            action=Action.RESCHEDULE,
            actor=org["head"],
            inputs={"note": "Lần hai", "new_due_at": new_due + dt.timedelta(days=7)},
        )
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["head"], inputs={"answer": "Trả lời."}
    )
    assert fb.answered_on_time is True


def test_reschedule_needs_reason_and_a_later_date(org, make_item, monday):
    fb = forward(make_item(), org)
    with pytest.raises(ProblemError) as err:
        feedback_act(
            feedback=fb,
            action=Action.RESCHEDULE,
            actor=org["focal"],
            inputs={"note": "", "new_due_at": timezone.now() + dt.timedelta(days=2)},
        )
    assert err.value.status == 422
    with pytest.raises(ProblemError) as err:
        feedback_act(
            feedback=fb,
            action=Action.RESCHEDULE,
            actor=org["focal"],
            inputs={"note": "Lý do", "new_due_at": timezone.now() - dt.timedelta(hours=1)},
        )
    assert err.value.status == 422
    fb.refresh_from_db()
    assert fb.rescheduled_at is None


def test_head_notified_once_when_focal_deadline_passes(
    org, make_item, monday, django_capture_on_commit_callbacks
):
    fb = forward(make_item(), org)
    assert timezone.localtime(fb.focal_due_at) == dt.datetime(2026, 12, 1, 8, 0, tzinfo=VN)
    monday.shift(dt.timedelta(hours=23, minutes=30))  # Tuesday 07:30: not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert feedback_mark_overdue() == 0
    monday.shift(dt.timedelta(hours=1))  # Tuesday 08:30
    with django_capture_on_commit_callbacks(execute=True):
        assert feedback_mark_overdue() == 1
        assert feedback_mark_overdue() == 0
    notes = Notification.objects.filter(recipient=org["head"], template="feedback_focal_overdue")
    assert notes.count() == 2  # email + in-app, once
    fb.refresh_from_db()
    assert fb.head_notified_at is not None


def test_reopen_once_within_the_window(org, make_item, monday, settings):
    settings.FEEDBACK_REOPEN_DAYS = 3
    fb = forward(make_item(), org)
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời 1"}
    )
    fb = feedback_act(
        feedback=fb, action=Action.REOPEN, actor=org["citizen"], inputs={"note": "Chưa rõ"}
    )
    assert fb.status == State.FORWARDED and fb.satisfaction == Satisfaction.NOT_SATISFIED
    assert fb.focal_due_at > timezone.now() and fb.answer == ""
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời 2"}
    )
    with pytest.raises(ProblemError) as err:
        feedback_act(feedback=fb, action=Action.REOPEN, actor=org["citizen"])
    assert err.value.code == "reopen_not_allowed"
    fb = feedback_act(feedback=fb, action=Action.MARK_NOT_SATISFIED, actor=org["citizen"])
    assert fb.status == State.CLOSED


def test_reopen_refused_after_the_window(org, make_item, monday, settings):
    settings.FEEDBACK_REOPEN_DAYS = 3
    fb = forward(make_item(), org)
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời"}
    )
    monday.shift(dt.timedelta(days=4))
    with pytest.raises(ProblemError) as err:
        feedback_act(feedback=fb, action=Action.REOPEN, actor=org["citizen"])
    assert err.value.code == "reopen_not_allowed"


def test_send_back_and_forward_to_another_agency_restarts_the_clock(org, make_item, monday):
    fb = forward(make_item(), org)
    fb = feedback_act(
        feedback=fb,
        action=Action.SEND_BACK,
        actor=org["focal"],
        inputs={"note": "Thuộc Sở Xây dựng"},
    )
    assert fb.agency is None and fb.due_at is None
    monday.shift(dt.timedelta(hours=1))
    fb = feedback_act(
        feedback=fb,
        action=Action.FORWARD,
        actor=org["switchboard"],
        inputs={"agency": org["other"]},
    )
    assert timezone.localtime(fb.focal_due_at) == dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN)


def test_withdrawal_keeps_its_instant_filled_from_the_history_for_older_items(org, make_item):
    """A report as of an earlier cut-off needs the instant of the withdrawal (``withdrawn_at``); the
    migration that added it reads it from the history of items withdrawn before, and leaves it empty
    where the history holds no withdrawal."""
    import importlib

    from django.apps import apps

    from opendvc.feedback.models import Feedback

    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=VN), tick=False) as clock:
        at_agency = forward(make_item(), org)
        waiting = make_item()
        clock.shift(dt.timedelta(hours=3))
        for fb in (at_agency, waiting):
            fb = feedback_act(feedback=fb, action=Action.WITHDRAW, actor=org["citizen"])
            assert fb.status == State.WITHDRAWN and fb.withdrawn_at == timezone.now()
    imported = Feedback.objects.create(
        channel="web", subject="Nhập từ hệ thống cũ", content="…", status=State.WITHDRAWN
    )
    Feedback.objects.update(withdrawn_at=None)
    migration = importlib.import_module(
        "opendvc.feedback.migrations.0007_kept_instants_for_reports"
    )
    migration.fill_withdrawn_at(apps, None)
    kept = dict(Feedback.objects.values_list("pk", "withdrawn_at"))
    noon = dt.datetime(2026, 11, 30, 12, 0, tzinfo=VN)
    assert kept == {at_agency.pk: noon, waiting.pk: noon, imported.pk: None}
