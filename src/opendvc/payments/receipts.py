"""Electronic receipts (biên lai điện tử) of paid orders: a numbered row made in the transaction that
settles the order (exactly one per order), the PDF rendered after commit with WeasyPrint — the payer,
the fee items, the gateway and its transaction reference, and a QR code to the public verification
page (Decree 11/2020/NĐ-CP Art. 9: a receipt for every fee collected).

Once rendered, the receipt is issued like a result (Regulation QĐ 31/2020/QĐ-UBND Art. 6.2): it becomes
one of the dossier's issued documents (``DossierDocument``, kind ``payment_receipt``), is sealed with the
system's seal certificate when one is configured (PAdES, recorded so the public verification page knows
it) and is placed in the payer's document store (Kho dữ liệu) by reference — no copy of the bytes."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from opendvc.core.after_response import after_response
from opendvc.core.links import absolute_url
from opendvc.dossiers.documents import qr_data_uri, render_pdf
from opendvc.dossiers.lifecycle import Document
from opendvc.dossiers.models import DossierDocument

from .models import PaymentAttempt, PaymentOrder, Receipt

log = logging.getLogger("opendvc.payments")
# A queued receipt is rendered within seconds; the catch-up leaves it this long to its worker.
PENDING_AFTER = timedelta(minutes=10)


def receipt_issue(*, order: PaymentOrder, attempt: PaymentAttempt, payer, now=None) -> Receipt:
    """The receipt of ``order``, numbered inside the settling transaction (the order's row is locked
    and moves to paid there, once: no receipt can exist yet). Its PDF is made after commit, out of the
    gateway's request (``receipt_queue``)."""
    now = now or timezone.now()
    receipt = Receipt.objects.create(
        order=order,
        # The year of the receipt's date as printed on it (Vietnam time): a payment made between
        # 00:00 and 07:00 on 1 January is numbered in the new year, not the last one (UTC).
        number=f"BL{timezone.localtime(now):%Y}-{order.pk:08d}",
        issued_at=now,
        payer_name=(getattr(payer, "full_name", "") or str(payer))[:200],
    )
    # robust: the payment has committed whatever the broker says; ``receipts_pending`` catches up.
    transaction.on_commit(lambda pk=receipt.pk: receipt_queue(pk), robust=True)
    return receipt


def receipt_queue(receipt_id: int) -> None:
    """Render, seal and file the receipt out of the request: a Celery worker does it when a broker is
    configured (retried with backoff); without one, the portal does it once the response is sent.
    Either way a receipt left without its PDF is taken up again by ``receipts_pending``."""
    from .tasks import render_receipt

    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(lambda: receipt_render(receipt_id=receipt_id))
    else:
        render_receipt.delay(receipt_id)


def receipts_pending(*, now=None, older_than: timedelta = PENDING_AFTER, limit: int = 100) -> int:
    """Render the receipts still without their PDF some minutes after they were numbered (a worker
    that died, a broker that was down, a seal or time-stamping authority that refused): the
    reconciliation job's catch-up. Returns how many were issued now."""
    now = now or timezone.now()
    done = 0
    due = Receipt.objects.filter(file="", issued_at__lte=now - older_than).order_by("issued_at")
    for pk in due.values_list("pk", flat=True)[:limit]:
        try:
            done += int(bool(receipt_render(receipt_id=pk).file))
        except Exception:  # noqa: BLE001 - tried again at the next run
            log.exception("receipt %s not issued yet", pk)
    return done


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
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.file:
            return locked
        document = receipt_document(receipt=receipt, pdf=pdf)
        receipt.file.name = document.file.name
        receipt.sha256 = document.sha256
        Receipt.objects.filter(pk=receipt.pk).update(file=receipt.file.name, sha256=receipt.sha256)
    return receipt


def receipt_ready(receipt: Receipt) -> Receipt | None:
    """``receipt`` with its PDF, made now when it is still pending (the payer who asks for it waits for
    it anyway); None when it cannot be made now (a storage that cannot be written, a refused seal, an
    unreachable time-stamping authority): it stays pending for the worker and ``receipts_pending``."""
    if receipt.file:
        return receipt
    try:
        return receipt_render(receipt_id=receipt.pk)
    except Exception:  # noqa: BLE001 - the receipt stays pending; the page says so
        log.exception("receipt %s not made on request", receipt.pk)
        return None


def receipt_document(*, receipt: Receipt, pdf: bytes) -> DossierDocument:
    """The receipt as an issued document of its dossier: sealed when the seal is configured (a refused
    seal or an unreachable time-stamping authority raises, and the render is retried), then filed in
    the payer's store. Runs in the caller's transaction."""
    from opendvc.signing.services import credential_seal, document_sign
    from opendvc.vault.services import document_file

    dossier = receipt.order.dossier
    document = DossierDocument(dossier=dossier, kind=Document.PAYMENT_RECEIPT)
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.file.save(f"{receipt.number}.pdf", ContentFile(pdf), save=False)
    document.save()
    seal = credential_seal()
    if seal is not None:
        document_sign(document=document, credential=seal)
    stored = document_file(dossier_document=document)
    stored.title = f"Biên lai điện tử số {receipt.number} — {dossier.code or ''}"[:300]
    stored.number = receipt.number
    stored.document_type = str(Document.PAYMENT_RECEIPT.label)
    stored.save(update_fields=["title", "number", "document_type"])
    return document
