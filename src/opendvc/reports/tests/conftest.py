"""The hand-counted fixture: a few dossiers and feedback items of Q1 2027 (calendar quarters) whose
figures were counted by hand — across the quarter boundary, across Tết (4–10/2/2027 off), with a
paused clock that moved the due date, and an apology with a new appointment."""

from __future__ import annotations

from datetime import datetime

import pytest

from opendvc.worktime import VN_TZ

JUSTICE = "000.00.32.H19"


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)


@pytest.fixture
def calendar_quarters(settings):
    settings.REPORTS_PERIOD_RULE = "calendar"


def add_event(dossier, when, action, from_state, to_state, **data):
    from opendvc.dossiers.models import DossierEvent

    return DossierEvent.objects.create(
        dossier=dossier,
        at=at(when),
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data,
    )


def make_dossier(
    *,
    code,
    procedure,
    agency,
    applicant,
    channel,
    status,
    submitted,
    received=None,
    due=None,
    finished=None,
    on_time_class="",
):
    from opendvc.dossiers.models import Dossier

    d = Dossier.objects.create(
        code=code,
        procedure=procedure,
        receiving_agency=agency,
        applicant=applicant,
        channel=channel,
        status=status,
        submitted_at=at(submitted),
        received_at=at(received) if received else None,
        due_at=at(due) if due else None,
        finished_at=at(finished) if finished else None,
        on_time_class=on_time_class,
    )
    add_event(d, submitted, "submit", "draft", "submitted")
    if received:
        add_event(d, received, "receive", "submitted", "received", due_at=at(due).isoformat())
    return d


@pytest.fixture
def after_q1():
    """The present is 10/4/2027: Q1 2027 is over."""
    import time_machine

    with time_machine.travel(at("2027-04-10 09:00"), tick=True):
        yield


@pytest.fixture
def counted(db, calendar_quarters, after_q1):
    """Dossiers A–H and feedback items 1–4 (see the module docstring of test_figures)."""
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo
    from opendvc.agencies.models import Agency
    from opendvc.dossiers.tests.conftest import make_procedure

    demo.seed()
    agency = Agency.objects.get(code=JUSTICE)
    procedure = make_procedure()
    person = UserFactory(full_name="Nguyễn Văn Bí Mật")
    mk = {"procedure": procedure, "agency": agency, "applicant": person}
    out = {"agency": agency, "procedure": procedure, "person": person}
    # A: carried over from Q4 2026, returned early online on 4/1 (4 working days: 1/1 is a holiday).
    a = make_dossier(
        code="T-A",
        channel="online",
        status="returned",
        submitted="2026-12-27 20:00",
        received="2026-12-28 07:30",
        due="2027-01-05 17:00",
        finished="2027-01-04 07:30",
        on_time_class="early",
        **mk,
    )
    add_event(
        a,
        "2027-01-04 07:30",
        "return_result",
        "result_ready",
        "returned",
        method="online",
        on_time_class="early",
    )
    # B: received before Tết, due 11/2, returned 15/2 at the counter: late; 3 working days (Tết is off).
    b = make_dossier(
        code="T-B",
        channel="counter",
        status="returned",
        submitted="2027-02-03 07:00",
        received="2027-02-03 07:30",
        due="2027-02-11 17:00",
        finished="2027-02-15 07:30",
        on_time_class="late",
        **mk,
    )
    add_event(
        b,
        "2027-02-15 07:30",
        "return_result",
        "result_ready",
        "returned",
        method="counter",
        on_time_class="late",
    )
    # C: received 30/3, due 2/4: open at the end of Q1, within time.
    out["c"] = make_dossier(
        code="T-C",
        channel="online",
        status="processing",
        submitted="2027-03-29 10:00",
        received="2027-03-30 07:30",
        due="2027-04-02 17:00",
        **mk,
    )
    # D: paused 5/3 (before its due 10/3), resumed 20/3 with the due moved to 25/3, returned 24/3 by post:
    # early, never overdue; 17 working days from intake to the end.
    d = make_dossier(
        code="T-D",
        channel="online",
        status="returned",
        submitted="2027-02-28 21:00",
        received="2027-03-01 07:30",
        due="2027-03-25 17:00",
        finished="2027-03-24 07:30",
        on_time_class="early",
        **mk,
    )
    add_event(d, "2027-03-05 10:00", "request_supplement", "processing", "supplement_requested")
    add_event(
        d,
        "2027-03-20 09:00",
        "supply",
        "supplement_requested",
        "processing",
        due_at_before=at("2027-03-10 17:00").isoformat(),
        due_at=at("2027-03-25 17:00").isoformat(),
    )
    add_event(
        d,
        "2027-03-24 07:30",
        "return_result",
        "result_ready",
        "returned",
        method="postal",
        on_time_class="early",
    )
    # E: by post, due 22/3 17:00, apology 22/3 with a new appointment 5/4: still open, overdue (late is late).
    out["e"] = make_dossier(
        code="T-E",
        channel="postal",
        status="processing",
        submitted="2027-03-14 09:00",
        received="2027-03-15 07:30",
        due="2027-03-22 17:00",
        **mk,
    )
    add_event(
        out["e"],
        "2027-03-22 10:00",
        "apology",
        "processing",
        "processing",
        new_due_at=at("2027-04-05 17:00").isoformat(),
    )
    # F: refused at intake.
    f = make_dossier(
        code="T-F",
        channel="online",
        status="refused",
        submitted="2027-02-20 10:00",
        finished="2027-02-22 09:00",
        **mk,
    )
    add_event(f, "2027-02-22 09:00", "refuse", "submitted", "refused", reason="x")
    # G: returned for completion, then withdrawn.
    g = make_dossier(
        code="T-G",
        channel="counter",
        status="withdrawn",
        submitted="2027-01-10 09:00",
        finished="2027-01-15 09:00",
        **mk,
    )
    add_event(
        g,
        "2027-01-11 09:00",
        "return_for_completion",
        "submitted",
        "returned_for_completion",
        items=["x"],
    )
    add_event(g, "2027-01-14 09:00", "resubmit", "returned_for_completion", "submitted")
    add_event(g, "2027-01-15 09:00", "withdraw", "submitted", "withdrawn")
    # H: all of it in Q4 2026.
    h = make_dossier(
        code="T-H",
        channel="online",
        status="returned",
        submitted="2026-10-30 10:00",
        received="2026-11-02 07:30",
        due="2026-12-02 17:00",
        finished="2026-12-01 07:30",
        on_time_class="early",
        **mk,
    )
    add_event(h, "2026-12-01 07:30", "return_result", "result_ready", "returned", method="online")
    _feedback(agency)
    _surveys(agency, procedure)
    from opendvc.reports.facts import facts_refresh

    facts_refresh(full=True)
    return out


def _feedback(agency):
    from opendvc.feedback.models import Feedback

    common = {
        "channel": "web",
        "subject": "Góp ý",
        "agency": agency,
        "sender_name": "Trần Thị Riêng Tư",
    }
    Feedback.objects.create(
        code="PA-1",
        status="answered",
        forwarded_at=at("2027-01-05 08:00"),
        answered_at=at("2027-01-05 14:00"),
        **common,
    )
    Feedback.objects.create(
        code="PA-2",
        status="answered",
        forwarded_at=at("2027-02-01 08:00"),
        escalated_at=at("2027-02-01 16:00"),
        answered_at=at("2027-02-03 09:00"),
        **common,
    )
    Feedback.objects.create(
        code="PA-3",
        status="forwarded",
        forwarded_at=at("2027-03-25 08:00"),
        overdue_since=at("2027-03-25 17:00"),
        **{**common, "channel": "hotline"},
    )
    Feedback.objects.create(
        code="PA-4",
        status="forwarded",
        forwarded_at=at("2027-03-31 10:00"),
        rescheduled_at=at("2027-03-31 11:00"),
        due_at=at("2027-04-09 17:00"),
        **common,
    )


def _surveys(agency, procedure):
    from opendvc.surveys.models import SurveyForm, SurveyInvitation, SurveyResponse

    form = SurveyForm.objects.create(code="q", title="Phiếu")
    for n, (overall, ok) in enumerate([(5, True), (1, False)]):
        inv = SurveyInvitation.objects.create(
            form=form,
            dossier_code=f"S-{n}",
            agency=agency,
            procedure=procedure,
            expires_at=at("2027-06-01 00:00"),
        )
        SurveyResponse.objects.create(
            invitation=inv,
            form=form,
            agency=agency,
            dossier_code=f"S-{n}",
            overall=overall,
            satisfied=ok,
            created_at=at(f"2027-03-0{n + 2} 10:00"),
        )
