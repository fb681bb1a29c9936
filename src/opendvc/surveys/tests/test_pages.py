"""The survey pages in English: the agency's Vietnamese name is marked as Vietnamese (``lang="vi"``) on
the thanks page as on the form, so that a screen reader reads it with a Vietnamese voice."""

from __future__ import annotations

import pytest

from opendvc.surveys.models import SurveyInvitation

pytestmark = pytest.mark.django_db


def test_the_thanks_page_marks_the_agency_name_as_vietnamese(client, returned_dossier):
    invitation = SurveyInvitation.objects.select_related("agency").get()
    client.cookies["django_language"] = "en"
    url = f"/khao-sat/{invitation.token}/"
    form = client.get(url).content.decode()
    assert f'<span lang="vi">{invitation.agency.name}</span>' in form
    thanks = client.post(url, {"overall": "1"})
    html = thanks.content.decode()
    assert thanks.status_code == 200 and "Thank you for your rating" in html
    assert f'<span lang="vi">{invitation.agency.name}</span>' in html


def test_the_english_scale_uses_the_same_words_in_the_help_and_at_its_ends(client, returned_dossier):
    invitation = SurveyInvitation.objects.get()
    client.cookies["django_language"] = "en"
    html = client.get(f"/khao-sat/{invitation.token}/").content.decode()
    assert "very dissatisfied" in html
    assert "unsatisfied" not in html


def test_a_criterion_named_in_an_english_error_is_marked_as_vietnamese(client, returned_dossier):
    """The criteria are the agency's Vietnamese words: an English error naming one quotes it marked
    ``lang="vi"``; the API gives the same message as plain text."""
    invitation = SurveyInvitation.objects.select_related("form").get()
    criterion = invitation.form.criteria[0]
    client.cookies["django_language"] = "en"
    url = f"/khao-sat/{invitation.token}/"
    refused = client.post(url, {"overall": "5", f"c-{criterion['code']}": "99"})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert f'“<span lang="vi">{criterion["label"]}</span>”' in html
    problem = client.post(
        f"/api/v1/surveys/{invitation.token}/answer",
        {"overall": 5, "criteria": {criterion["code"]: 99}},
        content_type="application/json",
    ).json()
    assert problem["code"] == "validation_error"
    message = problem["errors"][0]["message"]
    assert f"“{criterion['label']}”" in message and "<span" not in message


def test_a_dissatisfied_answer_on_the_english_page_files_the_item_in_vietnamese(
    client, returned_dossier
):
    """The feedback item a "not satisfied" answer creates is the agency's record (Art. 7.4): its
    title, text and history note are in Vietnamese even when the applicant answered in English."""
    from opendvc.feedback.models import Feedback

    invitation = SurveyInvitation.objects.get()
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/khao-sat/{invitation.token}/", {"overall": "1", "comment": "Too slow"}
    )
    assert response.status_code == 200
    item = Feedback.objects.get()
    assert item.subject == f"Không hài lòng với việc giải quyết hồ sơ {invitation.dossier_code}"
    assert item.content == "Đánh giá chung: 1/5.\nÝ kiến: Too slow"
    assert [e.note for e in item.events.filter(action="forward")] == [
        "Chuyển theo phiếu khảo sát (Điều 7.4)."
    ]


def test_a_refused_answer_is_422_with_each_error_at_its_question(client, returned_dossier):
    """It answered 400 and gave the errors only in the summary at the top."""
    invitation = SurveyInvitation.objects.select_related("form").get()
    criterion = invitation.form.criteria[0]
    code = criterion["code"]
    url = f"/khao-sat/{invitation.token}/"
    client.cookies["django_language"] = "en"
    refused = client.post(url, {"comment": "Giữ lại"})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert 'aria-describedby="overall-error"' in html and 'id="overall-error"' in html
    assert 'name="overall" id="overall-1" value="1" required aria-invalid="true"' in html
    assert ">Giữ lại</textarea>" in html
    refused = client.post(url, {"overall": "4", f"c-{code}": "99"})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert f'aria-describedby="c-{code}-error"' in html and f'id="c-{code}-error"' in html
    assert "overall-error" not in html
    # The criterion's name stays marked as Vietnamese in the message at the question too.
    at_question = html.split(f'id="c-{code}-error"', 1)[1].split("</p>", 1)[0]
    assert f'“<span lang="vi">{criterion["label"]}</span>”' in at_question
