"""Property tests of the one definition of late (Regulation Art. 8.2–8.3, ``feedback.timing``): over
random timelines — forwarding instant, escalation or not, a reschedule or not, an answer or none,
the periodic job at random moments, and a random "now" — every forwarded item falls in exactly one
class, the class is the one the rule gives, and the queues, the item page and the figures agree."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendvc.accounts.tests.factories import AgencyFactory, UserFactory
from opendvc.core.problems import ProblemError
from opendvc.feedback import selectors
from opendvc.feedback.lifecycle import Action, State
from opendvc.feedback.models import Channel, Feedback
from opendvc.feedback.services import feedback_act, feedback_create, feedback_mark_overdue
from opendvc.feedback.timing import Standing, standing, standing_q
from opendvc.worktime import add_working_time, calendar_for_agency

from .conftest import VN

pytestmark = pytest.mark.django_db

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["escalate", "reschedule", "answer", "sweep"]),
        st.integers(min_value=0, max_value=5 * 24 * 60),  # minutes after the previous step
        st.integers(min_value=1, max_value=80),
    ),  # working hours ahead, for a reschedule
    max_size=4,
)
TIMELINE = st.tuples(
    st.datetimes(min_value=dt.datetime(2026, 12, 1), max_value=dt.datetime(2027, 11, 30)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=VN)
    ),
    STEPS,
)
LABELS = {
    Standing.PENDING: "",
    Standing.ANSWERED_ON_TIME: "",
    Standing.PENDING_OVERDUE: "Trễ hạn (đang chờ xử lý)",
    Standing.ANSWERED_LATE: "Trả lời trễ hạn",
}


def hours(start: dt.datetime, n: int, agency) -> dt.datetime:
    return add_working_time(start, n, "working_hours", calendar=calendar_for_agency(agency))


def run(timeline, agency, actor) -> tuple[Feedback, dict]:
    """Play one timeline through the services; return the item and what the rule says about it:
    the binding deadline and whether it passed unanswered, worked out here step by step."""
    start, steps = timeline
    with time_machine.travel(start, tick=False):
        fb = feedback_create(
            channel=Channel.WEB,
            subject="Phản ánh",
            content="Nội dung",
            sender_name="Người gửi",
            sender_email="nguoigui@example.vn",
        )
        fb = feedback_act(
            feedback=fb, action=Action.FORWARD, actor=actor, inputs={"agency": agency}
        )
    oracle = {
        "binding": hours(start, 8, agency),
        "head": hours(start, 48, agency),
        "late": False,
        "rescheduled": False,
        "answered": False,
        "t": start,
    }
    for action, minutes, ahead in steps:
        t = oracle["t"] + dt.timedelta(minutes=minutes)
        oracle["t"] = t
        waiting = not oracle["answered"]
        if waiting and t > oracle["binding"]:
            oracle["late"] = True
        with time_machine.travel(t, tick=False):
            if action == "sweep":
                feedback_mark_overdue()
            elif not waiting:
                continue
            elif action == "escalate" and fb.status == State.FORWARDED:
                fb = feedback_act(feedback=fb, action=Action.ESCALATE, actor=actor)
                oracle["binding"] = (
                    max(oracle["head"], oracle["binding"])
                    if oracle["rescheduled"]
                    else oracle["head"]
                )
            elif action == "reschedule" and not oracle["rescheduled"]:
                new_due = hours(t, ahead, agency)
                try:
                    fb = feedback_act(
                        feedback=fb,
                        action=Action.RESCHEDULE,
                        actor=actor,
                        inputs={"note": "Hẹn lại", "new_due_at": new_due},
                    )
                except ProblemError as exc:
                    # Only refused when it would not move the deadline later (Art. 8.3 checks).
                    assert exc.status == 422 and new_due <= oracle["binding"]
                else:
                    oracle["binding"], oracle["rescheduled"] = new_due, True
            elif action == "answer":
                fb = feedback_act(
                    feedback=fb, action=Action.ANSWER, actor=actor, inputs={"answer": "Trả lời"}
                )
                oracle["answered"] = True
    return fb, oracle


def expected(oracle, now) -> Standing:
    if oracle["answered"]:
        return Standing.ANSWERED_LATE if oracle["late"] else Standing.ANSWERED_ON_TIME
    late = oracle["late"] or now > oracle["binding"]
    return Standing.PENDING_OVERDUE if late else Standing.PENDING


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    timelines=st.lists(TIMELINE, min_size=1, max_size=3),
    wait=st.integers(min_value=0, max_value=12 * 24 * 60),
)
def test_art_8_every_item_is_in_exactly_one_class_and_every_reader_agrees(org, timelines, wait):
    actor = UserFactory(is_superuser=True, is_staff=True)
    agency = AgencyFactory(parent=org["province"], tier=org["province"].tier)
    played = [run(t, agency, actor) for t in timelines]
    now = max(o["t"] for _fb, o in played) + dt.timedelta(minutes=wait)
    want = {}
    for fb, oracle in played:
        fb.refresh_from_db()
        want[fb.pk] = expected(oracle, now)
        # The Python rule and each database filter give the same single class.
        assert standing(fb, now) == want[fb.pk]
        matching = [
            s
            for s in Standing
            if Feedback.objects.filter(pk=fb.pk).filter(standing_q(s, now)).exists()
        ]
        assert matching == [want[fb.pk]]
        with time_machine.travel(now, tick=False):
            # The item page (staff and sender) and the API read the same properties.
            assert fb.overdue_label == LABELS[want[fb.pk]]
            assert fb.is_overdue == (
                want[fb.pk] in (Standing.PENDING_OVERDUE, Standing.ANSWERED_LATE)
            )

    def queue(name):
        return set(
            selectors.queue(user=actor, name=name, now=now, agency_id=agency.pk).values_list(
                "pk", flat=True
            )
        )

    by_class = {s: {pk for pk, c in want.items() if c == s} for s in Standing}
    assert queue("overdue") == by_class[Standing.PENDING_OVERDUE]
    assert queue("open") == by_class[Standing.PENDING] | by_class[Standing.PENDING_OVERDUE]
    assert queue("due_soon") <= by_class[Standing.PENDING]
    assert (
        queue("answered") == by_class[Standing.ANSWERED_ON_TIME] | by_class[Standing.ANSWERED_LATE]
    )

    [row] = selectors.agency_figures(
        start=dt.datetime(2026, 1, 1, tzinfo=VN),
        end=dt.datetime(2029, 1, 1, tzinfo=VN),
        agencies=type(agency).objects.filter(pk=agency.pk),
        now=now,
    )
    counts = Counter(want.values())
    assert {s: getattr(row, s.value) for s in Standing} == {s: counts.get(s, 0) for s in Standing}
    assert row.received == len(played)
    assert row.answered_on_time + row.answered_late == row.answered
    assert row.overdue == counts[Standing.PENDING_OVERDUE] + counts[Standing.ANSWERED_LATE]

    # The periodic job, run at "now", records what is late and changes no class.
    with time_machine.travel(now, tick=False):
        feedback_mark_overdue(now=now)
    for pk, cls in want.items():
        assert standing(Feedback.objects.get(pk=pk), now) == cls
