"""The citizen's filing journey with the shipped e-forms: one e-form rendering on the filing page (its
script, styles and no-JS ward list), errors marked in place, prefill from the profile and the
organisation, readable form data, the declaration (Regulation Art. 14.5) and a profile complete enough
to file (Art. 14.3)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.models import Dossier

from .conftest import complete_profile, make_procedure, small_pdf

BIRTH = "1.001193"  # address pickers, a checkbox, radios
PERMIT = "1.013225"  # radios with conditional fields, organisation data
RECORD = "3.000333"  # a repeatable group


@pytest.fixture
def shipped(db):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()


def _procedure(code):
    from opendvc.catalog.models import Procedure

    return Procedure.objects.get(code=code)


def _agency(procedure):
    from opendvc.dossiers.selectors import receiving_agencies

    return receiving_agencies(procedure=procedure).first()


def _ward(province: int, nth: int = 0) -> int:
    from opendvc.eforms.engine import units

    _provinces, wards = units()
    return sorted(code for code, (_n, p) in wards.items() if p == province)[nth]


def _select(page: str, select_id: str) -> str:
    found = re.search(rf'<select[^>]*id="{re.escape(select_id)}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select_id
    return found.group(1)


def test_filing_page_renders_the_eform_with_its_assets_and_no_js_ward_list(
    client, citizen, shipped
):
    from opendvc.eforms.engine import units

    client.force_login(citizen)
    provinces, wards = units()
    for code in (BIRTH, PERMIT, RECORD):
        page = client.get(f"/nop-ho-so/{code}/").content.decode()
        assert "eforms/eforms.js" in page and "eforms/eforms.css" in page, code
        assert 'data-eforms-wards="/to-khai/phuong-xa/"' in page
    permit = client.get(f"/nop-ho-so/{PERMIT}/").content.decode()
    assert re.search(r'<div class="eforms-option"><input type="radio" id="tkf-owner_kind"', permit)

    # Without JavaScript: "Cập nhật danh sách phường, xã" shows the page again with the wards of the
    # chosen province; nothing is saved and nothing typed is lost.
    birth = _procedure(BIRTH)
    for province in (75, 79):
        r = client.post(
            f"/nop-ho-so/{BIRTH}/",
            {
                "co-quan": _agency(birth).pk,
                "nop-voi-tu-cach": "self",
                "tkf-requester_address-province": str(province),
                "tkf-child_name": "Trần Minh Khôi",
                "tkf-child_birth_date": "05/09/2025",
                "eforms-refresh": "tkf-requester_address",
            },
        )
        assert r.status_code == 200
        page = r.content.decode()
        options = _select(page, "tkf-requester_address-ward")
        ward = _ward(province, 2)
        assert f'<option value="{ward}">{wards[ward][0]}</option>' in options
        assert f'<option value="{province}" selected>' in _select(
            page, "tkf-requester_address-province"
        )
        assert 'value="Trần Minh Khôi"' in page and 'value="05/09/2025"' in page
        assert f'<option value="{_agency(birth).pk}" selected>' in page
    assert Dossier.objects.count() == 0

    # A repeatable group's "add" button adds a row, keeps the rows typed, saves nothing.
    record = _procedure(RECORD)
    group = next(
        s for s in _definition(record)["sections"] for s in s["fields"] if s["kind"] == "group"
    )
    child = group["fields"][0]["key"]
    r = client.post(
        f"/nop-ho-so/{RECORD}/",
        {
            "co-quan": _agency(record).pk,
            f"tkf-{group['key']}-0-{child}": "Dòng đầu",
            "tkeforms-add": group["key"],
        },
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert 'value="Dòng đầu"' in page and f'id="tkf-{group["key"]}-1-{child}"' in page
    assert Dossier.objects.count() == 0


def _definition(procedure):
    from opendvc.eforms.selectors import form_for_procedure

    return form_for_procedure(procedure=procedure).definition


def test_empty_save_marks_each_field_in_place_and_creates_nothing(client, citizen, shipped):
    client.force_login(citizen)
    birth = _procedure(BIRTH)
    r = client.post(
        f"/nop-ho-so/{BIRTH}/",
        {
            "co-quan": _agency(birth).pk,
            "nop-voi-tu-cach": "self",
            "tkf-child_name": "Trần Minh Khôi",
            "action": "xem-lai",
        },
    )
    assert r.status_code == 422
    page = r.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    # Each problem links to its field, which carries aria-invalid and its own message.
    for target in ("tkf-requester_address-province", "tkf-child_birth_date", "tkf-declaration"):
        assert f'href="#{target}"' in summary, target
        control = re.search(rf'<(input|select)[^>]*id="{target}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in control and 'aria-describedby="' in control
    assert 'id="tkf-child_birth_date-error"' in page
    required = birth.components.filter(required=True, kind="submit", case="").first()
    assert f'href="#tp-{required.pk}"' in summary
    assert re.search(rf'<input type="file" id="tp-{required.pk}"[^>]*aria-invalid="true"', page)
    assert 'value="Trần Minh Khôi"' in page  # what was typed is kept
    assert Dossier.objects.count() == 0

    # A procedure without an e-form: the agency and the required papers are marked the same way.
    plain = make_procedure(code="9.000001", components=(("Đơn đề nghị", True),))
    r = client.post(f"/nop-ho-so/{plain.code}/", {"co-quan": "", "action": "xem-lai"})
    assert r.status_code == 422
    page = r.content.decode()
    assert 'href="#co-quan"' in page and re.search(
        r'<select id="co-quan"[^>]*aria-invalid="true"', page
    )
    assert f'href="#tp-{plain.components.get().pk}"' in page
    assert Dossier.objects.count() == 0
    # "Lưu nháp" keeps an unfinished dossier as a draft.
    from opendvc.dossiers.selectors import receiving_agencies

    r = client.post(
        f"/nop-ho-so/{plain.code}/",
        {"co-quan": receiving_agencies(procedure=plain).first().pk, "action": "nhap"},
    )
    assert r.status_code == 302 and Dossier.objects.get().status == "draft"


def test_form_is_prefilled_from_the_profile_and_the_organisation(client, shipped):
    from opendvc.accounts.tests.factories import MembershipFactory

    membership = MembershipFactory(
        organisation__tax_code="3600252847", organisation__legal_representative="Lê Văn Đại Diện"
    )
    person = membership.user
    complete_profile(person, cccd="079090004321", province=79)
    client.force_login(person)
    page = client.get(f"/nop-ho-so/{BIRTH}/").content.decode()
    assert f'value="{person.full_name}"' in page
    assert (
        'id="tkf-requester_id_number" name="tkf-requester_id_number" value="079090004321"' in page
    )
    assert 'value="0912345678"' in page and f'value="{person.email}"' in page
    assert '<option value="79" selected>' in _select(page, "tkf-requester_address-province")
    assert f'<option value="{_ward(79)}" selected>' in _select(page, "tkf-requester_address-ward")
    # Acting for the organisation: the permit's applicant kind and organisation data come from it.
    page = client.get(
        f"/nop-ho-so/{PERMIT}/?nop-voi-tu-cach=org:{membership.organisation.public_id}"
    )
    page = page.content.decode()
    assert re.search(
        r'id="tkf-owner_kind-1" name="tkf-owner_kind" value="organisation" checked', page
    )
    assert 'value="3600252847"' in page and 'value="Lê Văn Đại Diện"' in page
    # The choice is a field of the filing form, showing the organisation the page was filled in for.
    assert f'<option value="org:{membership.organisation.public_id}" selected' in page
    alone = client.get(f"/nop-ho-so/{PERMIT}/").content.decode()
    assert re.search(r'id="tkf-owner_kind" name="tkf-owner_kind" value="individual" checked', alone)
    assert 'value="3600252847"' not in alone


def _file_birth(client, person, procedure, *, declaration=True):
    from opendvc.eforms.tests.conftest import birth_data

    files = []
    for c in procedure.components.filter(required=True, kind="submit", case=""):
        r = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
        files.append({"component": c.pk, "file": r.json()["id"]})
    body = {
        "procedure": procedure.code,
        "agency": _agency(procedure).code,
        "files": files,
        "submit": True,
        "data": birth_data(_ward(75, 5)),
        "declaration": declaration,
    }
    return client.post("/api/v1/dossiers", body, content_type="application/json")


def test_form_data_reads_in_the_forms_words_on_every_page(client, citizen, officer, shipped):
    from opendvc.agencies.models import StaffRole
    from opendvc.eforms.engine import units

    from .conftest import sign_in

    birth = _procedure(BIRTH)
    complete_profile(citizen)
    client.force_login(citizen)
    r = _file_birth(client, citizen, birth)
    assert r.status_code == 201, r.json()
    assert r.json()["declared_at"]
    dossier = Dossier.objects.get(code=r.json()["code"])
    _provinces, wards = units()
    ward_name = wards[_ward(75, 5)][0]
    pages = [client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()]
    StaffRole.objects.filter(user=officer).update(agency=dossier.receiving_agency)
    sign_in(client, officer)
    pages.append(client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode())
    for page in pages:
        assert "Người yêu cầu" in page and "Thông tin người mẹ" in page  # the form's sections
        assert ward_name in page and "Đồng Nai" in page and "05/09/2025" in page
        assert "Bệnh viện Đa khoa Đồng Nai" in page and "Tại cơ sở y tế" in page
        for raw in (
            "requester_address",
            "health_facility",
            "2025-09-05",
            "= True",
            ">True<",
            "province",
        ):
            assert raw not in page, raw
        assert "Cam đoan lúc" in page


def test_declaration_is_required_before_submitting_and_its_time_is_kept(
    client, citizen, procedure, justice, officer
):
    from opendvc.dossiers import services

    from .conftest import checked_pdf, sign_in

    client.force_login(citizen)
    d = services.dossier_create_draft(
        applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen
    )
    services.dossier_update_draft(
        dossier=d,
        actor=citizen,
        add_files=[(c, checked_pdf()) for c in procedure.components.filter(required=True)],
    )
    url = f"/ho-so-cua-toi/{d.public_id}/xem-lai/"
    page = client.get(url).content.decode()
    assert 'type="checkbox" id="cam-doan" name="cam-doan" value="1" required' in page
    assert "Tôi xin cam đoan những thông tin kê khai là đúng sự thật" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    refused = client.post(url, {"token": token})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'href="#cam-doan"' in body and re.search(r'id="cam-doan"[^>]*aria-invalid="true"', body)
    d.refresh_from_db()
    assert d.status == "draft" and d.declared_at is None and d.code is None
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    done = client.post(url, {"token": token, "cam-doan": "1"})
    assert done.status_code == 302
    d.refresh_from_db()
    assert d.status == "submitted" and d.declared_at == d.submitted_at
    from opendvc.worktime import to_local

    shown = to_local(d.declared_at).strftime("%H:%M %d/%m/%Y")
    assert shown in client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    # The receipt letter prints it.
    sign_in(client, officer)
    client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", {"action": "receive", "version": d.version})
    receipt = d.documents.get(kind="receipt")
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(receipt.file.read())).pages)
    local = to_local(d.declared_at)
    assert "cam đoan" in text and f"{local:%H:%M} ngày {local:%d/%m/%Y}" in " ".join(text.split())
    assert shown in client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()


def test_api_submit_needs_the_declaration(client, citizen, procedure, justice, officer):
    from .conftest import submitted_dossier

    client.force_login(citizen)
    files = []
    for c in procedure.components.filter(required=True):
        r = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
        files.append({"component": c.pk, "file": r.json()["id"]})
    body = {"procedure": procedure.code, "agency": justice.code, "files": files, "submit": True}
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert [e["path"] for e in r.json()["errors"]] == ["declaration"]
    assert Dossier.objects.count() == 0
    r = client.post(
        "/api/v1/dossiers", {**body, "declaration": False}, content_type="application/json"
    )
    assert r.status_code == 422
    # A draft needs no declaration; resubmitting after a return does.
    draft = client.post(
        "/api/v1/dossiers", {**body, "submit": False}, content_type="application/json"
    )
    assert draft.status_code == 201 and draft.json()["declared_at"] is None
    from opendvc.dossiers import services

    d = submitted_dossier(procedure, citizen)
    services.dossier_act(
        dossier=d, action="return_for_completion", actor=officer, items=["Bản chính"]
    )
    code = d.code
    r = client.post(
        f"/api/v1/dossiers/{code}/actions", {"action": "resubmit"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "declaration"
    r = client.post(
        f"/api/v1/dossiers/{code}/actions",
        {"action": "resubmit", "declaration": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["declared_at"]


def test_profile_must_hold_what_the_form_takes_from_it(client, citizen, shipped):
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{BIRTH}/").content.decode()
    note = re.search(
        r'<div class="card" role="note" id="ho-so-ca-nhan-thieu">.*?</div>', page, re.S
    ).group(0)
    for label in ("Số định danh cá nhân (CCCD)", "Số điện thoại", "Địa chỉ thường trú"):
        assert label in note
    assert "Họ và tên" not in note  # the account has a name
    assert f'href="/ca-nhan/ho-so/?next=/nop-ho-so/{BIRTH}/"' in note
    # The profile page sends the applicant back after saving, only to a page of this site.
    profile = client.get(f"/ca-nhan/ho-so/?next=/nop-ho-so/{BIRTH}/").content.decode()
    assert f'name="next" value="/nop-ho-so/{BIRTH}/"' in profile
    assert (
        'value="https://evil.example/"'
        not in client.get("/ca-nhan/ho-so/?next=https://evil.example/").content.decode()
    )
    saved = client.post(
        "/ca-nhan/ho-so/", {"full_name": citizen.full_name, "next": f"/nop-ho-so/{BIRTH}/"}
    )
    assert saved.status_code == 302 and saved["Location"] == f"/nop-ho-so/{BIRTH}/"
    # The API refuses the same way (see test_eforms_integration); once complete, nothing is missing.
    complete_profile(citizen)
    assert 'id="ho-so-ca-nhan-thieu"' not in client.get(f"/nop-ho-so/{BIRTH}/").content.decode()
    # A procedure whose form takes nothing from the profile (or has no form) asks for nothing.
    plain = make_procedure(code="9.000002")
    client.logout()
    from opendvc.accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert (
        'id="ho-so-ca-nhan-thieu"' not in client.get(f"/nop-ho-so/{plain.code}/").content.decode()
    )
