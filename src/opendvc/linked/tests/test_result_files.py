"""A member agency's result document: uploaded by the part's leader through the portal's upload check,
shown to the applicant with the result, placed in the applicant's document store when issued."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.tests.conftest import pdf_bytes, sign_in
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import Part, PartResultFile
from opendvc.linked.services import PartAction, part_act
from opendvc.vault.models import StoredDocument

from .conftest import file_bundle


def _police_part(bundles, people):
    dossier = file_bundle(bundles[BIRTH], people)
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    part_act(part=birth, action=PartAction.ACCEPT, actor=people["justice"])
    part_act(part=birth, action=PartAction.COMPLETE, actor=people["chair"], result="GKS số 7")
    police = Part.objects.get(dossier=dossier, member__key="thuong-tru")
    part_act(part=police, action=PartAction.ACCEPT, actor=people["police"])
    return dossier, police


def test_leader_uploads_the_result_file_and_the_applicant_gets_it_in_the_store(
    bundles, people, client
):
    dossier, police = _police_part(bundles, people)
    url = f"/mot-cua/lien-thong/phan/{police.pk}/tep-ket-qua/"
    pdf = pdf_bytes("Thông báo kết quả cư trú")

    # An officer who is not the leader, and a renamed executable, are refused; nothing is stored.
    sign_in(client, people["police"])
    assert client.post(url, {"file": SimpleUploadedFile("kq.pdf", pdf)}).status_code == 403
    sign_in(client, people["police_chief"])
    bad = client.post(url, {"file": SimpleUploadedFile("kq.pdf", b"MZ\x90\x00" + b"\x00" * 200)})
    assert bad.status_code == 422 and "không thuộc loại được chấp nhận" in bad.content.decode()
    assert not PartResultFile.objects.exists()

    ok = client.post(url, {"file": SimpleUploadedFile("kq.pdf", pdf), "title": "Thông báo cư trú"})
    assert ok.status_code == 302
    row = PartResultFile.objects.get(part=police)
    assert row.content_type == "application/pdf" and row.vault_entry is None
    # Not issued yet: nothing in the applicant's store.
    assert not StoredDocument.objects.filter(owner=people["citizen"], source="result").exists()

    part_act(
        part=police, action=PartAction.COMPLETE, actor=people["police_chief"], result="TB số 12"
    )
    row.refresh_from_db()
    stored = row.vault_entry
    assert stored is not None and stored.owner == people["citizen"]
    assert stored.issuer == police.agency.name and stored.sha256 == row.sha256
    assert stored.stored.read() == pdf

    sign_in(client, people["citizen"])
    page = client.get(f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/").content.decode()
    assert "Thông báo cư trú" in page and "TB số 12" in page
    download = client.get(f"/lien-thong/tep-ket-qua/{row.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf
    api = client.get(f"/api/v1/linked/dossiers/{dossier.code}").json()
    files = {p["member"]: p["result_files"] for p in api["parts"]}
    assert files["thuong-tru"][0]["in_vault"] is True and files["khai-sinh"] == []
    # Another citizen cannot download it.
    sign_in(client, people["bhxh"])
    assert client.get(f"/lien-thong/tep-ket-qua/{row.pk}/").status_code == 404


def test_result_file_over_the_api(bundles, people, client):
    dossier, police = _police_part(bundles, people)
    url = f"/api/v1/linked/parts/{police.pk}/result-files"
    sign_in(client, people["police"])
    refused = client.post(url, {"file": SimpleUploadedFile("kq.pdf", pdf_bytes())})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    sign_in(client, people["police_chief"])
    bad = client.post(url, {"file": SimpleUploadedFile("kq.pdf", b"not a pdf at all")})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "file"
    part_act(
        part=police, action=PartAction.COMPLETE, actor=people["police_chief"], result="TB số 12"
    )
    late = client.post(url, {"file": SimpleUploadedFile("kq.pdf", pdf_bytes()), "title": "TB"})
    assert late.status_code == 201 and late.json()["in_vault"] is True
