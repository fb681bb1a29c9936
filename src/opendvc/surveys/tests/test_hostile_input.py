"""Hostile input to the survey API: ratings that are not integers. ``true`` was taken as 1 and filed a
"not satisfied" complaint, and "2" as 2; each is now refused with 422 and nothing is recorded."""

from __future__ import annotations

import pytest

from opendvc.core.problems import ProblemError
from opendvc.feedback.models import Feedback
from opendvc.surveys.models import SurveyInvitation, SurveyResponse
from opendvc.surveys.services import survey_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(returned_dossier):
    return SurveyInvitation.objects.get()


def test_ratings_are_strict_integers(client, invitation):
    url = f"/api/v1/surveys/{invitation.token}/answer"
    code = invitation.form.criteria[0]["code"]
    for body in (
        {"overall": True},
        {"overall": False},
        {"overall": "2"},
        {"overall": 2.0},
        {"criteria": {code: True}, "overall": 5},
        {"criteria": {code: "1"}, "overall": 5},
    ):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 422, body
        assert response["Content-Type"] == "application/problem+json", body
        invitation.refresh_from_db()
        assert invitation.answered_at is None, body
        assert not SurveyResponse.objects.exists() and not Feedback.objects.exists(), body

    # The service refuses booleans too, whoever calls it.
    for kwargs in ({"overall": True}, {"overall": 5, "criteria": {code: True}}):
        with pytest.raises(ProblemError) as caught:
            survey_answer(invitation=invitation, **kwargs)
        assert caught.value.status == 422, kwargs
    assert not SurveyResponse.objects.exists() and not Feedback.objects.exists()

    # A rating given as an integer is still taken.
    response = client.post(url, {"overall": 5, "criteria": {code: 4}}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json() == {"satisfied": True, "feedback_code": None}
    assert SurveyResponse.objects.get().overall == 5 and not Feedback.objects.exists()


def test_the_english_survey_page_marks_the_vietnamese_form(client, invitation):
    """The criteria, the agency and the procedure are Vietnamese data on the English page: marked
    lang="vi" so that a screen reader reads them with a Vietnamese voice (WCAG 3.1.2)."""
    from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi

    client.cookies["django_language"] = "en"
    html = client.get(f"/khao-sat/{invitation.token}/").content.decode()
    assert '<html lang="en"' in html
    assert vietnamese_outside_lang_vi(html) == []


def test_a_null_criterion_is_not_answered_as_on_the_page(client, invitation):
    """``null`` for a criterion means "not answered", as an empty choice on the page does; wrong
    types are still refused at the field."""
    url = f"/api/v1/surveys/{invitation.token}/answer"
    first, second = (c["code"] for c in invitation.form.criteria[:2])
    for bad in ("3", True, 1.5, 9, 0):
        response = client.post(
            url, {"overall": 5, "criteria": {first: bad}}, content_type="application/json"
        )
        assert response.status_code == 422, bad
        assert response["Content-Type"] == "application/problem+json", bad
        paths = [e.get("path", "") for e in response.json()["errors"]]
        assert f"criteria.{first}" in paths, (bad, paths)
    assert not SurveyResponse.objects.exists()

    response = client.post(
        url, {"overall": 5, "criteria": {first: None, second: 4}}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert SurveyResponse.objects.get().criteria == {second: 4}
