"""Late feedback in the reports agrees with the feedback app's own verdict (``feedback.timing``), in the
numbers and in the lists behind them, live and as of an earlier cut-off.

Items are driven through the feedback service over two working weeks (30/11–9/12/2026, no holiday):
answered by the focal officer before and after the 8 hours and exactly at the deadline, escalated
before and after it, rescheduled once and answered in time or late, rescheduled then escalated, still
open within time or past the deadline with the lateness not yet recorded by the periodic job. At every
check the feedback app's verdict (``timing.standing`` at that instant) is noted; the report's figures
and lists are compared with it then (cut-off "now") and again after everything has moved on (cut-off
the end of each day, ``as_of``). Then items withdrawn, sent back and reopened after a day's end: the
report as of that day stays what it was at its end.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.urls import reverse

from opendvc.feedback.lifecycle import Action
from opendvc.feedback.models import Feedback, FeedbackRound
from opendvc.feedback.selectors import agency_figures
from opendvc.feedback.services import feedback_act, feedback_mark_overdue
from opendvc.feedback.tests.conftest import make_item, org  # noqa: F401 - fixtures
from opendvc.feedback.timing import Standing, standing
from opendvc.reports import figures as F
from opendvc.reports.periods import period_of
from opendvc.reports.selectors import (
    drilldown_feedback,
    longest_overdue_feedback,
    period_figures,
)
from opendvc.worktime import VN_TZ

pytestmark = pytest.mark.django_db

Q4 = "2026-Q4"  # calendar quarter: 1/10–31/12/2026, open while the items move


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN_TZ)


def _forward(actors, fb):
    return feedback_act(
        feedback=fb,
        action=Action.FORWARD,
        actor=actors["switchboard"],
        inputs={"agency": actors["dept"]},
    )


def _answer(actors, who):
    def step(fb):
        return feedback_act(
            feedback=fb, action=Action.ANSWER, actor=actors[who], inputs={"answer": "Trả lời."}
        )

    return step


def _escalate(actors):
    return lambda fb: feedback_act(feedback=fb, action=Action.ESCALATE, actor=actors["focal"])


def _reschedule(actors, new_due):
    return lambda fb: feedback_act(
        feedback=fb,
        action=Action.RESCHEDULE,
        actor=actors["focal"],
        inputs={"note": "Cần xác minh thêm", "new_due_at": new_due},
    )


def _script(actors) -> list[tuple[dt.datetime, str, object]]:
    """(instant, item, step): the items' stories, read in order of time."""
    fwd = lambda fb: _forward(actors, fb)  # noqa: E731
    stories = {
        # Answered by the focal officer within the 8 hours (due Tue 08:00).
        "A": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 11, 30, 14, 0), _answer(actors, "focal"))],
        # Answered by the focal officer after them: late since Tue 08:00, recorded by the answer.
        "B": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 12, 1, 10, 0), _answer(actors, "focal"))],
        # Escalated in time, answered by the head within the 48 hours.
        "C": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 11, 30, 15, 0), _escalate(actors)),
            (at(2026, 12, 2, 9, 0), _answer(actors, "head")),
        ],
        # Escalated after the 8 hours (late since Tue 08:00), answered by the head: still late.
        "D": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 12, 1, 10, 0), _escalate(actors)),
            (at(2026, 12, 2, 9, 0), _answer(actors, "head")),
        ],
        # Rescheduled once before the deadline, answered before the agreed time.
        "E": [
            (at(2026, 11, 30, 14, 0), fwd),
            (at(2026, 12, 1, 9, 0), _reschedule(actors, at(2026, 12, 3, 16, 0))),
            (at(2026, 12, 3, 15, 0), _answer(actors, "focal")),
        ],
        # Rescheduled, the agreed time (Wed 10:00) passes; the periodic job records it on Thursday
        # morning only; answered late afterwards.
        "F": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 11, 30, 10, 0), _reschedule(actors, at(2026, 12, 2, 10, 0))),
            (at(2026, 12, 3, 9, 0), _answer(actors, "focal")),
        ],
        # Forwarded after the last run of the periodic job: past its deadline (Wed 13:00) and never
        # recorded.
        "G": [(at(2026, 12, 8, 13, 0), fwd)],
        # Forwarded on Friday, open within time until Monday 09:00, then late (recorded Tue noon).
        "H": [(at(2026, 12, 4, 9, 0), fwd)],
        # Escalated at once; the head's 48 hours end Tue 8/12 08:00 unanswered.
        "I": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 11, 30, 9, 0), _escalate(actors))],
        # Rescheduled to Thursday, then escalated: the head's deadline (later) binds; answered in time.
        "J": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 11, 30, 9, 0), _reschedule(actors, at(2026, 12, 3, 16, 0))),
            (at(2026, 12, 1, 9, 0), _escalate(actors)),
            (at(2026, 12, 7, 10, 0), _answer(actors, "head")),
        ],
        # Answered exactly at the deadline (Tue 08:00): on time.
        "K": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 12, 1, 8, 0), _answer(actors, "focal"))],
    }
    script = [(when, code, step) for code, steps in stories.items() for when, step in steps]
    for when in (at(2026, 12, 3, 8, 30), at(2026, 12, 8, 12, 0)):
        script.append((when, "", "job"))
    return script


LIVE_CHECKS = [
    at(2026, 11, 30, 12, 0),
    at(2026, 12, 1, 8, 0),  # B, D, K at their deadline: not late yet
    at(2026, 12, 1, 9, 0),  # B and D late, not recorded
    at(2026, 12, 2, 11, 0),  # F late, not recorded
    at(2026, 12, 3, 10, 0),
    at(2026, 12, 4, 10, 0),
    at(2026, 12, 7, 11, 0),  # H late, not recorded
    at(2026, 12, 8, 9, 0),  # I late, not recorded
    at(2026, 12, 9, 14, 0),  # G late, not recorded
]
DAYS = [dt.date(2026, 11, 30) + dt.timedelta(days=n) for n in range(10)]
END = at(2026, 12, 10, 10, 0)


def _verdict(now: dt.datetime) -> dict[str, tuple[str, dt.datetime | None]]:
    """What the feedback app says of each item at ``now``: the figure it belongs to and the instant it
    became late (``None`` when on time)."""
    out = {}
    for fb in Feedback.objects.exclude(code=None):
        s = standing(fb, now)
        if s is None:
            continue
        on_time = "fb_answered_head" if fb.escalated_at else "fb_answered_focal"
        name = {
            Standing.PENDING: "fb_open",
            Standing.PENDING_OVERDUE: "fb_overdue",
            Standing.ANSWERED_LATE: "fb_answered_late",
            Standing.ANSWERED_ON_TIME: on_time,
        }[s]
        late = s in (Standing.PENDING_OVERDUE, Standing.ANSWERED_LATE)
        out[fb.code] = (name, (fb.overdue_since or fb.due_at) if late else None)
    return out


def _compare(verdict, *, as_of: str | None, label: str):
    """The figures as of the cut-off, the lists behind them and the verdict noted at that instant."""
    period = period_of(Q4)
    totals = period_figures(period=period, as_of=as_of)["feedback"]["total"]
    forwarded = set(verdict)
    for name in F.FEEDBACK_FIGURES:
        rows = list(drilldown_feedback(name=name, period=period, as_of=as_of))
        assert totals[name] == len(rows), (label, name)
        for row in rows:
            # Every list shows when an item became late as the figures count it at the cut-off.
            assert row.late_since == verdict[row.code][1], (label, name, row.code)
        listed = {row.code for row in rows}
        if name == "fb_received":
            assert listed == forwarded, label
        elif name != "fb_rescheduled":
            assert listed == {c for c, (n, _since) in verdict.items() if n == name}, (label, name)


def _compare_live(verdict, now, label):
    _compare(verdict, as_of=None, label=label)
    longest = {f.code: f.late_since for f in longest_overdue_feedback(now=now)}
    assert longest == {c: since for c, (n, since) in verdict.items() if n == "fb_overdue"}, label
    # The feedback app's own per-agency figures at the same instant.
    totals = period_figures(period=period_of(Q4))["feedback"]["total"]
    rows = agency_figures(start=at(2026, 10, 1), end=now, now=now)
    own = {
        "fb_open": sum(r.pending for r in rows),
        "fb_overdue": sum(r.pending_overdue for r in rows),
        "fb_answered_late": sum(r.answered_late for r in rows),
        "answered_on_time": sum(r.answered_on_time for r in rows),
    }
    assert own == {
        "fb_open": totals["fb_open"],
        "fb_overdue": totals["fb_overdue"],
        "fb_answered_late": totals["fb_answered_late"],
        "answered_on_time": totals["fb_answered_focal"] + totals["fb_answered_head"],
    }, label


def test_late_feedback_in_figures_and_lists_agrees_with_the_feedback_app(
    org,  # noqa: F811
    make_item,  # noqa: F811
    calendar_quarters,
):
    with time_machine.travel(at(2026, 11, 30, 7, 0), tick=False):
        items = {code: make_item(subject=f"Phản ánh {code}") for code in "ABCDEFGHIJK"}
        for code, fb in items.items():
            Feedback.objects.filter(pk=fb.pk).update(code=code)
            fb.code = code
    # A cut-off is exclusive: a check at an instant sees what happened before it, so it comes first.
    events = [(when, 1, code, step) for when, code, step in _script(org)]
    events += [(when, 0, "", "live") for when in LIVE_CHECKS]
    # The end of a day: the next midnight, the cut-off of ``as_of`` that day.
    ends = {
        d: dt.datetime.combine(d + dt.timedelta(days=1), dt.time.min, tzinfo=VN_TZ) for d in DAYS
    }
    events += [(end, 0, d.strftime("%d/%m/%Y"), "end") for d, end in ends.items()]
    day_verdicts = {}
    unrecorded = set()  # items seen late before the job or a transition recorded it
    with time_machine.travel(at(2026, 11, 30, 7, 0), tick=False) as traveller:
        for when, _order, code, step in sorted(events, key=lambda e: (e[0], e[1], e[2])):
            traveller.move_to(when)
            if step == "job":
                feedback_mark_overdue()
            elif step == "live":
                verdict = _verdict(when)
                _compare_live(verdict, when, f"live {when:%d/%m %H:%M}")
                unrecorded |= {
                    fb.code
                    for fb in Feedback.objects.filter(overdue_since=None)
                    if verdict.get(fb.code, ("", None))[0] == "fb_overdue"
                }
            elif step == "end":
                day_verdicts[code] = _verdict(when)
            else:
                items[code] = step(Feedback.objects.get(pk=items[code].pk))
        traveller.move_to(END)
        assert Feedback.objects.get(code="G").overdue_since is None  # never recorded
        for day, verdict in day_verdicts.items():
            _compare(verdict, as_of=day, label=f"as of {day}")
    # Each case happened as described.
    assert unrecorded == {"B", "D", "F", "G", "H", "I"}
    final = _verdict(END)
    assert {c: n for c, (n, _s) in final.items()} == {
        "A": "fb_answered_focal",
        "B": "fb_answered_late",
        "C": "fb_answered_head",
        "D": "fb_answered_late",
        "E": "fb_answered_focal",
        "F": "fb_answered_late",
        "G": "fb_overdue",
        "H": "fb_overdue",
        "I": "fb_overdue",
        "J": "fb_answered_head",
        "K": "fb_answered_focal",
    }


# --- Dossiers: handled late and open past the due instant, in the figures and in the lists -----------


def _months(now: dt.datetime) -> list[str]:
    """The months ``monthly_trend`` covers at ``now`` (the last twelve), as period labels."""
    local = now.astimezone(VN_TZ)
    labels = []
    y, m = local.year, local.month
    for _n in range(12):
        labels.append(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return labels


def _compare_dossiers(now: dt.datetime, label: str):
    from opendvc.reports.periods import current_quarter
    from opendvc.reports.selectors import (
        drilldown_dossiers,
        longest_overdue_dossiers,
        monthly_trend,
        transparency,
    )

    def listed(name, period):
        return sorted(drilldown_dossiers(name=name, period=period).values_list("code", flat=True))

    # The oversight page's longest overdue dossiers are the open dossiers past their due instant now.
    longest = sorted(f.code for f in longest_overdue_dossiers(now=now))
    quarter = current_quarter()
    assert longest == listed("in_progress_overdue", quarter), label
    # The public page's late dossiers are those handled late and those open past their due instant.
    late = len(listed("handled_late", quarter)) + len(listed("in_progress_overdue", quarter))
    assert sum(r["late"] for r in transparency(period=quarter)) == late, label
    # The trend's handled and late per month are the handled and handled-late figures of the month.
    trend = {r["month"]: (r["handled"], r["late"]) for r in monthly_trend(now=now)}
    expected = {}
    for month in _months(now):
        period = period_of(month)
        handled, late = listed("handled", period), listed("handled_late", period)
        totals = period_figures(period=period)["dossiers"]["total"]
        assert (totals["handled"], totals["handled_late"]) == (len(handled), len(late)), label
        if handled:
            expected[f"{month[5:]}/{month[:4]}"] = (len(handled), len(late))
    assert trend == expected, label
    return longest, trend


@pytest.mark.parametrize(
    ("now", "longest", "late_in"),
    [
        # Before E is received: nothing open past its due instant; B handled late in February.
        (at(2027, 3, 12, 9, 0), [], {"02/2027": 1}),
        # E past its due instant (22/3 17:00, an apology does not move it); C not yet due (2/4 17:00).
        (at(2027, 4, 1, 8, 0), ["T-E"], {"02/2027": 1}),
        (at(2027, 4, 2, 17, 0), ["T-E"], {"02/2027": 1}),  # C exactly at its due instant
        (at(2027, 4, 10, 9, 0), ["T-C", "T-E"], {"02/2027": 1}),
    ],
)
def test_late_dossiers_in_the_oversight_lists_agree_with_the_figures(
    counted, now, longest, late_in
):
    with time_machine.travel(now, tick=False):
        found, trend = _compare_dossiers(now, f"{now:%d/%m %H:%M}")
    assert found == longest
    assert {m: late for m, (_handled, late) in trend.items() if late} == late_in


def test_late_dossiers_after_they_are_handled_late(counted):
    from opendvc.reports.facts import facts_refresh

    from .conftest import add_event
    from .conftest import at as at_text

    c, e = counted["c"], counted["e"]
    for d, when in ((c, "2027-04-05 07:30"), (e, "2027-04-06 16:00")):
        add_event(
            d,
            when,
            "return_result",
            "result_ready",
            "returned",
            method="online",
            on_time_class="late",
        )
        type(d).objects.filter(pk=d.pk).update(
            status="returned",
            finished_at=at_text(when),
            on_time_class="late",
        )
    facts_refresh()
    now = at(2027, 4, 10, 9, 0)
    with time_machine.travel(now, tick=False):
        found, trend = _compare_dossiers(now, "handled")
    assert found == []
    assert trend["04/2027"] == (2, 2) and trend["02/2027"] == (1, 1)


# --- A past cut-off stays as it was: withdrawals, send-backs and reopenings after it ---------------


def _act(actors, action, who, **inputs):
    return lambda fb: feedback_act(
        feedback=fb, action=action, actor=actors[who], inputs=inputs or None
    )


def _moves(actors) -> dict[str, list[tuple[dt.datetime, object]]]:
    """Items that change after the end of the day they were counted on (30/11–4/12/2026)."""
    fwd = lambda fb: _forward(actors, fb)  # noqa: E731
    to_other = lambda fb: feedback_act(  # noqa: E731
        feedback=fb,
        action=Action.FORWARD,
        actor=actors["switchboard"],
        inputs={"agency": actors["other"]},
    )
    withdraw = _act(actors, Action.WITHDRAW, "citizen")
    send_back = _act(actors, Action.SEND_BACK, "focal", note="Thuộc cơ quan khác")
    reopen = _act(actors, Action.REOPEN, "citizen", note="Chưa thỏa đáng")
    return {
        # Open within time on Monday (due Tue 08:00), withdrawn on Tuesday once late.
        "W1": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 12, 1, 9, 0), withdraw)],
        # Late since Tue 08:00, not recorded by Tuesday's end; withdrawn on Wednesday.
        "W2": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 12, 2, 10, 0), withdraw)],
        # Escalated at once, open within the head's 48 hours, withdrawn on Thursday.
        "W3": [
            (at(2026, 11, 30, 10, 0), fwd),
            (at(2026, 11, 30, 11, 0), _escalate(actors)),
            (at(2026, 12, 3, 9, 0), withdraw),
        ],
        # Late at the first agency since Tue 08:00, sent back on Wednesday, answered in time by the
        # agency it goes to next.
        "S1": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 12, 2, 10, 0), send_back),
            (at(2026, 12, 2, 11, 0), to_other),
            (at(2026, 12, 2, 15, 0), _answer(actors, "other_focal")),
        ],
        # Open within time on Tuesday, sent back on Wednesday before its deadline, left with the
        # switchboard until Friday, then forwarded again.
        "S2": [
            (at(2026, 12, 1, 10, 0), fwd),
            (at(2026, 12, 2, 8, 30), send_back),
            (at(2026, 12, 4, 9, 0), to_other),
        ],
        # Answered in time by the focal officer, reopened on Wednesday, answered again.
        "R1": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 11, 30, 14, 0), _answer(actors, "focal")),
            (at(2026, 12, 2, 9, 0), reopen),
            (at(2026, 12, 2, 10, 0), _answer(actors, "focal")),
        ],
        # Escalated and answered late by the head, reopened on Thursday and left open.
        "R2": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 12, 1, 9, 0), _escalate(actors)),
            (at(2026, 12, 1, 10, 0), _answer(actors, "head")),
            (at(2026, 12, 3, 9, 0), reopen),
        ],
        # Escalated in time, answered by the head in time, reopened on Thursday.
        "R3": [
            (at(2026, 11, 30, 8, 0), fwd),
            (at(2026, 11, 30, 9, 0), _escalate(actors)),
            (at(2026, 12, 1, 9, 0), _answer(actors, "head")),
            (at(2026, 12, 3, 9, 30), reopen),
        ],
        # Does not move: late since Tue 08:00, answered Friday.
        "K": [(at(2026, 11, 30, 8, 0), fwd), (at(2026, 12, 4, 9, 0), _answer(actors, "focal"))],
    }


def _as_of(day: str):
    """Everything a report as of ``day`` shows of the feedback: the figures by agency and by channel,
    and every list behind a figure (item, agency then, forwarded, answered, late since)."""
    period = period_of(Q4)
    f = period_figures(period=period, as_of=day)
    lists = {
        name: [
            (r.code, r.then_agency_id, r.then_forwarded_at, r.then_answered_at, r.late_since)
            for r in drilldown_feedback(name=name, period=period, as_of=day)
        ]
        for name in F.FEEDBACK_FIGURES
    }
    return f["feedback"], f["feedback_channels"], lists


def test_figures_of_a_past_cut_off_do_not_change_when_items_move_on(
    client,
    org,  # noqa: F811
    make_item,  # noqa: F811
    calendar_quarters,
):
    """Everything a report shows as of the end of each day, counted at that instant, is the same when
    counted again after the items were withdrawn, sent back (late or in time, forwarded again or left
    with the switchboard) or reopened (after an answer in time or late, by the focal officer or the
    head): each item counts as it stood at the cut-off."""
    moves = _moves(org)
    with time_machine.travel(at(2026, 11, 30, 7, 0), tick=False):
        items = {code: make_item(subject=f"Phản ánh {code}") for code in moves}
        for code, fb in items.items():
            Feedback.objects.filter(pk=fb.pk).update(code=code)
    events = [(when, 1, code, step) for code, steps in moves.items() for when, step in steps]
    days = [dt.date(2026, 11, 30) + dt.timedelta(days=n) for n in range(5)]
    for d in days:
        end = dt.datetime.combine(d + dt.timedelta(days=1), dt.time.min, tzinfo=VN_TZ)
        events.append((end, 0, d.strftime("%d/%m/%Y"), "end"))
    events.append((at(2026, 12, 3, 8, 30), 1, "", "job"))
    seen = {}
    with time_machine.travel(at(2026, 11, 30, 7, 0), tick=False) as traveller:
        for when, _order, code, step in sorted(events, key=lambda e: (e[0], e[1], e[2])):
            traveller.move_to(when)
            if step == "job":
                feedback_mark_overdue()
            elif step == "end":
                # Counted at the very end of the day, before anything after it happened.
                seen[code] = _as_of(code)
            else:
                step(Feedback.objects.get(code=code))
        traveller.move_to(at(2026, 12, 10, 10, 0))
        again = {day: _as_of(day) for day in seen}
    for day in seen:
        assert again[day] == seen[day], day
    # What those cut-offs counted (seen before anything moved on).
    dept, other = org["dept"].pk, org["other"].pk

    def listed(day, name):
        return {
            code: (agency, since is not None) for code, agency, _f, _a, since in seen[day][2][name]
        }

    tue, wed, thu = "01/12/2026", "02/12/2026", "03/12/2026"
    assert listed("30/11/2026", "fb_open") == dict.fromkeys(
        ("W1", "W2", "W3", "S1", "R2", "R3", "K"), (dept, False)
    )
    assert listed(tue, "fb_overdue") == dict.fromkeys(("W2", "S1", "K"), (dept, True))
    assert listed(tue, "fb_open") == {"W3": (dept, False), "S2": (dept, False)}
    assert listed(tue, "fb_answered_focal") == {"R1": (dept, False)}
    assert listed(tue, "fb_answered_head") == {"R3": (dept, False)}
    assert listed(tue, "fb_answered_late") == {"R2": (dept, True)}
    # Wednesday: S1 answered at the next agency, S2 back with the switchboard, R1 answered again.
    assert listed(wed, "fb_answered_focal") == {"S1": (other, False), "R1": (dept, False)}
    assert listed(wed, "fb_overdue") == {"K": (dept, True)}
    assert "S2" not in {c for rows in seen[wed][2].values() for c, *_rest in rows}
    # Thursday: W3 and R2 were counted as they stood before the sender withdrew / reopened them.
    assert listed(wed, "fb_open") == {"W3": (dept, False)}
    # R3 reopened: a new forwarding, within its fresh 8 hours; R2 reopened: its lateness stays.
    assert listed(thu, "fb_open") == {"R3": (dept, False)}
    assert listed(thu, "fb_overdue") == {"K": (dept, True), "R2": (dept, True)}
    totals = {day: seen[day][0]["total"] for day in seen}
    assert totals[tue]["fb_received"] == 9 and totals[wed]["fb_received"] == 8
    rows = {r["key"]: r for r in seen[wed][0]["rows"]}
    assert rows[other]["fb_answered_focal"] == 1 and rows[dept]["fb_overdue"] == 1
    # The withdrawal keeps its instant; the ended forwardings are kept as they stood.
    assert Feedback.objects.get(code="W2").withdrawn_at == at(2026, 12, 2, 10, 0)
    s1 = Feedback.objects.get(code="S1").rounds.get()
    assert (s1.agency_id, s1.overdue_since, s1.ended_by) == (
        dept,
        at(2026, 12, 1, 8, 0),
        "send_back",
    )
    # The migration rebuilds the same ended forwardings from the history of items handled before it.
    migration = importlib.import_module(
        "opendvc.feedback.migrations.0007_kept_instants_for_reports"
    )
    agencies = {a.code: a.pk for a in (org["dept"], org["other"])}
    fields = ("agency_id", "forwarded_at", "escalated_at", "answered_at", "overdue_since")
    for fb in Feedback.objects.exclude(code=None):
        kept = list(fb.rounds.values(*fields, "ended_at", "ended_by"))
        assert migration.rounds_from_history(fb.events.all(), agencies) == kept, fb.code
    assert {fb.code: fb.rounds.count() for fb in Feedback.objects.filter(rounds__isnull=False)} == {
        "S1": 1,
        "S2": 1,
        "R1": 1,
        "R2": 1,
        "R3": 1,
    }
    before = sorted(FeedbackRound.objects.values_list("feedback_id", *fields, "ended_at"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The table is append-only (a trigger); a superuser's session may bypass triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"DELETE FROM {FeedbackRound._meta.db_table}")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    migration.fill_rounds(apps, None)
    migration.fill_rounds(apps, None)  # once only
    assert sorted(FeedbackRound.objects.values_list("feedback_id", *fields, "ended_at")) == before
    # The list behind a figure shows the agency that held the item at the cut-off, and the head of
    # the first agency sees there the item it held then.
    client.force_login(org["head"])

    def page(name, day):
        html = client.get(
            reverse("reports:drilldown"), {"ky": Q4, "so_lieu": name, "ngay_chot": day}
        ).content.decode()
        return dict(
            re.findall(r'<tr><th scope="row">.*?>([A-Z]\d?)<.*?</th><td[^>]*>([^<]*)</td>', html)
        )

    label = org["dept"].short_name or org["dept"].name
    assert page("fb_overdue", tue) == {"W2": label, "S1": label, "K": label}
    assert page("fb_answered_focal", wed) == {"R1": label}
