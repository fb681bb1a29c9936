"""The survey API tells when the invitation expires, and refuses an answer after it clearly."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from opendvc.feedback.models import Feedback
from opendvc.surveys.models import SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(returned_dossier):
    return SurveyInvitation.objects.get()


def _same(iso: str, moment: datetime) -> bool:
    """An ISO 8601 instant with a zone, equal to ``moment`` to the millisecond."""
    parsed = datetime.fromisoformat(iso)
    return parsed.tzinfo is not None and abs(parsed - moment) < timedelta(milliseconds=1)


def test_the_survey_says_when_it_expires(client, invitation):
    body = client.get(f"/api/v1/surveys/{invitation.token}").json()
    assert body["expired"] is False and body["answered"] is False
    assert _same(body["expires_at"], invitation.expires_at)

    past = timezone.now() - timedelta(minutes=1)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=past)
    body = client.get(f"/api/v1/surveys/{invitation.token}").json()
    assert body["expired"] is True
    assert _same(body["expires_at"], past)
    # The page follows the same rule.
    assert (
        "Phiếu khảo sát đã hết hạn trả lời."
        in client.get(f"/khao-sat/{invitation.token}/").content.decode()
    )


def test_an_answer_after_the_expiry_is_a_clear_problem(client, invitation):
    past = timezone.now() - timedelta(days=1)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=past)
    url = f"/api/v1/surveys/{invitation.token}/answer"
    # Whatever the ratings: the expiry is what the caller needs to know.
    for body in ({"overall": 1}, {"overall": 99}):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 409, body
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == "survey_expired"
        assert problem["detail"] == "Phiếu khảo sát đã hết hạn trả lời."
        assert _same(problem["expires_at"], past)
    assert not SurveyResponse.objects.exists() and not Feedback.objects.exists()


def test_each_refusal_keeps_its_own_title_and_code(client, invitation):
    """The title says which problem it is (not the general "Xung đột dữ liệu" of every 409); the
    codes clients rely on do not change."""
    url = f"/api/v1/surveys/{invitation.token}/answer"
    bad = client.post(url, {"overall": 99}, content_type="application/json").json()
    assert (bad["code"], bad["status"]) == ("validation_error", 422)
    assert bad["title"] == "Đánh giá không hợp lệ"
    assert bad["errors"][0]["path"] == "overall"

    assert client.post(url, {"overall": 5}, content_type="application/json").status_code == 201
    again = client.post(url, {"overall": 5}, content_type="application/json").json()
    assert (again["code"], again["status"]) == ("already_answered", 409)
    assert again["title"] == "Phiếu khảo sát đã được trả lời"
    assert again["type"] == "https://opendvc.vn/problems/already-answered"

    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        answered_at=None, expires_at=timezone.now() - timedelta(days=1)
    )
    expired = client.post(url, {"overall": 5}, content_type="application/json").json()
    assert (expired["code"], expired["status"]) == ("survey_expired", 409)
    assert expired["title"] == "Phiếu khảo sát đã hết hạn"


def test_the_title_and_detail_are_in_english_when_english_is_chosen(client, invitation):
    client.cookies["django_language"] = "en"
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    url = f"/api/v1/surveys/{invitation.token}/answer"
    problem = client.post(url, {"overall": 5}, content_type="application/json").json()
    assert problem["code"] == "survey_expired"
    assert problem["title"] == "Survey expired"
    assert problem["detail"] == "This survey can no longer be answered."
    # A general title is given in English too.
    missing = client.post(
        "/api/v1/surveys/no-such-token/answer", {"overall": 5}, content_type="application/json"
    ).json()
    assert (missing["code"], missing["title"]) == ("not_found", "Not found")
