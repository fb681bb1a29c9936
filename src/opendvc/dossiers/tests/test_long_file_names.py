"""A file name without spaces (``Giay_chung_nhan_..._2026.pdf``) breaks inside the 360 px column on the
filing, review and dossier pages instead of widening the page."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import small_pdf

LONG = "Giay_chung_nhan_dang_ky_doanh_nghiep_ban_sao_co_chung_thuc_" * 3 + "2026.pdf"


def _draft(client, procedure, justice) -> dict:
    files = []
    for c in procedure.components.filter(required=True):
        r = client.post("/api/v1/files", {"file": SimpleUploadedFile(LONG, small_pdf())})
        files.append({"component": c.pk, "file": r.json()["id"]})
    body = {"procedure": procedure.code, "agency": justice.code, "files": files, "submit": False}
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()


def test_long_file_names_wrap_on_the_applicant_pages(client, citizen, procedure, justice):
    client.force_login(citizen)
    draft = _draft(client, procedure, justice)
    base = f"/ho-so-cua-toi/{draft['id']}/"
    for url in (f"{base}soan/", f"{base}xem-lai/", base):
        html = client.get(url).content.decode()
        assert re.search(rf'class="file-name"[^>]*>{re.escape(LONG)}<', html), url
    css = (Path(__file__).resolve().parents[1] / "static/dossiers/dossiers.css").read_text()
    assert ".file-name" in css and "overflow-wrap: anywhere" in css.split(".file-name", 1)[1][:80]
