"""The public verification (page ``/xac-thuc-ket-qua/`` and API): a signed result the portal issued is
valid with its signer, agency and time; a modified, unsigned or unknown PDF is "không hợp lệ" with the
reason; the QR code (dossier code + key) shows what the portal issued."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import DossierDocument
from opendvc.dossiers.tests.conftest import pdf_bytes, submitted_dossier
from opendvc.signing import services

from .conftest import configure_agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(trust, procedure, citizen, officer, leader, justice):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    d = dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)
    d = dossier_services.dossier_act(
        dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
    )
    doc = DossierDocument.objects.get(dossier=d, kind="result")
    return d, doc, doc.file.read()


def _tampered(data: bytes) -> bytes:
    out = bytearray(data)
    out[data.index(b"stream") + 20] ^= 0x01
    return bytes(out)


def test_api_valid_then_tampered(client, issued):
    d, doc, data = issued
    r = client.post("/api/v1/public/verifications", {"file": SimpleUploadedFile("kq.pdf", data)})
    body = r.json()
    assert r.status_code == 200, body
    assert body["valid"] is True and body["issued"] is True and body["dossier_code"] == d.code
    assert body["signer"] == "Nguyễn Văn Lãnh Đạo" and body["title"] == "Phó Giám đốc"
    assert body["organisation"] == "Sở Tư pháp tỉnh Đồng Nai" and body["signed_at"]
    r = client.post(
        "/api/v1/public/verifications", {"file": SimpleUploadedFile("kq.pdf", _tampered(data))}
    )
    body = r.json()
    assert body["valid"] is False and body["issued"] is False
    assert any("thay đổi" in reason for reason in body["reasons"])


def test_page_by_qr_and_upload(client, issued):
    d, doc, data = issued
    key = doc.signature.verify_key
    r = client.get("/xac-thuc-ket-qua/", {"ma": d.code, "khoa": key})
    page = r.content.decode()
    assert r.status_code == 200 and "Nguyễn Văn Lãnh Đạo" in page and doc.sha256 in page
    r = client.post(
        f"/xac-thuc-ket-qua/?ma={d.code}&khoa={key}", {"tep": SimpleUploadedFile("kq.pdf", data)}
    )
    assert "Hợp lệ" in r.content.decode() and "Không hợp lệ" not in r.content.decode()
    r = client.post("/xac-thuc-ket-qua/", {"tep": SimpleUploadedFile("kq.pdf", _tampered(data))})
    page = r.content.decode()
    assert "Không hợp lệ" in page and "đã bị thay đổi sau khi ký" in page
    # The change is the reason: the pinned signer's certificate is not called untrusted for it.
    assert "không do tổ chức chứng thực được tin cậy cấp" not in page
    # A file without a signature was not "changed": there is nothing to check its content against.
    r = client.post("/xac-thuc-ket-qua/", {"tep": SimpleUploadedFile("don.pdf", pdf_bytes())})
    page = r.content.decode()
    assert "Không hợp lệ" in page and "Tệp không có chữ ký số." in page
    assert "Toàn vẹn nội dung" not in page and "Đã bị thay đổi" not in page
    r = client.get("/xac-thuc-ket-qua/", {"ma": d.code, "khoa": "sai"})
    assert "Không hợp lệ" in r.content.decode()
    assert client.post("/xac-thuc-ket-qua/", {}).status_code == 422


def test_unsigned_and_garbage_files_are_not_valid(trust):
    plain = services.pdf_verify(data=pdf_bytes())
    assert not plain.valid and "Tệp không có chữ ký số." in plain.reasons
    junk = services.pdf_verify(data=b"not a pdf at all")
    assert not junk.valid and junk.reasons


def test_signed_elsewhere_is_not_issued_by_the_portal(trust):
    _sim, _ca, paths = trust
    cred = services.credential_load(path=str(paths["signer"]), passphrase="opendvc-test")
    data, _level = services.pdf_sign(pdf=pdf_bytes(), credential=cred)
    result = services.pdf_verify(data=data)
    assert result.intact and result.trusted and not result.issued and not result.valid


def test_api_qr_lookup(client, issued):
    d, doc, _data = issued
    r = client.get(f"/api/v1/public/verifications/{d.code}", {"key": doc.signature.verify_key})
    assert r.status_code == 200 and r.json()["sha256"] == doc.sha256
    assert client.get(f"/api/v1/public/verifications/{d.code}", {"key": "x"}).status_code == 404


def test_a_receipt_issued_without_the_seal_is_the_portals_but_not_signed(client, procedure, citizen, officer, settings):
    """With no seal configured (the demo), the receipt is issued unsigned: the verification names the
    dossier it belongs to and says it is not signed, instead of calling it foreign to the portal."""
    settings.SIGNING_SEAL_PKCS12 = ""
    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    receipt = DossierDocument.objects.get(dossier=d, kind="receipt")
    data = receipt.file.read()
    assert not hasattr(receipt, "signature") or receipt.signature is None
    result = services.pdf_verify(data=data)
    assert result.issued and result.dossier_code == d.code and not result.valid
    assert result.document_kind == receipt.get_kind_display()
    assert "Tệp không có chữ ký số." in result.reasons
    assert not any("không phải tài liệu do Cổng cấp" in r for r in result.reasons)
    page = client.post("/xac-thuc-ket-qua/", {"tep": SimpleUploadedFile("tiep-nhan.pdf", data)}).content.decode()
    assert "Không hợp lệ" in page and f"Có ({d.code})" in page and "không được ký số" in page
    # One byte more is no longer the issued document.
    assert not services.pdf_verify(data=data + b"\n").issued
