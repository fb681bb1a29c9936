"""Figures against the hand-counted fixture (tests/conftest.py), and their stability over time.

Q1 2027 by hand: carried over A; received B, C, D, E (to handle 5); handled A early, B late, D early;
in progress C within time, E overdue; withdrawn G, refused F, returned for completion G; filed in the
quarter B–G (6); level-3 received 4 of which online C, D; results online A, counter B, post D; one
apology (E). Processing days A 4, B 3 (Tết), D 17: average 8.0, p90 17.0. Feedback: 4 forwarded;
answered on time by the focal officer 1, by the head 1; open 1 (rescheduled), overdue 1. Surveys 2, one
satisfied.
"""

from __future__ import annotations

import pytest

from opendvc.reports.periods import period_of
from opendvc.reports.selectors import drilldown_dossiers, drilldown_feedback, period_figures

from .conftest import add_event, at

EXPECTED = {
    "carried_over": 1,
    "received_new": 4,
    "to_handle": 5,
    "handled": 3,
    "handled_early": 2,
    "handled_on_time": 0,
    "handled_late": 1,
    "in_progress": 2,
    "in_progress_on_time": 1,
    "in_progress_overdue": 1,
    "withdrawn": 1,
    "refused": 1,
    "returned_for_completion": 1,
    "submitted": 6,
    "received_l34": 4,
    "received_online_l34": 2,
    "received_online": 2,
    "received_counter": 1,
    "received_postal": 1,
    "result_online": 1,
    "result_counter": 1,
    "result_postal": 1,
    "apologies": 1,
    "avg_days": 8.0,
    "p90_days": 17.0,
}


def test_quarter_figures_match_the_hand_count(counted):
    f = period_figures(period=period_of("2027-Q1"))
    total = f["dossiers"]["total"]
    assert {k: total[k] for k in EXPECTED} == EXPECTED
    assert [r["key"] for r in f["dossiers"]["rows"]] == [counted["agency"].pk]
    fb = f["feedback"]["total"]
    assert fb == {
        "fb_received": 4,
        "fb_answered_focal": 1,
        "fb_answered_head": 1,
        "fb_answered_late": 0,
        "fb_open": 1,
        "fb_overdue": 1,
        "fb_rescheduled": 1,
    }
    assert f["surveys"]["total"] == {"sv_answers": 2, "sv_satisfied": 1, "sv_not_satisfied": 1}
    indicators = {i["code"]: i["value"] for i in f["indicators"]}
    assert indicators["on_time_rate"] == 60.0  # (5 − 1 late − 1 overdue) / 5
    assert indicators["online_rate"] == 50.0
    assert indicators["feedback_on_time_rate"] == 50.0
    assert indicators["satisfaction_rate"] == 50.0
    assert f["indicator_set"]["version"] == "qd766-2022.1"


def test_feedback_past_its_deadline_is_overdue_before_the_periodic_job_records_it(counted):
    """An item whose deadline passed while no job ran (no worker, a late beat) has no ``overdue_since``
    yet: the queues, the item page and the feedback figures count it late from its deadline
    (``feedback.timing``); the report figures and the oversight list counted it "within time"."""
    from opendvc.feedback.models import Feedback
    from opendvc.feedback.timing import Standing, standing
    from opendvc.reports.selectors import longest_overdue_feedback

    item = Feedback.objects.create(
        code="PA-5",
        channel="web",
        subject="Góp ý",
        agency=counted["agency"],
        sender_name="Trần Thị Riêng Tư",
        status="forwarded",
        forwarded_at=at("2027-03-30 08:00"),
        focal_due_at=at("2027-03-30 16:30"),
        due_at=at("2027-03-30 16:30"),
    )
    assert standing(item) == Standing.PENDING_OVERDUE
    fb = period_figures(period=period_of("2027-Q1"))["feedback"]["total"]
    assert (fb["fb_received"], fb["fb_open"], fb["fb_overdue"]) == (5, 1, 2)
    longest = {f.code: f.late_since for f in longest_overdue_feedback()}
    assert longest["PA-5"] == at("2027-03-30 16:30")
    listed = {
        f.code: f.late_since
        for f in drilldown_feedback(name="fb_overdue", period=period_of("2027-Q1"))
    }
    assert listed == {"PA-3": at("2027-03-25 17:00"), "PA-5": at("2027-03-30 16:30")}


def test_previous_quarter_and_as_of_date(counted):
    q4 = period_of("2026-Q4")
    total = period_figures(period=q4)["dossiers"]["total"]
    # H received and handled early in Q4; A received 28/12, still open at the end of Q4.
    assert (total["received_new"], total["handled_early"], total["in_progress_on_time"]) == (
        2,
        1,
        1,
    )
    # As of 10/2/2027 (inside Tết): A handled; B received and open; nothing overdue yet.
    mid = period_figures(period=period_of("2027-Q1"), as_of="10/02/2027")["dossiers"]["total"]
    assert (
        mid["handled"],
        mid["in_progress_on_time"],
        mid["in_progress_overdue"],
        mid["received_new"],
    ) == (1, 1, 0, 1)


def test_last_quarter_is_stable_after_dossiers_move_on(counted):
    from opendvc.reports.facts import facts_refresh

    before = period_figures(period=period_of("2027-Q1"))
    c, e = counted["c"], counted["e"]
    for d, when, cls in ((c, "2027-04-05 07:30", "late"), (e, "2027-04-05 16:00", "late")):
        add_event(
            d, when, "return_result", "result_ready", "returned", method="online", on_time_class=cls
        )
        type(d).objects.filter(pk=d.pk).update(
            status="returned", finished_at=at(when), on_time_class=cls
        )
    facts_refresh()
    after = period_figures(period=period_of("2027-Q1"))
    assert after["dossiers"] == before["dossiers"]
    q2 = period_figures(period=period_of("2027-Q2"))["dossiers"]["total"]
    assert (q2["carried_over"], q2["handled_late"]) == (2, 2)


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("handled_early", ["T-A", "T-D"]),
        ("in_progress_overdue", ["T-E"]),
        ("refused", ["T-F"]),
        ("carried_over", ["T-A"]),
    ],
)
def test_drilldown_lists_the_items_behind_a_number(counted, name, codes):
    qs = drilldown_dossiers(
        name=name, period=period_of("2027-Q1"), dimension="agency", key=str(counted["agency"].pk)
    )
    assert sorted(qs.values_list("code", flat=True)) == codes


def test_grouped_tables_add_up(counted):
    for dimension in ("field", "procedure", "tier", "level", "channel"):
        f = period_figures(period=period_of("2027-Q1"), dimension=dimension)
        rows = f["dossiers"]["rows"]
        assert sum(r["to_handle"] for r in rows) == 5
        assert all(r["label"] != "—" for r in rows)


def test_nd09_periods_end_on_the_14th(settings):
    settings.REPORTS_PERIOD_RULE = "nd09"
    h1 = period_of("2027-H1")
    assert (h1.start.isoformat(), h1.end.isoformat()) == ("2026-12-15", "2027-06-14")
    q1 = period_of("2027-q1")
    assert (q1.start.isoformat(), q1.end.isoformat()) == ("2026-12-15", "2027-03-14")
    assert period_of("2027").end.isoformat() == "2027-12-14"
    assert period_of("2027-Q1").previous().label == "2026-Q4"


@pytest.mark.parametrize("bad", ["", "2027-Q5", "27-Q1", "2027-13", "abc", "1999"])
def test_bad_periods_are_named(bad):
    from opendvc.core.problems import ProblemError

    with pytest.raises(ProblemError) as err:
        period_of(bad)
    assert err.value.status == 422 and err.value.extra["errors"][0]["path"] == "period"


def test_indicator_admin_refuses_unknown_figures(db):
    from opendvc.reports.admin import IndicatorSetForm

    data = {
        "version": "x-1",
        "title": "Thử",
        "valid_from": "2027-01-01",
        "basis": "",
        "note": "",
        "definitions": '[{"code": "a", "name": "A", "numerator": "handled+nothing", "denominator": "to_handle", '
        '"formula": "", "exact": true}]',
    }
    form = IndicatorSetForm(data=data)
    assert not form.is_valid() and "nothing" in str(form.errors["definitions"])
    data["definitions"] = data["definitions"].replace("+nothing", "")
    assert IndicatorSetForm(data=data).is_valid()
    data["definitions"] = data["definitions"].replace('"code": "a"', '"code": 7')
    form = IndicatorSetForm(data=data)
    assert not form.is_valid() and "code phải là chuỗi ký tự" in str(form.errors["definitions"])
