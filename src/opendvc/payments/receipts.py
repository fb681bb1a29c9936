"""Electronic receipts (biên lai điện tử) of paid orders: a numbered row made in the transaction that
settles the order (exactly one per order), the PDF rendered after commit with WeasyPrint — the payer,
the fee items, the gateway and its transaction reference, and a QR code to the public verification
page (Decree 11/2020/NĐ-CP Art. 9: a receipt for every fee collected)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from opendvc.core.links import absolute_url
from opendvc.dossiers.documents import qr_data_uri, render_pdf

from .models import PaymentAttempt, PaymentOrder, Receipt


def receipt_issue(*, order: PaymentOrder, attempt: PaymentAttempt, payer, now=None) -> Receipt:
    """The receipt of ``order`` (inside the settling transaction); its PDF is made on commit."""
    now = now or timezone.now()
    receipt, created = Receipt.objects.get_or_create(
        order=order,
        defaults={
            "number": f"BL{now:%Y}-{order.pk:08d}",
            "issued_at": now,
            "payer_name": (getattr(payer, "full_name", "") or str(payer))[:200],
        },
    )
    if created:
        from .tasks import render_receipt

        transaction.on_commit(lambda: render_receipt.delay(receipt.pk))
    return receipt


def verify_url(receipt: Receipt) -> str:
    return absolute_url("payments:verify", args=[receipt.verify_token])


def receipt_render(*, receipt_id: int) -> Receipt:
    receipt = Receipt.objects.select_related(
        "order__dossier__procedure", "order__dossier__receiving_agency", "order__paid_attempt"
    ).get(pk=receipt_id)
    if receipt.file:
        return receipt
    order = receipt.order
    url = verify_url(receipt)
    pdf = render_pdf(
        "payments/pdf/receipt.html",
        {
            "receipt": receipt,
            "order": order,
            "dossier": order.dossier,
            "attempt": order.paid_attempt,
            "verify_url": url,
            "qr": qr_data_uri(url),
        },
    )
    receipt.sha256 = hashlib.sha256(pdf).hexdigest()
    receipt.file.save(f"{receipt.number}.pdf", ContentFile(pdf), save=False)
    Receipt.objects.filter(pk=receipt.pk, file="").update(
        file=receipt.file.name, sha256=receipt.sha256
    )
    return receipt
