"""A draft made through the API has no code until it is filed: the applicant names it by its id to
read it and to file it (it could be made, then neither read nor filed through the API)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.models import Dossier

from .conftest import small_pdf


def _draft(client, procedure, justice) -> dict:
    files = []
    for c in procedure.components.filter(required=True):
        r = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
        files.append({"component": c.pk, "file": r.json()["id"]})
    body = {"procedure": procedure.code, "agency": justice.code, "files": files, "submit": False}
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["code"] is None
    return r.json()


def test_the_applicant_reads_and_files_a_draft_by_its_id(client, citizen, procedure, justice):
    client.force_login(citizen)
    draft = _draft(client, procedure, justice)
    got = client.get(f"/api/v1/dossiers/{draft['id']}")
    assert got.status_code == 200 and got.json()["status"] == "draft"
    filed = client.post(
        f"/api/v1/dossiers/{draft['id']}/actions",
        {"action": "submit", "declaration": True},
        content_type="application/json",
    )
    assert filed.status_code == 200, filed.content
    assert filed.json()["status"] == "submitted" and filed.json()["code"]
    # Filed, it is read by its code as before, and still by its id.
    assert client.get(f"/api/v1/dossiers/{filed.json()['code']}").status_code == 200
    assert client.get(f"/api/v1/dossiers/{draft['id']}").json()["code"] == filed.json()["code"]


def test_another_persons_draft_id_is_not_found(client, citizen, stranger, procedure, justice, officer):
    client.force_login(citizen)
    draft = _draft(client, procedure, justice)
    for user in (stranger, officer):
        client.force_login(user)
        assert client.get(f"/api/v1/dossiers/{draft['id']}").status_code == 404
        r = client.post(
            f"/api/v1/dossiers/{draft['id']}/actions",
            {"action": "submit", "declaration": True},
            content_type="application/json",
        )
        assert r.status_code == 404
    assert Dossier.objects.get(public_id=draft["id"]).status == "draft"
