"""Filing in an organisation's name when the user may not (any more) act for it: the person's
authorisation withdrawn between loading the filing page and saving it, or a forged organisation id.
The page comes back with the error at "Nộp với tư cách" (in the page's language), everything typed
kept and nothing saved — not a 404 that loses the form."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from opendvc.accounts.models import Membership
from opendvc.dossiers.models import Dossier

from .conftest import small_pdf

PERMIT = "1.013225"  # a construction permit: for persons and organisations, with an e-form


@pytest.fixture
def permit(db):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.models import Procedure
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    return Procedure.objects.get(code=PERMIT)


def _agency(procedure):
    from opendvc.dossiers.selectors import receiving_agencies

    return receiving_agencies(procedure=procedure).first()


def _post(client, procedure, value, **extra):
    post = {
        "co-quan": _agency(procedure).pk,
        "nop-voi-tu-cach": value,
        "tkf-owner_name": "Công ty TNHH Xây dựng Bình Minh",
        "tkf-lot_number": "Thửa 128, tờ bản đồ 7",
        "tkf-work_kind": "Nhà ở riêng lẻ",
        "action": "nhap",
        **extra,
    }
    for c in procedure.components.filter(required=True):
        post[f"tp-{c.pk}"] = [SimpleUploadedFile(f"{c.pk}.pdf", small_pdf(), "application/pdf")]
    return client.post(f"/nop-ho-so/{procedure.code}/", post)


def _kept(page: str) -> None:
    for typed in ("Công ty TNHH Xây dựng Bình Minh", "Thửa 128, tờ bản đồ 7", "Nhà ở riêng lẻ"):
        assert f'value="{typed}"' in page, typed


def test_an_authorisation_withdrawn_before_saving_keeps_the_page(client, permit, member):
    client.force_login(member.user)
    value = f"org:{member.organisation.public_id}"
    page = client.get(f"/nop-ho-so/{PERMIT}/?nop-voi-tu-cach={value}").content.decode()
    assert re.search(rf'<option value="{re.escape(value)}" selected', page)
    Membership.objects.filter(pk=member.pk).delete()  # withdrawn while the page was open

    r = _post(client, permit, value)
    assert r.status_code == 422
    page = r.content.decode()
    _kept(page)
    assert f'<option value="{_agency(permit).pk}" selected>' in page
    # The error is at the field, which now lets the person choose again; the summary links to it.
    assert re.search(r'<p class="field-error" id="tu-cach-error">.*?không \(còn\) được nộp hồ sơ nhân danh '
                     r"tổ chức này", page, re.S)
    select = re.search(r'<select id="tu-cach" name="nop-voi-tu-cach"[^>]*>(.*?)</select>', page, re.S)
    assert select and 'aria-invalid="true"' in select.group(0) and 'value="self"' in select.group(1)
    assert value not in select.group(1)
    assert 'href="#tu-cach"' in page
    assert page.count('id="tu-cach"') == 1  # the "prefill as" form above is not shown twice
    assert not Dossier.objects.filter(applicant=member.user).exists()

    # Choosing again saves the draft as usual.
    r = _post(client, permit, "self")
    assert r.status_code == 302
    assert Dossier.objects.get(applicant=member.user).acting_for is None


def test_a_forged_organisation_on_a_save_for_review(client, permit, citizen):
    from opendvc.accounts.tests.factories import OrganisationFactory

    other = OrganisationFactory()
    client.force_login(citizen)
    for value in (f"org:{other.public_id}", "org:khong-phai-ma", "ai-do"):
        r = _post(client, permit, value, action="xem-lai")
        assert r.status_code == 422, value
        page = r.content.decode()
        _kept(page)
        assert 'id="tu-cach-error"' in page and other.name not in page
    assert not Dossier.objects.filter(applicant=citizen).exists()


def test_the_error_is_in_english_on_the_english_page(permit, member):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(member.user)
    value = f"org:{member.organisation.public_id}"
    Membership.objects.filter(pk=member.pk).delete()
    r = _post(client, permit, value)
    assert r.status_code == 422
    page = r.content.decode()
    error = re.search(r'<p class="field-error" id="tu-cach-error">(.*?)</p>', page, re.S).group(1)
    assert "You may not (or no longer) file on behalf of this organisation" in error
    assert "không (còn)" not in error
    assert '<label for="tu-cach">Filing as</label>' in page
    _kept(page)


def test_a_forged_organisation_on_the_page_itself_is_not_a_404(client, permit, citizen):
    """The page's own reads of the choice do not fail either (an e-form row button, a link)."""
    client.force_login(citizen)
    r = client.post(f"/nop-ho-so/{PERMIT}/", {"co-quan": _agency(permit).pk, "nop-voi-tu-cach": "org:xyz",
                                             "tkf-owner_name": "Bình Minh", "eforms-refresh": "tkf-owner_address"})
    assert r.status_code == 200 and 'value="Bình Minh"' in r.content.decode()
    assert client.get(f"/nop-ho-so/{PERMIT}/?nop-voi-tu-cach=org:xyz").status_code == 200


def _post_form(page: str) -> str:
    return re.search(r'<form method="post" enctype="multipart/form-data" class="filing-form".*?</form>', page, re.S).group(0)


def test_the_name_shown_is_the_name_the_dossier_is_filed_in(client, permit, member):
    """"Nộp với tư cách" is a field of the filing form itself: whatever it shows when the person saves
    is the name the dossier is filed in, without pressing "Điền sẵn" first (a choice that lived in a
    form of its own was silently replaced by the name the page was loaded with)."""
    client.force_login(member.user)
    page = client.get(f"/nop-ho-so/{PERMIT}/").content.decode()
    form = _post_form(page)
    named = re.findall(r'<(\w+)[^>]*name="nop-voi-tu-cach"', page)
    assert named == ["select"] and 'name="nop-voi-tu-cach"' in form
    assert '<form method="get"' not in page
    value = f"org:{member.organisation.public_id}"
    assert f'<option value="{value}"' in form and '<option value="self" selected' in form
    # Enter in a field presses the form's first submit button: a hidden one that names no action, which
    # saves for review as "Lưu và xem lại" does.
    first = re.search(r'<button type="submit"[^>]*>', form).group(0)
    assert "name=" not in first and 'class="visually-hidden"' in first

    r = _post(client, permit, value)
    assert r.status_code == 302
    assert Dossier.objects.get(applicant=member.user).acting_for == member.organisation


def test_prefill_as_fills_the_form_in_again_and_keeps_the_files(client, permit, member):
    client.force_login(member.user)
    value = f"org:{member.organisation.public_id}"
    component = permit.components.filter(required=True).first()
    r = client.post(f"/nop-ho-so/{PERMIT}/", {
        "co-quan": _agency(permit).pk, "nop-voi-tu-cach": value, "action": "dien-san",
        f"tp-{component.pk}": [SimpleUploadedFile("ban-ve.pdf", small_pdf(), "application/pdf")],
    })
    assert r.status_code == 200
    form = _post_form(r.content.decode())
    assert re.search(rf'<option value="{re.escape(value)}" selected', form)
    assert "ban-ve.pdf" in form  # kept at its component for the next save
    assert f'<option value="{_agency(permit).pk}" selected>' in form
    assert not Dossier.objects.filter(applicant=member.user).exists()
    # The person cannot switch to an organisation they do not act for: told at the field.
    r = client.post(f"/nop-ho-so/{PERMIT}/", {"co-quan": _agency(permit).pk, "nop-voi-tu-cach": "org:xyz",
                                             "action": "dien-san"})
    assert r.status_code == 422 and 'id="tu-cach-error"' in r.content.decode()
    assert not Dossier.objects.filter(applicant=member.user).exists()


def test_a_save_that_names_no_action_goes_to_the_review(client, permit, member):
    """What Enter in a field sends (the hidden first button names no action): a save for review."""
    client.force_login(member.user)
    r = client.post(f"/nop-ho-so/{PERMIT}/", {"co-quan": _agency(permit).pk, "nop-voi-tu-cach": "self"})
    assert r.status_code == 422 and "Hồ sơ chưa thể lưu để xem lại" in r.content.decode()
