"""In English, the document store's labels (card facts, source names, the upload form) and the
verification page's rows are English: every label is wrapped for translation and translated."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from opendvc.dossiers.tests.conftest import checked_pdf
from opendvc.vault import services

pytestmark = pytest.mark.django_db


def _english(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def test_the_store_page_in_english(citizen):
    services.document_upload(
        owner=citizen,
        checked=checked_pdf(),
        document_type="Giấy chứng sinh",
        issuer="Bệnh viện Đa khoa Đồng Nai",
        number="123/GCS",
        issued_on=date(2020, 1, 5),
        expires_on=date(2099, 1, 1),
    )
    page = _english(citizen).get("/kho-du-lieu/").content.decode()
    for english in (
        "Issuing authority",
        "Number",
        "Date of issue",
        "Expiry date",
        "Download",
        "Uploaded by you",
        "Document type",
        "File",
    ):
        assert english in page, english
    for vietnamese in (
        "Cơ quan cấp",
        "Ngày cấp<",
        "Ngày hết hạn<",
        "Tải về",
        "Tự tải lên",
        ">Tệp<",
    ):
        assert vietnamese not in page, vietnamese


def test_a_document_the_portal_issued_is_named_in_english(procedure, citizen, officer):
    """An issued receipt's type and heading were its Vietnamese name as filed ("Giấy tiếp nhận hồ sơ
    và hẹn trả kết quả — …") on the English page; they are its kind, translated, and the code."""
    from opendvc.dossiers import services as dossier_services
    from opendvc.dossiers.tests.conftest import submitted_dossier
    from opendvc.vault.models import StoredDocument

    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    stored = StoredDocument.objects.get(owner=citizen, dossier_document__kind="receipt")
    assert stored.document_type == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    page = _english(citizen).get("/kho-du-lieu/").content.decode()
    assert f"Dossier receipt and appointment for the result — {d.code}</h3>" in page
    assert "Giấy tiếp nhận hồ sơ" not in page
    vietnamese = Client()
    vietnamese.force_login(citizen)
    page = vietnamese.get("/kho-du-lieu/").content.decode()
    assert f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả — {d.code}</h3>" in page
