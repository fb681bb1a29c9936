"""An API client files a dossier with the papers the procedure asks for: each file names its component
by the id that GET /api/v1/procedures/{code} gives (``components[].id``); without it the client could
not attach a required paper, and the dossier could not be filed through the API."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import small_pdf


def test_a_client_attaches_required_papers_by_the_ids_the_procedure_gives(
    client, citizen, procedure, justice
):
    client.force_login(citizen)
    detail = client.get(f"/api/v1/procedures/{procedure.code}")
    assert detail.status_code == 200
    components = detail.json()["components"]
    assert components and all(isinstance(c.get("id"), int) for c in components)
    files = []
    for c in components:
        if c["required"]:
            r = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
            files.append({"component": c["id"], "file": r.json()["id"]})
    assert files
    body = {
        "procedure": procedure.code,
        "agency": justice.code,
        "files": files,
        "declaration": True,
    }
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "submitted"


def test_one_upload_is_attached_once(client, citizen, procedure, justice):
    """The same upload listed twice was attached twice (and counted twice against the dossier's size
    limit): it is a validation error at the repeated entry; an upload already used is told in a
    sentence, not by its bare id."""
    from opendvc.dossiers.models import Dossier

    client.force_login(citizen)
    component = client.get(f"/api/v1/procedures/{procedure.code}").json()["components"][0]["id"]
    upload = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())}).json()["id"]
    body = {"procedure": procedure.code, "agency": justice.code, "submit": False,
            "files": [{"component": component, "file": upload}, {"component": component, "file": upload}]}
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 422, r.content
    assert r.json()["errors"] == [{"path": "files.1.file", "message": "Tệp này đã có ở files.0; mỗi tệp tải lên "
                                                                      "chỉ đính kèm một lần."}]
    assert not Dossier.objects.filter(applicant=citizen).exists()

    body["files"] = body["files"][:1]
    assert client.post("/api/v1/dossiers", body, content_type="application/json").status_code == 201
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["path"] == "files" and error["message"].startswith(f"Tệp {upload} không còn hoặc đã được đính kèm")
