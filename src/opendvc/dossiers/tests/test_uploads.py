"""Upload checks: the allow-list by content, limits, names, and hostile files refused with nothing stored."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from opendvc.dossiers.models import DossierFile, Upload
from opendvc.dossiers.uploads import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    UploadError,
    check_file,
    sanitise_name,
)

from .conftest import png_bytes, small_pdf


def ooxml(kind: str, *, extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if kind == "docx":
            zf.writestr("word/document.xml", "<w:document/>")
        elif kind == "xlsx":
            zf.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 10)).save(buf, format="JPEG")
    return buf.getvalue()


def bomb_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


@pytest.mark.parametrize("name,content,mime", [
    ("to-khai.pdf", None, PDF),
    ("anh.jpg", "jpeg", JPEG),
    ("anh.png", "png", PNG),
    ("don.docx", "docx", DOCX),
    ("bang.xlsx", "xlsx", XLSX),
    ("khong-co-duoi", None, PDF),
])
def test_allowed_types_by_content(name, content, mime):
    data = {None: small_pdf(), "jpeg": jpeg_bytes(), "png": png_bytes(), "docx": ooxml("docx"),
            "xlsx": ooxml("xlsx")}[content]
    checked = check_file(name=name, content=data)
    assert checked.content_type == mime
    assert checked.size == len(data)
    import hashlib

    assert checked.sha256 == hashlib.sha256(data).hexdigest()


HOSTILE = {
    "executable renamed .pdf": ("hoa-don.pdf", EXE, "executable"),
    "empty file": ("rong.pdf", b"", "empty_file"),
    "truncated pdf": ("cat-ngang.pdf", None, "broken_pdf"),
    "path traversal": ("../../etc/passwd.pdf", None, "unsafe_name"),
    "windows path": ("..\\boot.pdf", None, "unsafe_name"),
    "decompression bomb": ("bom.png", "bomb", "image_too_large"),
    "zip that is not office": ("tai-lieu.docx", "zip", "unsupported_type"),
    "zip bomb docx": ("to.docx", "zipbomb", "archive_too_large"),
    "html renamed": ("trang.pdf", b"<html><script>alert(1)</script></html>", "unsupported_type"),
    "broken png": ("hong.png", "brokenpng", "broken_image"),
}


def _hostile_content(content):
    if content is None:
        return small_pdf()
    if content == "bomb":
        return bomb_png()
    if content == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("readme.txt", "không phải Word")
        return buf.getvalue()
    if content == "zipbomb":
        return ooxml("docx", extra={"word/media/big.bin": b"\0" * (50 * 1024 * 1024)})
    if content == "brokenpng":
        return png_bytes()[:60]
    return content


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_files_are_refused_with_a_message(case):
    name, content, code = HOSTILE[case]
    data = _hostile_content(content)
    if case == "truncated pdf":
        data = data[: len(data) // 2]
    with pytest.raises(UploadError) as err:
        check_file(name=name, content=data)
    assert err.value.code == code
    message = err.value.message.lower()
    assert "tệp" in message or "ảnh" in message


def test_size_limit_per_file_is_a_setting(settings):
    settings.DOSSIER_MAX_FILE_BYTES = 1000
    with pytest.raises(UploadError) as err:
        check_file(name="lon.pdf", content=small_pdf() + b" " * 1000)
    assert err.value.code == "file_too_large"
    assert "giới hạn" in err.value.message


def test_names_with_paths_over_http_arrive_without_them(client, citizen):
    """Django's multipart parser keeps only the last path part and drops control characters; the
    service refuses such names outright when they reach it another way (tests above)."""
    client.force_login(citizen)
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("../../etc/x.pdf", small_pdf())})
    assert response.status_code == 201
    assert response.json()["name"] == "x.pdf"


def test_names_are_sanitised():
    assert sanitise_name("  Giấy khai sinh <bản sao>.pdf ") == "Giấy khai sinh _bản sao_.pdf"
    long = "a" * 300 + ".pdf"
    assert len(sanitise_name(long)) <= 200 and sanitise_name(long).endswith(".pdf")
    # Decomposed Vietnamese is stored composed (NFC).
    import unicodedata

    assert sanitise_name(unicodedata.normalize("NFD", "Tờ khai.pdf")) == "Tờ khai.pdf"


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("case", ["executable renamed .pdf", "empty file", "decompression bomb", "truncated pdf",
                                  "zip bomb docx"])
def test_api_refuses_hostile_upload_and_stores_nothing(case, client, citizen, settings):
    name, content, code = HOSTILE[case]
    client.force_login(citizen)
    data = _hostile_content(content)
    if case == "truncated pdf":
        data = data[: len(data) // 2]
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile(name, data, "application/pdf")})
    assert response.status_code == 422
    body = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert body["code"] == code and body["detail"]
    assert Upload.objects.count() == 0
    assert _media_files(settings) == []


def test_api_upload_over_limit_is_413(client, citizen, settings):
    settings.DOSSIER_MAX_FILE_BYTES = 2000
    client.force_login(citizen)
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("lon.pdf", small_pdf() + b"\n" * 3000)})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert Upload.objects.count() == 0 and _media_files(settings) == []


def test_api_upload_ok_then_cleanup_after_a_day(client, citizen, settings):
    from opendvc.dossiers.jobs import clean_unclaimed_uploads

    client.force_login(citizen)
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
    assert response.status_code == 201
    body = response.json()
    assert body["content_type"] == PDF and len(body["sha256"]) == 64 and body["size"] == len(small_pdf())
    assert len(_media_files(settings)) == 1
    assert clean_unclaimed_uploads() == 0
    Upload.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert clean_unclaimed_uploads() == 1
    assert Upload.objects.count() == 0 and _media_files(settings) == []


def test_sweep_removes_files_without_rows(citizen, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from opendvc.core.orphans import orphan_files_sweep
    from opendvc.dossiers.models import dossier_file_path
    from opendvc.dossiers.services import upload_create

    kept = upload_create(owner=citizen, checked=check_file(name="a.pdf", content=small_pdf()))
    orphan = default_storage.save(dossier_file_path(None, "x"), ContentFile(b"%PDF-1.4 half written"))
    assert orphan_files_sweep(older_than=timezone.now() - timedelta(hours=1)).total == 0  # too recent
    assert orphan_files_sweep(older_than=timezone.now() + timedelta(seconds=5)).total == 1
    assert not default_storage.exists(orphan) and default_storage.exists(kept.file.name)


def test_anonymous_cannot_upload(client):
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
    assert response.status_code == 401


def test_per_dossier_limit(procedure, citizen, justice, settings):
    from opendvc.core.problems import ProblemError
    from opendvc.dossiers import services

    settings.DOSSIER_MAX_TOTAL_BYTES = len(small_pdf()) * 2 + 10
    d = services.dossier_create_draft(applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen)
    one = check_file(name="a.pdf", content=small_pdf())
    services.dossier_update_draft(dossier=d, actor=citizen, add_files=[(None, one), (None, one)])
    with pytest.raises(UploadError) as err:
        services.dossier_update_draft(dossier=d, actor=citizen, add_files=[(None, one)])
    assert err.value.code == "dossier_too_large"
    assert DossierFile.objects.filter(dossier=d).count() == 2
    assert len(_media_files(settings)) == 2
    assert ProblemError  # the API maps the same error to 413
