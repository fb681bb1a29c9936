"""The survey on the real path (Regulation Art. 7.4): a dossier taken through the dossier transition
functions from filing to the return of its result invites its applicant to the survey, and a "not
satisfied" answer becomes a feedback item of the agency that handled the dossier."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from opendvc.accounts.tests.factories import UserFactory
from opendvc.agencies import demo
from opendvc.agencies.models import Agency
from opendvc.dossiers import services
from opendvc.dossiers.lifecycle import Action, State
from opendvc.dossiers.tests.conftest import JUSTICE, OTHER, checked_pdf, make_procedure, staff
from opendvc.feedback import selectors
from opendvc.feedback.lifecycle import State as FeedbackState
from opendvc.feedback.models import Channel, Feedback
from opendvc.notifications.models import Notification
from opendvc.surveys.models import SurveyInvitation, SurveyResponse
from opendvc.vault.testing import without_online_issuance

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    demo.seed()


# How the result reaches the applicant (who records the return), and the overall rating given.
RETURNS = {
    "counter-not-satisfied": ("receiving_officer", "counter", 1),
    "postal-not-satisfied": ("postal_operator", "postal", 2),
    "online-satisfied": ("system", "online", 4),
}


@pytest.mark.parametrize("case", RETURNS.values(), ids=RETURNS.keys())
def test_art_7_4_returned_result_invites_the_applicant_and_dissatisfaction_goes_to_the_handling_agency(
    case, seeded, client, django_capture_on_commit_callbacks
):
    role, method, overall = case
    justice = Agency.objects.get(code=JUSTICE)
    # Level 4, so that the online return is offered too (Regulation Art. 2.13).
    procedure = make_procedure(level=4)
    citizen = UserFactory(full_name="Nguyễn Thị Hoa")
    officer, leader, postal = staff("receiving_officer"), staff("leader"), staff("postal_operator")
    focal, other_focal = staff("feedback_focal"), staff("feedback_focal", OTHER)
    returner = {"receiving_officer": officer, "postal_operator": postal, "system": None}[role]

    # Each way of returning in turn: the online return that follows the approval is held back here.

    with without_online_issuance(), django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_create_draft(
            applicant=citizen, procedure=procedure, actor=citizen, receiving_agency=justice
        )
        services.dossier_update_draft(
            dossier=d,
            actor=citizen,
            add_files=[(c, checked_pdf()) for c in procedure.components.filter(required=True)],
        )
        d = services.dossier_act(dossier=d, action=Action.SUBMIT, actor=citizen, declaration=True)
        d = services.dossier_act(dossier=d, action=Action.RECEIVE, actor=officer)
        d = services.dossier_act(dossier=d, action=Action.START_PROCESSING, actor=officer)
        d = services.dossier_act(
            dossier=d, action=Action.APPROVE, actor=leader, result="Giấy khai sinh bản chính"
        )
    assert d.status == State.RESULT_READY
    assert not SurveyInvitation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_act(
            dossier=d,
            action=Action.RETURN_RESULT,
            actor=returner,
            system=returner is None,
            method=method,
        )
    assert d.status == State.RETURNED
    inv = SurveyInvitation.objects.get()
    assert (inv.dossier, inv.dossier_code, inv.agency, inv.applicant) == (
        d,
        d.code,
        justice,
        citizen,
    )
    invitations = Notification.objects.filter(recipient=citizen, template="survey_invitation")
    assert set(invitations.values_list("channel", flat=True)) == {"email", "in_app"}
    assert all(inv.token in n.body and d.code in n.body for n in invitations)
    # The officers who handled the dossier are kept with the answer (per officer step).
    assert {s["role"] for s in inv.steps} >= {"receiving_officer", "leader"}

    # The applicant answers through the link they were sent.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("surveys:answer", args=[inv.token]),
            {"overall": str(overall), "c-dung-hen": str(overall), "comment": "Chờ lâu ở quầy"},
        )
    assert response.status_code == 200
    answer = SurveyResponse.objects.get()
    if overall > inv.form.dissatisfied_at_most:
        assert answer.satisfied and answer.feedback is None and not Feedback.objects.exists()
        return
    fb = answer.feedback
    assert (fb.channel, fb.status, fb.agency, fb.sender, fb.dossier) == (
        Channel.SURVEY,
        FeedbackState.FORWARDED,
        justice,
        citizen,
        d,
    )
    # Forwarded at once to the agency that handled the dossier: its 8 working hours run from now.
    assert fb.forwarded_at is not None and fb.forwarded_at <= timezone.now() < fb.focal_due_at
    assert fb.pk in selectors.queue(user=focal, name="open").values_list("pk", flat=True)
    assert fb.pk not in selectors.queue(user=other_focal, name="open").values_list("pk", flat=True)
    assert Notification.objects.filter(recipient=focal, template="feedback_forwarded").exists()
    [row] = selectors.agency_figures(
        start=timezone.now() - dt.timedelta(days=1),
        end=timezone.now() + dt.timedelta(days=1),
        agencies=Agency.objects.filter(pk=justice.pk),
    )
    assert (row.received, row.dossiers, row.dissatisfied, row.satisfaction_rate) == (1, 1, 1, 0.0)
