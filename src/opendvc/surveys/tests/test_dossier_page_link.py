"""The applicant's page of a returned dossier leads to its survey (Regulation Art. 7: the applicant is
asked to rate the handling of the dossier): open, it links to the form; answered, it says when; it is
not shown to someone else who may see the dossier, nor once it expired unanswered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from opendvc.accounts.tests.factories import UserFactory
from opendvc.surveys.models import SurveyInvitation
from opendvc.surveys.selectors import invitation_for

pytestmark = pytest.mark.django_db


def _page(client, dossier, user):
    client.force_login(user)
    r = client.get(f"/ho-so-cua-toi/{dossier.public_id}/")
    assert r.status_code == 200
    return r.content.decode()


def test_the_returned_dossiers_page_links_to_its_survey_then_says_it_was_answered(
    client, returned_dossier
):
    invitation = SurveyInvitation.objects.get(dossier=returned_dossier)
    page = _page(client, returned_dossier, returned_dossier.applicant)
    assert 'id="danh-gia"' in page and f'href="/khao-sat/{invitation.token}/"' in page
    client.post(f"/khao-sat/{invitation.token}/", {"overall": "1"})
    page = _page(client, returned_dossier, returned_dossier.applicant)
    assert "Bạn đã đánh giá việc giải quyết hồ sơ này lúc" in page
    assert f'href="/khao-sat/{invitation.token}/"' not in page


def test_an_expired_survey_or_another_reader_gets_no_link(client, returned_dossier):
    invitation = SurveyInvitation.objects.get(dossier=returned_dossier)
    assert invitation_for(dossier=returned_dossier, user=UserFactory()) is None
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = _page(client, returned_dossier, returned_dossier.applicant)
    assert 'id="danh-gia"' not in page


def test_the_link_speaks_english_on_the_english_page(client, returned_dossier):
    client.cookies["django_language"] = "en"
    page = _page(client, returned_dossier, returned_dossier.applicant)
    assert "Rate your satisfaction" in page and "Your answer goes to the agency" in page
