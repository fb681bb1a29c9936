"""An action recorded after it took place (``feedback_act(at=…)``, the demo data's history): the
deadlines count from that instant on the working calendar, the history entry carries it, the audit
entry keeps when it was written; an instant in the future or before the item's receipt is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from opendvc.audit.models import AuditEntry
from opendvc.feedback.lifecycle import Action, State
from opendvc.feedback.services import feedback_act
from opendvc.feedback.timing import Standing

from .conftest import MONDAY


def test_a_forwarding_recorded_later_counts_its_deadline_from_when_it_took_place(org, make_item):
    with time_machine.travel(MONDAY, tick=False):
        item = make_item(created_at=MONDAY)
    # Recorded on Wednesday morning, the forwarding took place on Monday at 08:00.
    with time_machine.travel(MONDAY + dt.timedelta(days=2, hours=1), tick=False):
        item = feedback_act(
            feedback=item,
            action=Action.FORWARD,
            actor=org["switchboard"],
            inputs={"agency": org["dept"]},
            at=MONDAY,
        )
        assert item.forwarded_at == MONDAY
        # 8 working hours from Monday 08:00: Tuesday 08:00 (office hours 07:30–11:30, 13:00–17:00).
        assert item.focal_due_at == MONDAY + dt.timedelta(days=1)
        assert item.standing == Standing.PENDING_OVERDUE
        event = item.events.get(action=Action.FORWARD)
        assert event.created_at == MONDAY
        assert item.events.get(action="create").created_at == MONDAY
        entry = AuditEntry.objects.filter(action="feedback.forward").latest("pk")
        assert entry.created_at > MONDAY + dt.timedelta(days=2)


def test_an_action_cannot_be_recorded_in_the_future_or_before_the_receipt(org, make_item):
    with time_machine.travel(MONDAY, tick=False):
        item = make_item()
        for at in (MONDAY + dt.timedelta(minutes=1), MONDAY - dt.timedelta(days=1)):
            with pytest.raises(ValueError):
                feedback_act(
                    feedback=item,
                    action=Action.FORWARD,
                    actor=org["switchboard"],
                    inputs={"agency": org["dept"]},
                    at=at,
                )
        item.refresh_from_db()
        assert item.status == State.RECEIVED
        assert not item.events.filter(action=Action.FORWARD).exists()
