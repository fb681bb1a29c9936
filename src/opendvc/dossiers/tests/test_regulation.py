"""The dossier rules exactly as the law states them; each test is named after the article it enforces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from opendvc.dossiers import processing, selectors, services
from opendvc.dossiers.models import Dossier
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
        d = services.dossier_transition(dossier=d, action="receive", actor=officer)
        d = services.dossier_transition(dossier=d, action="start_processing", actor=officer)
    assert d.due_at == datetime(2026, 3, 13, 16, 0, tzinfo=VN_TZ)  # three working days
    friday_0630 = datetime(2026, 3, 13, 6, 30, tzinfo=VN_TZ)  # Thursday 23:30 in UTC
    step = StepRun.objects.get(dossier=d, left_at__isnull=True)
    StepRun.objects.filter(pk=step.pk).update(due_at=d.due_at)
    with time_machine.travel(friday_0630, tick=False):
        d = services.dossier_transition(
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
