"""PDF documents issued to dossiers, made from HTML templates with WeasyPrint.

* Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Decree 61/2018/NĐ-CP Art. 19; form 01 of Circular
  01/2018/TT-VPCP), with a QR code to the public lookup;
* Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (form 02): every missing item listed once;
* Phiếu từ chối tiếp nhận giải quyết hồ sơ (form 03): the reason.
"""

from __future__ import annotations

import base64
import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .lifecycle import Document
from .models import Dossier, DossierDocument, DossierEvent

TEMPLATES = {
    Document.RECEIPT: "dossiers/pdf/receipt.html",
    Document.COMPLETION_REQUEST: "dossiers/pdf/completion_request.html",
    Document.REFUSAL: "dossiers/pdf/refusal.html",
}


def lookup_url(dossier: Dossier, key: str) -> str:
    from urllib.parse import urlencode

    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("dossiers:lookup") + "?" + urlencode(
        {"ma": dossier.code, "khoa": key})


def qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def lookup_key_of(dossier: Dossier) -> str:
    from opendvc.accounts import crypto

    return crypto.decrypt(dossier.lookup_key_ciphertext) if dossier.lookup_key_ciphertext else ""


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR) if hasattr(settings, "BASE_DIR") else None).write_pdf()


def document_context(*, dossier: Dossier, event: DossierEvent) -> dict:
    from opendvc.worktime import to_local

    key = lookup_key_of(dossier)
    files = list(dossier.files.all())
    context = {
        "dossier": dossier,
        "event": event,
        "applicant_name": dossier.applicant.full_name or "",
        "organisation": dossier.acting_for,
        "agency": dossier.receiving_agency,
        "procedure": dossier.procedure,
        "files": files,
        "items": (event.data or {}).get("items") or [],
        "reason": (event.data or {}).get("reason") or event.note,
        "received_at": to_local(dossier.received_at) if dossier.received_at else None,
        "declared_at": to_local(dossier.declared_at) if dossier.declared_at else None,
        "due_at": to_local(dossier.due_at) if dossier.due_at else None,
        "issued_at": to_local(event.at or timezone.now()),
        "lookup_key": key,
        "lookup_url": lookup_url(dossier, key) if key else "",
        "qr": qr_data_uri(lookup_url(dossier, key)) if key else "",
        "officer": event.actor_label,
        "PORTAL_NAME": getattr(settings, "PORTAL_NAME", ""),
    }
    for extra in CONTEXT_EXTRAS:
        context.update(extra(dossier=dossier, event=event))
    return context


# Functions adding to the context of every document: ``f(*, dossier, event) -> dict`` (``processing``).
CONTEXT_EXTRAS: list = []


def issue_document(*, dossier: Dossier, event: DossierEvent, kind: str) -> DossierDocument:
    """Render the PDF of ``kind`` for ``event`` and store it on the dossier (file first, then the row,
    inside the caller's transaction; ``dossier_transition`` removes the file if the transaction fails)."""
    pdf = render_pdf(TEMPLATES[kind], document_context(dossier=dossier, event=event))
    doc = DossierDocument(dossier=dossier, event=event, kind=kind, sha256=hashlib.sha256(pdf).hexdigest())
    doc.file.save(f"{kind}.pdf", ContentFile(pdf), save=False)
    try:
        doc.save()
    except BaseException:
        doc.file.delete(save=False)
        raise
    return doc
