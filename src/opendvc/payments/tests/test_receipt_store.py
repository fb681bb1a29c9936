"""The electronic payment receipt is issued like a result: one of the dossier's documents, sealed with
the system's seal certificate when configured (and known to the public verification page), and placed in
the payer's document store (Regulation QĐ 31/2020/QĐ-UBND Art. 6.2; Decree 11/2020/NĐ-CP Art. 9)."""

from __future__ import annotations

import pytest

from opendvc.dossiers.models import DossierDocument
from opendvc.payments import services
from opendvc.payments.models import Receipt
from opendvc.signing import services as signing_services
from opendvc.signing.tests.conftest import _trust_server, trust  # noqa: F401
from opendvc.vault.models import StoredDocument

from .test_pages import signed_ipn, vnpay_settings  # noqa: F401

pytestmark = pytest.mark.django_db


def _pay(client, dossier, citizen, capture):
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with capture(execute=True):
        r = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    assert r.json()["RspCode"] == "00"
    return Receipt.objects.get(order__dossier=dossier)


@pytest.mark.usefixtures("vnpay_settings", "dossier", "trust")
def test_the_receipt_is_sealed_listed_in_the_dossier_and_in_the_payers_store(
    client, dossier, citizen, django_capture_on_commit_callbacks
):
    receipt = _pay(client, dossier, citizen, django_capture_on_commit_callbacks)
    doc = DossierDocument.objects.get(dossier=dossier, kind="payment_receipt", event__isnull=True)
    assert receipt.file.name == doc.file.name and receipt.sha256 == doc.sha256
    assert doc.signature.purpose == "seal" and doc.signature.sha256 == doc.sha256
    data = receipt.file.open("rb").read()
    result = signing_services.pdf_verify(data=data)
    assert result.valid and result.issued, result.reasons
    assert result.signer == "Cổng Dịch vụ công"

    stored = StoredDocument.objects.get(dossier_document=doc)
    assert stored.owner == citizen and stored.source == "receipt"
    assert stored.number == receipt.number and receipt.number in stored.title

    client.force_login(citizen)
    store = client.get("/kho-du-lieu/").content.decode()
    assert f"Biên lai điện tử số {receipt.number}" in store
    assert "Cổng Dịch vụ công" in store  # the seal's signer, shown with the document
    page = client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()
    assert f"/ho-so-cua-toi/{dossier.public_id}/giay-to/{doc.pk}/" in page
    download = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    # Issued receipts stay in the store (the law keeps them).
    r = client.post(f"/kho-du-lieu/{stored.public_id}/xoa/")
    assert StoredDocument.objects.filter(pk=stored.pk).exists(), r.status_code


@pytest.mark.usefixtures("vnpay_settings")
def test_without_a_seal_the_receipt_is_still_filed_unsigned(
    client, dossier, citizen, settings, django_capture_on_commit_callbacks
):
    settings.SIGNING_SEAL_PKCS12 = ""
    receipt = _pay(client, dossier, citizen, django_capture_on_commit_callbacks)
    doc = DossierDocument.objects.get(dossier=dossier, kind="payment_receipt", event__isnull=True)
    assert not hasattr(doc, "signature") or doc.signature is None
    assert receipt.file.open("rb").read(5) == b"%PDF-"
    assert StoredDocument.objects.get(dossier_document=doc).number == receipt.number
