"""Surveys: invitation when a dossier is returned, answers per dossier / agency / officer step, and a
"not satisfied" answer becoming a feedback item of the agency that sent the survey (Art. 7.4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.dossiers.models import Dossier
from opendvc.feedback.lifecycle import State
from opendvc.feedback.models import Channel, Feedback
from opendvc.feedback.selectors import agency_figures
from opendvc.notifications.models import Notification
from opendvc.surveys.models import SurveyInvitation, SurveyResponse
from opendvc.surveys.services import active_form, survey_answer, survey_invite

from .conftest import _returned

pytestmark = pytest.mark.django_db


def test_returned_dossier_invites_the_applicant_once(returned_dossier, org):
    inv = SurveyInvitation.objects.get()
    assert (
        inv.dossier == returned_dossier
        and inv.agency == org["dept"]
        and inv.applicant == org["citizen"]
    )
    channels = set(
        Notification.objects.filter(
            recipient=org["citizen"], template="survey_invitation"
        ).values_list("channel", flat=True)
    )
    assert channels == {"email", "in_app"}
    _returned(returned_dossier)
    assert survey_invite(dossier=returned_dossier).pk == inv.pk
    assert SurveyInvitation.objects.count() == 1


def test_other_states_do_not_invite(org, procedure, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Dossier.objects.create(
            code="X-1",
            procedure=procedure,
            applicant=org["citizen"],
            receiving_agency=org["dept"],
            status="submitted",
        )
    assert SurveyInvitation.objects.count() == 0


def test_satisfied_answer_creates_no_feedback(returned_dossier, org):
    inv = SurveyInvitation.objects.get()
    response = survey_answer(
        invitation=inv, overall=5, criteria={"dung-hen": 5, "thai-do": "4"}, comment="Tốt"
    )
    assert response.satisfied and response.feedback is None
    assert response.criteria == {"dung-hen": 5, "thai-do": 4}
    with pytest.raises(ProblemError) as err:
        survey_answer(invitation=inv, overall=1)
    assert err.value.code == "already_answered"


def test_not_satisfied_becomes_feedback_of_the_sending_agency(monday, returned_dossier, org):
    inv = SurveyInvitation.objects.get()
    response = survey_answer(
        invitation=inv, overall=1, criteria={"dung-hen": 1}, comment="Trả kết quả trễ"
    )
    fb = response.feedback
    assert fb.channel == Channel.SURVEY and fb.status == State.FORWARDED
    assert (
        fb.agency == org["dept"] and fb.sender == org["citizen"] and fb.dossier == returned_dossier
    )
    assert "Nhận kết quả đúng hẹn" in fb.content and "Trả kết quả trễ" in fb.content
    assert fb.focal_due_at is not None
    start = timezone.now() - dt.timedelta(days=1)
    [row] = agency_figures(start=start, end=timezone.now() + dt.timedelta(days=1))
    assert (row.received, row.dossiers, row.dissatisfied, row.satisfaction_rate) == (1, 1, 1, 0.0)


def test_ratings_are_checked(returned_dossier):
    inv = SurveyInvitation.objects.get()
    for kwargs in (
        {"overall": 0},
        {"overall": 6},
        {"overall": 3, "criteria": {"khong-co": 3}},
        {"overall": 3, "criteria": {"dung-hen": 9}},
    ):
        with pytest.raises(ProblemError) as err:
            survey_answer(invitation=inv, **kwargs)
        assert err.value.status == 422
    inv.refresh_from_db()
    assert inv.answered_at is None and SurveyResponse.objects.count() == 0


def test_expired_invitation(returned_dossier):
    inv = SurveyInvitation.objects.get()
    inv.expires_at = timezone.now() - dt.timedelta(minutes=1)
    inv.save()
    with pytest.raises(ProblemError) as err:
        survey_answer(invitation=inv, overall=4)
    assert err.value.code == "survey_expired"


def test_survey_page(client, returned_dossier):
    inv = SurveyInvitation.objects.get()
    url = reverse("surveys:answer", args=[inv.token])
    page = client.get(url).content.decode()
    assert active_form().criteria[0]["label"] in page
    scale = active_form().scale
    assert "rất hài lòng" in page and "rất không hài lòng" in page  # the words at both ends
    response = client.post(url, {"comment": "Chưa chọn", "c-thai-do": "3"})
    refused = response.content.decode()
    assert response.status_code == 422 and "Vui lòng chọn mức đánh giá chung" in refused
    assert "Chưa chọn" in refused
    # The message leads to the question; the criterion already rated stays rated.
    assert f'<a href="#overall-{scale}">Vui lòng chọn mức đánh giá chung' in refused
    assert 'id="c-thai-do-3" value="3" checked' in refused
    response = client.post(
        url, {"overall": "2", "c-thai-do": "2", "comment": "Cán bộ thiếu nhiệt tình"}
    )
    assert response.status_code == 200
    fb = Feedback.objects.get()
    assert fb.code in response.content.decode()
    assert client.get(reverse("surveys:answer", args=["khong-co"])).status_code == 404
