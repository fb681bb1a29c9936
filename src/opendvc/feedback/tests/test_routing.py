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


def reschedule(fb, actor, *, days=3, note="Hẹn lại với người gửi"):
    return feedback_act(
        feedback=fb,
        action=Action.RESCHEDULE,
        actor=actor,
        inputs={"note": note, "new_due_at": timezone.now() + dt.timedelta(days=days)},
    )


def send_back(fb, org):
    return feedback_act(
        feedback=fb, action=Action.SEND_BACK, actor=org["head"], inputs={"note": "Sai cơ quan"}
    )


@pytest.mark.parametrize("agency", ["dept", "other"])
def test_a_send_back_ends_the_reschedule_of_that_forwarding(org, make_item, monday, agency):
    """Regulation Art. 8.3: one reschedule per forwarding. The head reschedules, sends the item back
    to the switchboard (wrong agency) and it is forwarded again: the new forwarding starts with fresh
    deadlines and no reschedule (no "Đã gia hạn", not in that queue, its own reschedule allowed); the
    ended forwarding keeps the one it had."""
    from opendvc.feedback.services import available_actions

    fb = reschedule(forward(make_item(), org), org["head"], note="Cần xác minh")
    agreed = fb.rescheduled_at
    fb = send_back(fb, org)
    assert (fb.rescheduled_at, fb.reschedule_reason) == (None, "")
    assert fb.rounds.get().rescheduled_at == agreed
    monday.shift(dt.timedelta(hours=1))
    fb = feedback_act(
        feedback=fb,
        action=Action.FORWARD,
        actor=org["switchboard"],
        inputs={"agency": org[agency]},
    )
    assert fb.rescheduled_at is None and fb.due_at == fb.original_due_at == fb.focal_due_at
    assert fb.pk not in selectors.queue(user=org["switchboard"], name="rescheduled").values_list(
        "pk", flat=True
    )
    officer = org["focal"] if agency == "dept" else org["other_focal"]
    assert Action.RESCHEDULE in available_actions(feedback=fb, actor=officer)
    fb = reschedule(fb, officer, days=4, note="Hẹn lại lần này")
    assert fb.reschedule_reason == "Hẹn lại lần này" and fb.rescheduled_at == timezone.now()


def test_a_reopening_gives_the_new_forwarding_its_own_reschedule(org, make_item, monday):
    """A reopened item is a new forwarding at the same agency with fresh deadlines: the time agreed
    with the sender for the first answer no longer binds, so it is not shown as the appointment and
    the agency may agree a new one, once (Art. 8.3); the ended forwarding keeps its reschedule."""
    fb = reschedule(forward(make_item(), org), org["focal"])
    agreed = fb.rescheduled_at
    monday.shift(dt.timedelta(hours=2))
    fb = feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời 1"}
    )
    fb = feedback_act(
        feedback=fb, action=Action.REOPEN, actor=org["citizen"], inputs={"note": "Chưa rõ"}
    )
    assert (fb.rescheduled_at, fb.reschedule_reason) == (None, "")
    assert fb.due_at == fb.focal_due_at and fb.rounds.get().rescheduled_at == agreed
    fb = reschedule(fb, org["focal"], note="Hẹn lại sau khi xem xét lại")
    with pytest.raises(ProblemError) as err:
        reschedule(fb, org["head"], days=5)
    assert err.value.code == "already_rescheduled"


def test_the_reschedule_figure_counts_the_forwarding_that_held_the_item(org, make_item, monday):
    """The figure "Hẹn lại thời gian trả lời" as of a cut-off counts the reschedule of the forwarding
    that held the item then: at the first agency while it held it, even after the send-back; not at
    the agency it went to next, which did not reschedule."""
    from opendvc.reports.figures import Window, feedback_table

    fb = reschedule(forward(make_item(), org), org["focal"])  # Monday 08:00
    period = dt.datetime(2026, 11, 1, tzinfo=VN)
    monday_noon = Window(start=period, cutoff=timezone.now() + dt.timedelta(hours=4))

    def rescheduled(window):
        table = feedback_table(window=window)
        return {row["key"]: row["fb_rescheduled"] for row in table.rows if row["fb_rescheduled"]}

    assert rescheduled(monday_noon) == {org["dept"].pk: 1}
    monday.shift(dt.timedelta(days=1, hours=2))  # Tuesday 10:00
    fb = send_back(fb, org)
    monday.shift(dt.timedelta(hours=1))
    feedback_act(
        feedback=fb,
        action=Action.FORWARD,
        actor=org["switchboard"],
        inputs={"agency": org["other"]},
    )
    monday.shift(dt.timedelta(hours=1))
    assert rescheduled(monday_noon) == {org["dept"].pk: 1}
    assert rescheduled(Window(start=period, cutoff=timezone.now())) == {}


def test_the_migration_moves_an_ended_reschedule_off_the_item(org, make_item, monday):
    """Items sent back or reopened before the ended forwarding kept its reschedule: the migration
    gives each ended forwarding the reschedule its history shows and takes off the item one that
    belongs to a forwarding since ended; a reschedule of the current forwarding stays."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from opendvc.core.append_only import trigger_sql
    from opendvc.feedback.models import Feedback, FeedbackRound

    moved = reschedule(forward(make_item(), org), org["focal"], note="Lần trước")
    earlier = moved.rescheduled_at
    monday.shift(dt.timedelta(hours=1))
    moved = send_back(moved, org)
    moved = feedback_act(
        feedback=moved,
        action=Action.FORWARD,
        actor=org["switchboard"],
        inputs={"agency": org["other"]},
    )
    kept = send_back(forward(make_item(), org), org)
    kept = reschedule(forward(kept, org), org["focal"], note="Lần này")
    class Editor:
        """What the migration uses of its schema editor: the connection and ``execute``."""

        def __init__(self):
            self.connection = connection

        def execute(self, sql, params=None):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    editor = Editor()
    table = FeedbackRound._meta.db_table
    up, down = trigger_sql(table)
    # As they stood before: the ended forwardings without their reschedule, the item with it (the
    # append-only trigger of PostgreSQL lifted for that, as the migration itself does).
    if connection.vendor == "postgresql":
        editor.execute(down)
    editor.execute(f"UPDATE {table} SET rescheduled_at = NULL")
    if connection.vendor == "postgresql":
        editor.execute(up)
    Feedback.objects.filter(pk=moved.pk).update(
        rescheduled_at=earlier, reschedule_reason="Lần trước"
    )
    name = "0009_round_keeps_its_reschedule"
    migration = importlib.import_module(f"opendvc.feedback.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state(("feedback", name))
    migration.fill_reschedules(state.apps, editor)
    migration.fill_reschedules(state.apps, editor)  # once only
    moved.refresh_from_db()
    kept.refresh_from_db()
    assert (moved.rescheduled_at, moved.reschedule_reason) == (None, "")
    assert moved.rounds.get().rescheduled_at == earlier
    assert kept.rescheduled_at == timezone.now() and kept.reschedule_reason == "Lần này"
    assert kept.rounds.get().rescheduled_at is None
