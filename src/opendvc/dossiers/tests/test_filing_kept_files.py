"""A refused save of the filing page loses none of the files chosen with it: those that passed the
upload check are kept (the applicant's unclaimed uploads, expiring like the others) and shown as
attached at their component, so the next save needs them no more; a refused file is told at its
component and not kept. Kept files are usable by their owner only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from opendvc.dossiers.models import Dossier, DossierFile, Upload

from .conftest import JUSTICE, OTHER, make_procedure, png_bytes, small_pdf


@pytest.fixture
def two_agencies(agencies):
    """A procedure received by two agencies: the page offers no agency by default."""
    return make_procedure(code="1.009999", agencies=(JUSTICE, OTHER))


def _kept_inputs(html: str) -> dict[str, list[str]]:
    """The hidden inputs naming the kept files on the page shown again, per input name."""
    out: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(giu-[^"]+)" value="([^"]+)"', html):
        out.setdefault(name, []).append(value)
    return out


def _first(client, procedure, post):
    return client.post(f"/nop-ho-so/{procedure.code}/", {"nop-voi-tu-cach": "self", **post})


@pytest.mark.parametrize("shape", ["review", "draft", "organisation"])
def test_files_of_a_refused_first_save_are_kept(client, citizen, two_agencies, shape):
    """Refused for the agency not chosen (on "Lưu và xem lại" and on "Lưu nháp"), or for an
    organisation the user may not act for (the agency chosen)."""
    client.force_login(citizen)
    form, birth, other = list(two_agencies.components.order_by("position"))
    agency = two_agencies.agencies.first()
    if shape != "draft":
        files = {f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", small_pdf())],
                 f"tp-{birth.pk}": [SimpleUploadedFile("chung-sinh.png", png_bytes())]}
        expected = {(form.pk, "to-khai.pdf"), (birth.pk, "chung-sinh.png")}
    else:  # "Lưu nháp": one paper, two scans of it, and one other paper
        files = {f"tp-{birth.pk}": [SimpleUploadedFile("trang-1.png", png_bytes()),
                                    SimpleUploadedFile("trang-2.png", png_bytes((30, 20)))],
                 "tp-khac": [SimpleUploadedFile("giay-khac.pdf", small_pdf())]}
        expected = {(birth.pk, "trang-1.png"), (birth.pk, "trang-2.png"), (None, "giay-khac.pdf")}
    action = "nhap" if shape == "draft" else "xem-lai"
    if shape == "organisation":
        refused = _first(client, two_agencies, {"action": action, "co-quan": agency.pk,
                                                "nop-voi-tu-cach": "org:khong-phai-ma", **files})
    else:
        refused = _first(client, two_agencies, {"action": action, **files})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert ("Bạn không (còn) được nộp hồ sơ nhân danh tổ chức này" if shape == "organisation"
            else "Hãy chọn cơ quan tiếp nhận hồ sơ.") in html
    assert not Dossier.objects.filter(applicant=citizen).exists()
    kept = _kept_inputs(html)
    assert sum(len(v) for v in kept.values()) == len(expected)
    for _pk, name in expected:
        assert name in html
    # Sent again with the agency and without any file: the dossier has them, at their components.
    again = _first(client, two_agencies, {"action": action, "co-quan": agency.pk, **kept})
    assert again.status_code == 302, again.content.decode()[:2000]
    dossier = Dossier.objects.get(applicant=citizen)
    assert {(f.component_id, f.original_name) for f in dossier.files.all()} == expected
    assert not Upload.objects.filter(owner=citizen, claimed_at__isnull=True).exists()
    # The files kept were the ones checked: the same bytes.
    assert {f.sha256 for f in dossier.files.all()} <= {u.sha256 for u in Upload.objects.filter(owner=citizen)}


def test_a_refused_file_is_told_at_its_component_and_the_good_ones_are_kept(client, citizen, two_agencies):
    client.force_login(citizen)
    form, birth, _other = list(two_agencies.components.order_by("position"))
    agency = two_agencies.agencies.first()
    refused = _first(client, two_agencies, {
        "action": "xem-lai", "co-quan": agency.pk,
        f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", small_pdf())],
        f"tp-{birth.pk}": [SimpleUploadedFile("chung-sinh.pdf", b"MZ\x90\x00 not a pdf")],
    })
    assert refused.status_code == 422
    html = refused.content.decode()
    error = re.search(rf'<p class="field-error" id="tp-{birth.pk}-error">(.*?)</p>', html, re.S)
    assert error and "chung-sinh.pdf" in error.group(1) and "không thuộc loại được chấp nhận" in error.group(1)
    assert f'id="tp-{form.pk}-error"' not in html
    kept = _kept_inputs(html)
    assert list(kept) == [f"giu-{form.pk}"]
    assert [u.original_name for u in Upload.objects.filter(owner=citizen)] == ["to-khai.pdf"]
    # The refused paper is chosen again (a good file this time), the kept one is not.
    again = _first(client, two_agencies, {
        "action": "xem-lai", "co-quan": agency.pk, **kept,
        f"tp-{birth.pk}": [SimpleUploadedFile("chung-sinh.png", png_bytes())],
    })
    assert again.status_code == 302
    dossier = Dossier.objects.get(applicant=citizen)
    assert {(f.component_id, f.original_name) for f in dossier.files.all()} == {
        (form.pk, "to-khai.pdf"), (birth.pk, "chung-sinh.png")}


@pytest.mark.parametrize("content", [b"#!/bin/sh\necho hi\n", b""])
def test_a_refused_file_is_not_kept(client, citizen, two_agencies, content):
    client.force_login(citizen)
    form = two_agencies.components.order_by("position").first()
    refused = _first(client, two_agencies, {
        "action": "xem-lai", f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", content)],
    })
    assert refused.status_code == 422
    html = refused.content.decode()
    assert f'id="tp-{form.pk}-error"' in html and "to-khai.pdf" in html
    assert _kept_inputs(html) == {}
    assert not Upload.objects.exists() and not DossierFile.objects.exists()


def test_a_kept_file_is_its_owners_only(client, citizen, stranger, two_agencies):
    client.force_login(citizen)
    form, birth, _other = list(two_agencies.components.order_by("position"))
    refused = _first(client, two_agencies, {
        "action": "xem-lai",
        f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", small_pdf())],
        f"tp-{birth.pk}": [SimpleUploadedFile("chung-sinh.png", png_bytes())],
    })
    kept = _kept_inputs(refused.content.decode())
    assert len(kept) == 2
    agency = two_agencies.agencies.first()
    # Another user sending the ids (seen, guessed) gets none of the files, and no dossier.
    client.force_login(stranger)
    used = _first(client, two_agencies, {"action": "xem-lai", "co-quan": agency.pk, **kept})
    assert used.status_code == 422
    html = used.content.decode()
    assert "to-khai.pdf" not in html and "chung-sinh.png" not in html and _kept_inputs(html) == {}
    assert "không còn" in html
    assert not Dossier.objects.filter(applicant=stranger).exists() and not DossierFile.objects.exists()
    assert Upload.objects.filter(owner=citizen, claimed_at__isnull=True).count() == 2
    # Nor is one the owner kept longer ago than unclaimed uploads live.
    client.force_login(citizen)
    Upload.objects.filter(owner=citizen).update(created_at=timezone.now() - timedelta(hours=25))
    late = _first(client, two_agencies, {"action": "xem-lai", "co-quan": agency.pk, **kept})
    assert late.status_code == 422 and _kept_inputs(late.content.decode()) == {}
    assert not DossierFile.objects.exists()


def test_a_kept_file_can_be_removed(client, citizen, two_agencies):
    client.force_login(citizen)
    form, birth, _other = list(two_agencies.components.order_by("position"))
    refused = _first(client, two_agencies, {
        "action": "xem-lai",
        f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", small_pdf())],
        f"tp-{birth.pk}": [SimpleUploadedFile("sai.png", png_bytes())],
    })
    kept = _kept_inputs(refused.content.decode())
    wrong = kept[f"giu-{birth.pk}"][0]
    # Replaced: the wrong scan removed, another chosen in its place.
    again = _first(client, two_agencies, {
        "action": "xem-lai", "co-quan": two_agencies.agencies.first().pk, **kept, "bo-giu": [wrong],
        f"tp-{birth.pk}": [SimpleUploadedFile("dung.png", png_bytes((25, 25)))],
    })
    assert again.status_code == 302
    dossier = Dossier.objects.get(applicant=citizen)
    assert {(f.component_id, f.original_name) for f in dossier.files.all()} == {
        (form.pk, "to-khai.pdf"), (birth.pk, "dung.png")}


def test_files_kept_with_the_form_incomplete_go_to_the_draft(client, citizen, agencies):
    """An e-form with required fields left empty and no agency: nothing is saved, the file is kept;
    the next save with the agency (the form still incomplete) makes the draft, with the file."""
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.selectors import receiving_agencies
    from opendvc.eforms import demo as eforms_demo

    catalog_demo.seed()
    eforms_demo.seed()
    birth = Procedure.objects.get(code="1.001193")
    two = birth.components.filter(required=True, kind="submit").order_by("position")[:2]
    client.force_login(citizen)
    typed = {"tkf-child_name": "Trần Minh Khôi", "action": "xem-lai"}
    refused = _first(client, birth, {**typed, **{f"tp-{c.pk}": [SimpleUploadedFile(f"giay-{c.pk}.pdf", small_pdf())]
                                                 for c in two}})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'href="#tkf-child_birth_date"' in html and 'value="Trần Minh Khôi"' in html
    kept = _kept_inputs(html)
    assert sorted(kept) == sorted(f"giu-{c.pk}" for c in two)
    again = _first(client, birth, {**typed, "co-quan": receiving_agencies(procedure=birth).first().pk, **kept})
    assert again.status_code == 422 and 'href="#tkf-child_birth_date"' in again.content.decode()
    dossier = Dossier.objects.get(applicant=citizen)
    assert {(f.component_id, f.original_name) for f in dossier.files.all()} == {
        (c.pk, f"giay-{c.pk}.pdf") for c in two}
    assert _kept_inputs(again.content.decode()) == {}


def test_files_ticked_for_removal_stay_ticked_when_the_page_comes_back(client, citizen, two_agencies):
    """A draft's attached file ticked "bỏ tệp này" in a save refused for a bad upload is still ticked
    on the page shown again: the next save removes it, as the person asked."""
    from django.urls import reverse

    client.force_login(citizen)
    form, birth, _other = list(two_agencies.components.order_by("position"))
    _first(client, two_agencies, {
        "action": "nhap", "co-quan": two_agencies.agencies.first().pk,
        f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", small_pdf())],
        f"tp-{birth.pk}": [SimpleUploadedFile("sai.png", png_bytes())],
    })
    dossier = Dossier.objects.get(applicant=citizen)
    wrong = dossier.files.get(original_name="sai.png")
    right = dossier.files.get(original_name="to-khai.pdf")
    edit = reverse("dossiers:edit", kwargs={"public_id": dossier.public_id})
    refused = client.post(edit, {"action": "xem-lai", "xoa-tep": [str(wrong.pk)],
                                 f"tp-{birth.pk}": [SimpleUploadedFile("rong.pdf", b"")]})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert f'name="xoa-tep" value="{wrong.pk}" checked>' in html
    assert f'name="xoa-tep" value="{right.pk}">' in html
    # The browser sends the ticked box again with the next save.
    client.post(edit, {"action": "nhap", "xoa-tep": [str(wrong.pk)]})
    assert {f.original_name for f in dossier.files.all()} == {"to-khai.pdf"}


@pytest.mark.parametrize("value", ["²", "9" * 25, "١"])
def test_a_removal_of_a_file_that_is_no_row_is_ignored(client, citizen, two_agencies, value):
    """``xoa-tep`` with something ``str.isdigit`` accepts but no row id is ("²", 25 digits): ignored,
    the draft saved, not a 500."""
    from django.urls import reverse

    client.force_login(citizen)
    form, _birth, _other = list(two_agencies.components.order_by("position"))
    _first(client, two_agencies, {"action": "nhap", "co-quan": two_agencies.agencies.first().pk,
                                  f"tp-{form.pk}": [SimpleUploadedFile("to-khai.pdf", small_pdf())]})
    dossier = Dossier.objects.get(applicant=citizen)
    edit = reverse("dossiers:edit", kwargs={"public_id": dossier.public_id})
    r = client.post(edit, {"action": "nhap", "xoa-tep": [value]})
    assert r.status_code == 302
    r = client.post(edit, {"action": "xem-lai", "xoa-tep": [value]})
    assert r.status_code in (302, 422)
    assert {f.original_name for f in dossier.files.all()} == {"to-khai.pdf"}
