"""A file whose name does not say what it holds (a scan saved as ``a.jpg`` that is a PDF) is taken by
its content, wherever files are taken, and kept under the extension of that content: ``a.pdf``. The
person is not blocked for a wrong name, and the name shown everywhere after is the corrected one."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.models import DossierFile, Upload
from opendvc.dossiers.uploads import JPEG, PDF, check_file

from .conftest import png_bytes, sign_in, small_pdf

pytestmark = pytest.mark.django_db


def _misnamed_pdf(name: str = "a.jpg") -> SimpleUploadedFile:
    # The browser sends the type the name suggests: it is not believed either.
    return SimpleUploadedFile(name, small_pdf(), JPEG)


def test_the_check_keeps_the_name_sent_and_says_the_corrected_one():
    checked = check_file(name="a.jpg", content=small_pdf())
    assert (checked.name, checked.content_type, checked.sent_name) == ("a.pdf", PDF, "a.jpg")
    assert checked.renamed
    assert checked.renamed_note() == "Tệp “a.jpg” là tệp PDF nên được lưu với tên “a.pdf”."
    same = check_file(name="b.pdf", content=small_pdf())
    assert not same.renamed and same.renamed_note() == ""
    # An image the other way round, and a JPEG's other extensions are its own.
    assert check_file(name="anh.pdf", content=png_bytes()).name == "anh.png"


def test_the_api_takes_it_as_a_pdf_named_a_pdf(client, citizen):
    client.force_login(citizen)
    response = client.post("/api/v1/files", {"file": _misnamed_pdf()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["content_type"]) == ("a.pdf", PDF)
    upload = Upload.objects.get()
    assert (upload.original_name, upload.content_type) == ("a.pdf", PDF)


def test_the_filing_page_keeps_it_as_a_pdf_named_a_pdf(client, citizen, procedure, justice):
    client.force_login(citizen)
    post = {"co-quan": justice.pk, "nop-voi-tu-cach": "self", "tp-khac": [_misnamed_pdf()]}
    for c in procedure.components.filter(required=True):
        post[f"tp-{c.pk}"] = [SimpleUploadedFile(f"{c.pk}.pdf", small_pdf(), PDF)]
    response = client.post(f"/nop-ho-so/{procedure.code}/", post)
    assert response.status_code in (200, 302), response.content[:500]
    kept = DossierFile.objects.get(component=None)
    assert (kept.original_name, kept.content_type) == ("a.pdf", PDF)
    assert not DossierFile.objects.filter(original_name__endswith=".jpg").exists()
    # The next page says under which name it was kept, and only for that file.
    page = client.get(response["Location"]).content.decode()
    assert "Tệp “a.jpg” là tệp PDF nên được lưu với tên “a.pdf”." in page
    assert page.count("nên được lưu với tên") == 1


def test_the_store_page_and_api_keep_it_as_a_pdf_and_the_page_says_so(client, citizen):
    from opendvc.vault.models import StoredDocument

    sign_in(client, citizen)
    response = client.post(
        "/kho-du-lieu/",
        {"document_type": "Căn cước công dân", "file": _misnamed_pdf("can-cuoc.jpg")},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tệp “can-cuoc.jpg” là tệp PDF nên được lưu với tên “can-cuoc.pdf”." in page
    stored = StoredDocument.objects.get(owner=citizen)
    assert (stored.original_name, stored.content_type) == ("can-cuoc.pdf", PDF)

    response = client.post(
        "/api/v1/vault/documents",
        {"document_type": "Căn cước công dân", "file": _misnamed_pdf("the.jpg")},
    )
    assert response.status_code == 201, response.content
    assert StoredDocument.objects.filter(owner=citizen, original_name="the.pdf").exists()
