"""Nộp bổ sung (Regulation QĐ 31/2020/QĐ-UBND Art. 14.4): the supply action needs at least one
supplementary file, whether sent from the page or through the API (files uploaded with POST /files)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.models import Dossier, DossierFile

from .conftest import small_pdf
from .test_processing import at_specialist, received


@pytest.fixture
def waiting(procedure, citizen, officer, processor):
    d = at_specialist(received(procedure, citizen, officer), officer)
    return services.dossier_act(
        dossier=d, action="request_supplement", actor=processor, items=["Trích lục"]
    )


def _api(client, citizen):
    from opendvc.api.services import api_token_create

    token = api_token_create(owner=citizen, name="t", scopes=["*"])[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_supply_without_a_file_is_refused_by_the_service(waiting, citizen):
    with pytest.raises(ProblemError) as exc:
        services.dossier_act(dossier=waiting, action="supply", actor=citizen)
    assert exc.value.status == 422
    assert exc.value.extra["errors"][0]["path"] == "files"
    d = Dossier.objects.get(pk=waiting.pk)
    assert (
        d.status == "supplement_requested"
        and d.paused_at is not None
        and d.completion_items == ["Trích lục"]
    )


def test_api_supply_without_files_is_422_and_changes_nothing(client, waiting, citizen):
    auth = _api(client, citizen)
    r = client.post(
        f"/api/v1/dossiers/{waiting.code}/actions",
        {"action": "supply"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422, r.content
    body = r.json()
    assert (
        body["errors"][0]["path"] == "files" and "ít nhất một tệp" in body["errors"][0]["message"]
    )
    assert Dossier.objects.get(pk=waiting.pk).status == "supplement_requested"


def test_api_supply_takes_uploaded_files(client, waiting, citizen):
    auth = _api(client, citizen)
    up = client.post(
        "/api/v1/files",
        {"file": SimpleUploadedFile("trich-luc.pdf", small_pdf(), "application/pdf")},
        **auth,
    )
    assert up.status_code == 201, up.content
    r = client.post(
        f"/api/v1/dossiers/{waiting.code}/actions",
        {"action": "supply", "files": [up.json()["id"]], "note": "Đã bổ sung"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "processing"
    f = DossierFile.objects.get(dossier=waiting, original_name="trich-luc.pdf")
    assert f.component is None and f.component_name == "Giấy tờ bổ sung"
    assert Dossier.objects.get(pk=waiting.pk).events.get(action="supply").data["files"] == [
        "trich-luc.pdf"
    ]
    # The same upload cannot be used twice.
    services.dossier_act(
        dossier=Dossier.objects.get(pk=waiting.pk),
        action="request_supplement",
        actor=waiting.events.get(action="request_supplement").actor,
        items=["Tờ khai"],
    )
    again = client.post(
        f"/api/v1/dossiers/{waiting.code}/actions",
        {"action": "supply", "files": [up.json()["id"]]},
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 422 and again.json()["errors"][0]["path"] == "files"


def test_page_supply_without_a_file_is_refused(client, waiting, citizen):
    client.force_login(citizen)
    r = client.post(f"/ho-so-cua-toi/{waiting.public_id}/bo-sung/", {"ghi-chu": "x"})
    assert (
        r.status_code == 422
        and "Hãy đính kèm ít nhất một tệp giấy tờ bổ sung." in r.content.decode()
    )
    assert Dossier.objects.get(pk=waiting.pk).status == "supplement_requested"
    r = client.post(
        f"/ho-so-cua-toi/{waiting.public_id}/bo-sung/",
        {"tep": SimpleUploadedFile("trich-luc.pdf", small_pdf(), "application/pdf")},
    )
    assert r.status_code == 302 and Dossier.objects.get(pk=waiting.pk).status == "processing"


def test_page_supply_says_under_which_name_a_misnamed_file_was_kept(client, waiting, citizen):
    """A scan saved as ``bo-sung.png`` that is a PDF is kept as ``bo-sung.pdf``, and the next page
    says so."""
    client.force_login(citizen)
    r = client.post(
        f"/ho-so-cua-toi/{waiting.public_id}/bo-sung/",
        {"tep": SimpleUploadedFile("bo-sung.png", small_pdf(), "image/png")},
    )
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "Tệp “bo-sung.png” là tệp PDF nên được lưu với tên “bo-sung.pdf”." in page
