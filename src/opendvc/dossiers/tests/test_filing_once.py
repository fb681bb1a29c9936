"""The first save of a new dossier on the filing page happens once per page: the page carries a
one-time token, and the same form sent again (a double click, a resent request, the page reopened
with the browser's Back button) leads to the draft the first save created instead of a second one."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers import services
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier, DossierFile

from .conftest import small_pdf


def _token(client, procedure) -> str:
    page = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _post(client, procedure, justice, token, *, action="xem-lai", extra=None):
    post = {"co-quan": justice.pk, "nop-voi-tu-cach": "self", "token": token, "action": action, **(extra or {})}
    for c in procedure.components.filter(required=True):
        post[f"tp-{c.pk}"] = [SimpleUploadedFile(f"{c.pk}.pdf", small_pdf(), "application/pdf")]
    return client.post(f"/nop-ho-so/{procedure.code}/", post)


def test_the_same_page_saved_twice_makes_one_draft(client, citizen, procedure, justice):
    client.force_login(citizen)
    token = _token(client, procedure)
    first = _post(client, procedure, justice, token)
    dossier = Dossier.objects.get(applicant=citizen)
    assert first.status_code == 302 and first["Location"] == f"/ho-so-cua-toi/{dossier.public_id}/xem-lai/"
    again = _post(client, procedure, justice, token)
    assert Dossier.objects.filter(applicant=citizen).count() == 1
    assert DossierFile.objects.filter(dossier=dossier).count() == 2  # the files were not attached twice
    assert again.status_code == 302 and again["Location"] == f"/ho-so-cua-toi/{dossier.public_id}/soan/"
    page = client.get(again["Location"])
    assert page.status_code == 200
    assert "đã được lưu thành bản nháp ở lần gửi trước" in page.content.decode()


def test_a_draft_saved_twice_from_the_same_page(client, citizen, procedure, justice):
    client.force_login(citizen)
    token = _token(client, procedure)
    first = _post(client, procedure, justice, token, action="nhap")
    dossier = Dossier.objects.get(applicant=citizen)
    assert first.status_code == 302 and first["Location"] == f"/ho-so-cua-toi/{dossier.public_id}/soan/"
    again = _post(client, procedure, justice, token, action="nhap")
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Dossier.objects.filter(applicant=citizen).count() == 1


def test_a_fresh_page_still_makes_a_new_draft(client, citizen, procedure, justice):
    client.force_login(citizen)
    assert _post(client, procedure, justice, _token(client, procedure)).status_code == 302
    assert _post(client, procedure, justice, _token(client, procedure)).status_code == 302
    assert Dossier.objects.filter(applicant=citizen, status=State.DRAFT).count() == 2


def test_a_refused_first_save_keeps_the_token_and_saves_once_after(client, citizen, procedure, justice):
    """Nothing is created for an incomplete first save: the page comes back with the same token, and
    its next save creates the draft once."""
    client.force_login(citizen)
    token = _token(client, procedure)
    refused = client.post(f"/nop-ho-so/{procedure.code}/", {"nop-voi-tu-cach": "self", "token": token})
    assert refused.status_code == 422 and f'name="token" value="{token}"' in refused.content.decode()
    assert not Dossier.objects.filter(applicant=citizen).exists()
    assert _post(client, procedure, justice, token).status_code == 302
    assert _post(client, procedure, justice, token).status_code == 302
    assert Dossier.objects.filter(applicant=citizen).count() == 1


def test_a_token_is_the_users_own(client, citizen, stranger, procedure, justice):
    client.force_login(citizen)
    token = _token(client, procedure)
    assert _post(client, procedure, justice, token).status_code == 302
    client.force_login(stranger)
    r = _post(client, procedure, justice, token)
    assert r.status_code == 302 and "/xem-lai/" in r["Location"]
    assert Dossier.objects.filter(applicant=stranger).count() == 1
    assert Dossier.objects.filter(applicant=citizen).count() == 1


def test_two_saves_racing_with_one_token_make_one_draft(monkeypatch, citizen, procedure, justice):
    """The second save passed the check before the first was written: the unique token record
    refuses it, its draft is rolled back, and it answers with the first draft."""
    fields = {"applicant": citizen, "procedure": procedure, "receiving_agency": justice}
    token = "t" * 22
    first, created = services.page_create_draft(token=token, actor=citizen, **fields)
    assert created
    real = services.page_draft
    calls = []

    def not_yet_written(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(services, "page_draft", not_yet_written)
    second, created = services.page_create_draft(token=token, actor=citizen, **fields)
    assert not created and second.pk == first.pk
    assert Dossier.objects.filter(applicant=citizen).count() == 1


def test_without_a_usable_token_each_save_creates(citizen, procedure, justice):
    fields = {"applicant": citizen, "procedure": procedure, "receiving_agency": justice}
    for token in ("", "short", "x" * 65, "bad token with spaces!!"):
        _d, created = services.page_create_draft(token=token, actor=citizen, **fields)
        assert created
