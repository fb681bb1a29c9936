"""The first save of an e-form starts one draft per page: the page carries a one-time token, and the
same form sent again (a double click, a resent request) leads to the draft the first save created."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from opendvc.eforms import services
from opendvc.eforms.models import DraftStart, FormDraft

from .conftest import birth_data
from .test_services import _as_post

pytestmark = pytest.mark.usefixtures("eforms")
START = "/to-khai/1.001193/"


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def _token(client) -> str:
    page = client.get(f"{START}?moi=1").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _post(client, data, **extra):
    post = _as_post(data)
    for key, value in extra.items():
        post[key] = value
    return client.post(START, post.urlencode(), content_type="application/x-www-form-urlencoded")


def test_the_same_page_saved_twice_makes_one_draft(signed_in, applicant, a_ward):
    token = _token(signed_in)
    data = birth_data(a_ward)
    first = _post(signed_in, data, action="save", token=token)
    draft = FormDraft.objects.get(user=applicant)
    url = f"/to-khai/ban-nhap/{draft.public_id}/"
    assert first.status_code == 302 and first["Location"] == url
    again = _post(signed_in, data, action="save", token=token)
    assert FormDraft.objects.filter(user=applicant).count() == 1
    assert again.status_code == 302 and again["Location"] == url
    page = signed_in.get(url).content.decode()
    assert "Tờ khai đã được lưu ở lần gửi trước" in page


def test_a_finished_form_sent_twice_leads_to_the_completed_form(signed_in, applicant, a_ward):
    token = _token(signed_in)
    data = birth_data(a_ward)
    first = _post(signed_in, data, action="finish", token=token)
    draft = FormDraft.objects.get(user=applicant)
    assert first.status_code == 302 and first["Location"].endswith("/hoan-thanh/")
    again = _post(signed_in, data, action="finish", token=token)
    assert again.status_code == 302
    assert signed_in.get(again["Location"])["Location"] == first["Location"]
    assert FormDraft.objects.filter(user=applicant).count() == 1
    draft.refresh_from_db()
    assert draft.completed_at is not None


def test_a_fresh_page_still_starts_a_new_draft(signed_in, applicant, a_ward):
    data = birth_data(a_ward)
    assert _post(signed_in, data, action="save", token=_token(signed_in)).status_code == 302
    assert _post(signed_in, data, action="save", token=_token(signed_in)).status_code == 302
    assert FormDraft.objects.filter(user=applicant).count() == 2


def test_a_token_is_the_users_own(client, applicant, birth_procedure, django_user_model):
    token = "t" * 22
    mine, _errors, created = services.draft_start_once(
        user=applicant, procedure=birth_procedure, token=token
    )
    assert created
    other = django_user_model.objects.create_user(email="khac@example.vn", password="pw-Strong-123")
    theirs, _errors, created = services.draft_start_once(
        user=other, procedure=birth_procedure, token=token
    )
    assert created and theirs.pk != mine.pk


def test_two_saves_racing_with_one_token_make_one_draft(monkeypatch, applicant, birth_procedure):
    """The second save passed the check before the first was written: the unique token record refuses
    it, its draft is rolled back, and it answers with the first draft."""
    token = "r" * 22
    first, _errors, created = services.draft_start_once(
        user=applicant, procedure=birth_procedure, token=token
    )
    assert created
    real = services.draft_started
    calls = []

    def not_yet_written(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(services, "draft_started", not_yet_written)
    second, errors, created = services.draft_start_once(
        user=applicant, procedure=birth_procedure, token=token
    )
    assert not created and second.pk == first.pk and errors == []
    assert FormDraft.objects.filter(user=applicant).count() == 1


def test_an_expired_draft_does_not_hold_its_token(applicant, birth_procedure):
    token = "e" * 22
    old, _errors, _created = services.draft_start_once(
        user=applicant, procedure=birth_procedure, token=token
    )
    FormDraft.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    new, _errors, created = services.draft_start_once(
        user=applicant, procedure=birth_procedure, token=token
    )
    assert created and new.pk != old.pk
    assert DraftStart.objects.filter(user=applicant).count() == 1


def test_without_a_usable_token_each_save_starts(applicant, birth_procedure):
    for token in ("", "short", "x" * 65, "bad token with spaces!!"):
        _d, _errors, created = services.draft_start_once(
            user=applicant, procedure=birth_procedure, token=token
        )
        assert created
    assert not DraftStart.objects.exists()
