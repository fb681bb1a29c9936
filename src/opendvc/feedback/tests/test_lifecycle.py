"""Walk the whole transition table: every allowed change succeeds, every other one is refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from opendvc.audit.models import AuditEntry
from opendvc.core.problems import ProblemError
from opendvc.feedback.lifecycle import Action, Role, State
from opendvc.feedback.models import FeedbackEvent
from opendvc.feedback.services import TABLE as ACTIONS
from opendvc.feedback.services import feedback_act


@dataclass(frozen=True)
class Transition:
    """One (state, action) of a row of the action table."""

    state: str
    action: str
    roles: frozenset[str]
    next_state: str


TABLE = [
    Transition(state, s.action, s.roles, s.next_state)
    for s in ACTIONS
    for state in sorted(s.from_states)
]

pytestmark = pytest.mark.django_db

ROLE_ACTOR = {
    Role.SWITCHBOARD: "switchboard",
    Role.FOCAL: "focal",
    Role.HEAD: "head",
    Role.SENDER: "citizen",
}


def inputs_for(action, org):
    return {
        Action.FORWARD: {"agency": org["dept"]},
        Action.REJECT: {"note": "Nội dung quấy rối"},
        Action.SEND_BACK: {"note": "Không thuộc thẩm quyền"},
        Action.ESCALATE: {"note": "Cần thủ trưởng cho ý kiến"},
        # Wednesday of the next week, 08:00: after either stage's deadline, inside the Art. 8.3 bound.
        Action.RESCHEDULE: {
            "note": "Cần xác minh thực tế",
            "new_due_at": timezone.now() + dt.timedelta(days=9),
        },
        Action.ANSWER: {"answer": "Cơ quan đã kiểm tra và trả lời như sau."},
        Action.REOPEN: {"note": "Câu trả lời chưa thỏa đáng"},
    }.get(action, {})


def bring_to(state, org, make_item):
    fb = make_item()
    path = {
        State.RECEIVED: [],
        State.FORWARDED: [(Action.FORWARD, "switchboard")],
        State.ESCALATED: [(Action.FORWARD, "switchboard"), (Action.ESCALATE, "focal")],
        State.ANSWERED: [(Action.FORWARD, "switchboard"), (Action.ANSWER, "focal")],
        State.CLOSED: [
            (Action.FORWARD, "switchboard"),
            (Action.ANSWER, "focal"),
            (Action.MARK_NOT_SATISFIED, "citizen"),
        ],
        State.REJECTED: [(Action.REJECT, "switchboard")],
        State.WITHDRAWN: [(Action.WITHDRAW, "citizen")],
    }[state]
    for action, who in path:
        fb = feedback_act(
            feedback=fb, action=action, actor=org[who], inputs=inputs_for(action, org)
        )
    assert fb.status == state
    return fb


@pytest.mark.parametrize("t", TABLE, ids=lambda t: f"{t.state}-{t.action}")
def test_every_allowed_transition(t, org, make_item, monday):
    fb = bring_to(t.state, org, make_item)
    events = FeedbackEvent.objects.filter(feedback=fb).count()
    role = sorted(t.roles - {Role.SYSTEM})[0]
    done = feedback_act(
        feedback=fb, action=t.action, actor=org[ROLE_ACTOR[role]], inputs=inputs_for(t.action, org)
    )
    assert done.status == t.next_state
    assert FeedbackEvent.objects.filter(feedback=fb).count() == events + 1
    last = FeedbackEvent.objects.filter(feedback=fb).last()
    assert (last.action, last.from_status, last.to_status) == (t.action, t.state, t.next_state)
    assert AuditEntry.objects.filter(
        action=f"feedback.{t.action}", target_id=str(fb.public_id)
    ).exists()


ALLOWED = {(t.state, t.action) for t in TABLE}


@pytest.mark.parametrize("state", State.values)
def test_every_other_action_is_refused(state, org, make_item, monday):
    fb = bring_to(state, org, make_item)
    for action in Action.values:
        if (state, action) in ALLOWED:
            continue
        with pytest.raises(ProblemError) as err:
            feedback_act(
                feedback=fb, action=action, actor=org["head"], inputs=inputs_for(action, org)
            )
        assert err.value.code == "conflict"
        assert err.value.status == 409
    fb.refresh_from_db()
    assert fb.status == state


@pytest.mark.parametrize("t", TABLE, ids=lambda t: f"{t.state}-{t.action}")
def test_roles_outside_the_row_are_refused(t, org, make_item, monday):
    fb = bring_to(t.state, org, make_item)
    outsiders = [who for role, who in ROLE_ACTOR.items() if role not in t.roles] + ["other_focal"]
    for who in outsiders:
        with pytest.raises(ProblemError) as err:
            feedback_act(
                feedback=fb, action=t.action, actor=org[who], inputs=inputs_for(t.action, org)
            )
        assert err.value.status == 403, who
    fb.refresh_from_db()
    assert fb.status == t.state


def test_history_is_append_only(org, make_item):
    fb = make_item()
    event = fb.events.get()
    event.note = "sửa lịch sử"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


REQUIRED = [(state, s) for s in ACTIONS if s.required for state in sorted(s.from_states)]


@pytest.mark.parametrize("state,spec", REQUIRED, ids=[f"{st}-{s.action}" for st, s in REQUIRED])
def test_the_required_column_is_enforced(state, spec, org, make_item, monday):
    fb = bring_to(state, org, make_item)
    role = sorted(spec.roles - {Role.SYSTEM})[0]
    with pytest.raises(ProblemError) as err:
        feedback_act(feedback=fb, action=spec.action, actor=org[ROLE_ACTOR[role]], inputs={})
    assert (err.value.code, err.value.status) == ("validation_error", 422)
    assert {e["path"] for e in err.value.extra["errors"]} == set(spec.required)
    # The dossiers' error items: each problem as {path, message}.
    assert all(set(e) == {"path", "message"} and e["message"] for e in err.value.extra["errors"])
    fb.refresh_from_db()
    assert fb.status == state
