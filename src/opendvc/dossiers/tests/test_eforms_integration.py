"""Filing with the real birth registration e-form (catalog and e-forms demo data)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.models import Dossier

from .conftest import complete_profile, small_pdf


@pytest.fixture
def birth(db):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.models import Procedure
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    return Procedure.objects.get(code="1.001193")


def _files(client, procedure):
    from opendvc.catalog.models import Component

    out = []
    for c in Component.objects.filter(procedure=procedure, required=True, kind="submit", case=""):
        r = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
        out.append({"component": c.pk, "file": r.json()["id"]})
    return out


def test_form_is_rendered_validated_and_stored(client, citizen, birth):
    from opendvc.dossiers.selectors import receiving_agencies
    from opendvc.eforms.engine import units
    from opendvc.eforms.selectors import form_for_procedure
    from opendvc.eforms.tests.conftest import birth_data

    version = form_for_procedure(procedure=birth)
    assert version is not None
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{birth.code}/").content.decode()
    assert 'name="tk' in page  # the e-form's fields, prefixed
    agency = receiving_agencies(procedure=birth).first()
    _provinces, wards = units()
    ward = min(code for code, (_name, province) in wards.items() if province == 75)
    body = {"procedure": birth.code, "agency": agency.code, "files": _files(client, birth), "submit": True,
            "declaration": True,
            "data": dict(birth_data(ward), child_birth_date="30/02/2025")}
    bad = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert bad.status_code == 422
    assert any(e["path"].startswith("data.child_birth_date") for e in bad.json()["errors"])
    assert Dossier.objects.count() == 0
    body["data"] = birth_data(ward)
    body["files"] = _files(client, birth)
    # Regulation Art. 14.3: the profile must hold what the form takes from it before filing online.
    incomplete = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert incomplete.status_code == 422 and incomplete["Content-Type"] == "application/problem+json"
    missing = {e["path"] for e in incomplete.json()["errors"]}
    assert missing == {"profile.cccd", "profile.permanent_address", "profile.phone"}
    assert Dossier.objects.count() == 0
    complete_profile(citizen)
    body["files"] = _files(client, birth)
    ok = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert ok.status_code == 201, ok.json()
    d = Dossier.objects.get(code=ok.json()["code"])
    assert d.form_version_id == version.pk
    assert d.form_data["child_name"] == "Trần Minh Khôi"
