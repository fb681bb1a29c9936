"""PDF documents issued to dossiers, made from HTML templates with WeasyPrint.

* Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Decree 61/2018/NĐ-CP Art. 19; form 01 of Circular
  01/2018/TT-VPCP), with a QR code to the public lookup;
* Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (form 02): every missing item listed once;
* Phiếu từ chối tiếp nhận giải quyết hồ sơ (form 03): the reason;
* Phiếu xin lỗi và hẹn lại ngày trả kết quả (form 04), the result, notices and records of processing;
* Phiếu kiểm soát quá trình giải quyết hồ sơ (form 05), made on request (``control_sheet_pdf``).

Every document has the letterhead of Decree 30/2020/NĐ-CP (superior agency and agency on the left, the
national motto on one line on the right, the place-and-date line under it) and the signature block its
form requires (``signers_for``).
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import io
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from opendvc.accounts import crypto
from opendvc.agencies.models import Agency, StaffRole
from opendvc.core.after_response import after_response
from opendvc.core.files import storage_access, stored_delete
from opendvc.core.links import absolute_url
from opendvc.core.pdf_fonts import faces_css
from opendvc.core.prepared import PreparedRead
from opendvc.workflow.selectors import step_runs, step_state
from opendvc.worktime import parse_instant, to_local

from .lifecycle import Action, Document, Role
from .models import Dossier, DossierDocument, DossierEvent
from .returns import METHODS as RETURN_METHODS

logger = logging.getLogger(__name__)

# The template of every document a row of the action table issues (a test walks the table).
TEMPLATES = {
    Document.RECEIPT: "dossiers/pdf/receipt.html",
    Document.COMPLETION_REQUEST: "dossiers/pdf/completion_request.html",
    Document.REFUSAL: "dossiers/pdf/refusal.html",
    Document.SUPPLEMENT_NOTICE: "dossiers/pdf/supplement_notice.html",
    Document.PAYMENT_RECEIPT: "dossiers/pdf/payment_receipt.html",
    Document.STOP_NOTICE: "dossiers/pdf/stop_notice.html",
    Document.RESULT: "dossiers/pdf/result.html",
    Document.DELIVERY_RECORD: "dossiers/pdf/delivery_record.html",
    Document.APOLOGY: "dossiers/pdf/apology.html",
}


# The mask pattern of the QR codes (``signing.services.QR_MASK``: the same for every code printed).
QR_MASK = 4


def lookup_url(dossier: Dossier, key: str) -> str:
    return absolute_url("dossiers:lookup", query={"ma": dossier.code, "khoa": key})


def qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as a PNG data URI: error correction level M, a quiet zone of 2
    modules, one pixel per module, drawn to the size the template gives it without smoothing
    (``image-rendering: pixelated``: each module a sharp square at any zoom or printer resolution).
    Made with ``segno``, with the mask pattern of every QR code the portal prints
    (``signing.services.QR_MASK``). An image of a few hundred bytes costs the engine nothing to place, where
    the same code as an SVG path (one rectangle per run of dark modules) was parsed and drawn as
    vector paths: about a sixth of the receipt's rendering."""
    # Imported on first use: only the documents that print a QR code need it.
    import segno

    buf = io.BytesIO()
    segno.make_qr(text, error="m", boost_error=False, mask=QR_MASK).save(
        buf, kind="png", border=2, scale=1
    )
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def lookup_key_of(dossier: Dossier) -> str:
    return crypto.decrypt(dossier.lookup_key_ciphertext) if dossier.lookup_key_ciphertext else ""


# The engine's state kept per process and thread (``_engine``): the font configuration (fontconfig
# and Pango's font map, with the fonts loaded and measured once instead of at every document) and the
# parsed stylesheets of the templates, by their text, and the fetcher of the documents' images (the
# receipt's QR code, a data URI): WeasyPrint otherwise builds a urllib opener for every document, its
# proxy settings read from the environment (0.34 ms). Pango's font map is not shared between threads,
# and a process made by fork (a Celery prefork worker) makes its own.
_local = threading.local()
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
# Stylesheets kept per thread: one per template family (the documents' and the payment receipt's), and
# the cut fonts' ``@font-face`` rules.
_SHEETS_KEPT = 16


def _engine():
    pid = os.getpid()
    if getattr(_local, "pid", None) != pid:
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        _local.fonts, _local.sheets, _local.pid = FontConfiguration(), {}, pid
        _local.fetcher = URLFetcher()
    return _local


@atexit.register
def _engine_release() -> None:
    """Drop the kept font configuration while the interpreter still runs: its finaliser removes the
    folder of fonts it wrote, which it cannot do once the interpreter's modules are torn down."""
    _local.__dict__.clear()


def _stylesheet(engine, text: str):
    sheet = engine.sheets.get(text)
    if sheet is None:
        from weasyprint import CSS

        if len(engine.sheets) >= _SHEETS_KEPT:
            engine.sheets.clear()
        sheet = engine.sheets[text] = CSS(string=text, font_config=engine.fonts)
    return sheet


def render_pdf(template: str, context: dict) -> bytes:
    """The PDF of ``template`` rendered with ``context``. The template's own ``<style>`` (the first
    one, in its head) is parsed once per process and given to the engine as the document's
    stylesheet, after the ``@font-face`` rules of the cut fonts (``core.pdf_fonts``: the templates
    name "DejaVu Sans VN" first); the fonts are those of the process's kept configuration."""
    # Imported on first use: the PDF engine loads for seconds and workers serve before it (core.warmup).
    from weasyprint import HTML

    # The documents are the agency's papers, in Vietnamese whoever asks for them: a label the context
    # carries (the return method, a state) is written in Vietnamese even when the officer whose action
    # issued the document, or the applicant who downloads it, reads the portal in English.
    with translation.override("vi"):
        html = render_to_string(template, context)
    engine = _engine()
    stylesheets = [_stylesheet(engine, faces_css())]
    style = _STYLE.search(html)
    if style is not None:
        stylesheets.append(_stylesheet(engine, style.group(1)))
        html = html[: style.start()] + html[style.end():]
    base_url = str(settings.BASE_DIR) if hasattr(settings, "BASE_DIR") else None
    return HTML(string=html, base_url=base_url, url_fetcher=engine.fetcher).write_pdf(
        font_config=engine.fonts, stylesheets=stylesheets
    )


@dataclass(frozen=True)
class Signer:
    """One signature column: the title lines (``KT. GIÁM ĐỐC`` / ``PHÓ GIÁM ĐỐC``), the instruction
    under them and the printed name (blank when the signer signs by hand)."""

    titles: tuple[str, ...]
    name: str = ""
    instruction: str = "(Ký và ghi rõ họ tên)"
    extra: dict[str, Any] = field(default_factory=dict)


def place_and_date(at: datetime) -> str:
    """``Đồng Nai, ngày 05 tháng 02 năm 2027`` (Decree 30/2020/NĐ-CP, Appendix I: day and month
    below 10 written with a leading zero); the province from ``PROVINCE_NAME``."""

    local = to_local(at)
    province = settings.PROVINCE_NAME
    return f"{province}, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def letterhead(*, agency, at: datetime) -> dict[str, Any]:
    """The letterhead context: the superior agency (the parent in the agency tree), the agency and the
    place-and-date line."""
    parent = getattr(agency, "parent", None)
    return {"agency": agency, "superior": parent.name if parent is not None else "",
            "place_date": place_and_date(at)}


# Titles of the head of an agency by the kind of agency, from its name (Decree 30/2020/NĐ-CP,
# Appendix I, part I.8: who signs and with which title); collective bodies sign "TM." (on behalf of).
_HEAD_TITLES: tuple[tuple[str, str, str], ...] = (
    ("ủy ban nhân dân", "CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"),
    ("uỷ ban nhân dân", "CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"),
    ("sở ", "GIÁM ĐỐC", ""),
    ("công an", "GIÁM ĐỐC", ""),
    ("văn phòng", "CHÁNH VĂN PHÒNG", ""),
    ("ban ", "TRƯỞNG BAN", ""),
)


def _head_title(agency) -> tuple[str, str]:
    name = (getattr(agency, "name", "") or "").lower()
    for prefix, title, collective in _HEAD_TITLES:
        if name.startswith(prefix):
            return title, collective
    return "THỦ TRƯỞNG CƠ QUAN", ""


def _deputy(title: str) -> str:
    return "PHÓ THỦ TRƯỞNG CƠ QUAN" if title == "THỦ TRƯỞNG CƠ QUAN" else f"PHÓ {title}"


def _holds(user, agency, role: str) -> bool:
    return user is not None and StaffRole.objects.filter(user=user, agency=agency, role=role, is_active=True).exists()


def leader_signer(*, agency, user, name: str) -> Signer:
    """The signature of a leader of ``agency``: the head signs with the head's title, a deputy
    (another leader) "KT." (on behalf of) the head with the deputy's title."""
    title, collective = _head_title(agency)
    head = _holds(user, agency, "head")
    lines = [collective] if collective else []
    lines += [title] if head else [f"KT. {title}", _deputy(title)]
    return Signer(tuple(lines), name, "(Ký, ghi rõ họ tên và đóng dấu)")


def head_signer(*, agency) -> Signer:
    """The head of ``agency`` (*thủ trưởng cơ quan, đơn vị*), named when the agency has one in the
    portal."""
    role = (StaffRole.objects.filter(agency=agency, role="head", is_active=True).select_related("user")
            .order_by("granted_at", "pk").first())
    return Signer(("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",), role.user.full_name if role else "",
                  "(Ký, ghi rõ họ tên và đóng dấu)")


def signers_for(*, kind: str, dossier: Dossier, event: DossierEvent | None) -> list[Signer]:
    """The signature block of each document, as its form requires (Circular 01/2018/TT-VPCP forms
    01–05; Decree 61/2018/NĐ-CP Art. 19, 20): the receipt by the applicant and the receiving officer;
    the completion request and the refusal by the receiving officer who issued it; the apology by the
    head of the agency; the result and the stop notice by the leader who decided, with their title;
    notices and records of processing by who acted."""
    agency: Agency = dossier.receiving_agency
    actor = getattr(event, "actor", None) if event is not None else None
    acted = (getattr(event, "actor_label", "") or "") if event is not None else ""
    role = getattr(event, "actor_role", "") if event is not None else ""
    applicant = dossier.applicant.full_name or ""
    data = (event.data or {}) if event is not None else {}
    receiver = Signer(("NGƯỜI TIẾP NHẬN HỒ SƠ",), acted)
    if kind == Document.RECEIPT:
        return [Signer(("NGƯỜI NỘP HỒ SƠ",), applicant), receiver]
    if kind in (Document.COMPLETION_REQUEST, Document.REFUSAL):
        return [receiver]
    if kind == Document.APOLOGY:
        return [head_signer(agency=agency)]
    if kind in (Document.RESULT, Document.STOP_NOTICE) or role == Role.LEADER:
        return [leader_signer(agency=agency, user=actor, name=acted)]
    if kind == Document.SUPPLEMENT_NOTICE:
        return [Signer(("CÁN BỘ XỬ LÝ HỒ SƠ",), acted)]
    if kind == Document.PAYMENT_RECEIPT:
        collector = acted if role == Role.RECEIVING_OFFICER else ""
        return [Signer(("NGƯỜI NỘP TIỀN",), applicant), Signer(("NGƯỜI THU TIỀN",), collector)]
    if kind == Document.DELIVERY_RECORD:
        return [Signer(("NGƯỜI NHẬN KẾT QUẢ",), str(data.get("delivered_to") or applicant)),
                Signer(("NGƯỜI TRẢ KẾT QUẢ",), acted if role != Role.SYSTEM else "")]
    return [receiver]


def document_context(*, dossier: Dossier, event: DossierEvent) -> dict:

    key = lookup_key_of(dossier)
    context = {
        "dossier": dossier,
        "event": event,
        "applicant_name": dossier.applicant.full_name or "",
        "organisation": dossier.acting_for,
        "agency": dossier.receiving_agency,
        "procedure": dossier.procedure,
        # Read when the template lists them (the receipt): a queryset is read at its first use.
        "files": dossier.files.all(),
        "items": (event.data or {}).get("items") or [],
        "reason": (event.data or {}).get("reason") or event.note,
        "received_at": to_local(dossier.received_at) if dossier.received_at else None,
        "declared_at": to_local(dossier.declared_at) if dossier.declared_at else None,
        "due_at": to_local(dossier.due_at) if dossier.due_at else None,
        "issued_at": to_local(event.at or timezone.now()),
        "lookup_key": key,
        "lookup_url": lookup_url(dossier, key) if key else "",
        # Made only when the template prints it (the receipt): the other documents have no QR code.
        "qr": SimpleLazyObject(partial(qr_data_uri, lookup_url(dossier, key))) if key else "",
        "officer": event.actor_label,
        "PORTAL_NAME": settings.PORTAL_NAME,
        **letterhead(agency=dossier.receiving_agency, at=event.at or timezone.now()),
    }
    context.update(document_extras(dossier=dossier, event=event))
    return context


def result_template(procedure) -> str:
    """The HTML template of a procedure's result: ``dossiers/results/<procedure code>.html`` when the
    portal ships or an agency adds one (e.g. the layout of a certificate), else the default."""
    name = f"dossiers/results/{procedure.code}.html"
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return "dossiers/results/default.html"
    return name


def document_extras(*, dossier: Dossier, event: DossierEvent) -> dict[str, Any]:
    """Context of the processing documents: the delivery method's label, the result's template, the
    apology's dates."""
    data = event.data or {}
    out: dict[str, Any] = {}
    method = RETURN_METHODS.get(data.get("method") or "")
    if method is not None:
        out["method_label"] = method.label
    if event.action == Action.APPROVE:
        out["result_template"] = result_template(dossier.procedure)
    for key in ("original_due_at", "new_due_at"):
        if data.get(key):
            out[key] = parse_instant(data[key])
    return out


def issue_document(*, dossier: Dossier, event: DossierEvent, kind: str) -> DossierDocument:
    """Record the document ``kind`` of ``event`` on the dossier, inside the action's transaction; its
    PDF is made out of the request (``documents_schedule``): a row without its file yet is pending."""
    return DossierDocument.objects.create(dossier=dossier, event=event, kind=kind, sha256="")


def documents_schedule(*, documents) -> None:
    """Have the PDFs of the documents an action recorded made out of the request: by a Celery worker
    once the action commits when a broker is configured (retried with backoff), else once the response
    is sent (``after_response``) — and at once, inside the action's transaction, when there is no
    request (a command, a worker, the national portal's inbound messages): a refused signature then
    rolls the action back. A document left pending (a worker that died, a time-stamping authority
    that refused) is taken up by the periodic job ``dossiers.render_pending_documents``."""
    ids = [d.pk for d in documents]
    if not ids:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(lambda: documents_render(document_ids=ids))
        return
    from . import tasks

    transaction.on_commit(lambda: tasks.render_documents.delay(ids), robust=True)


def _pending(**lookup):
    """The pending documents among ``lookup``'s, their rows locked, with what their PDF prints."""
    return (
        DossierDocument.objects.select_for_update(of=("self",))
        .filter(**lookup, file="")
        .select_related(
            "dossier__procedure",
            # The letterhead names the superior agency (``letterhead``).
            "dossier__receiving_agency__parent",
            "dossier__applicant",
            "event",
        )
        .order_by("pk")
    )


# One document asked for (an action's receipt or result, the catch-up's one by one): its statement, of
# six joined tables' columns, built once per process and connection (``core.prepared``) instead of by
# the ORM at every document (1.7 ms).
_PENDING_ONE = PreparedRead(lambda pk: _pending(pk=pk), 0)


def documents_render(*, document_ids) -> list[DossierDocument]:
    """Render the PDFs of the pending documents among ``document_ids`` (each once: the rows are
    locked and a rendered one is skipped), then send ``documents_rendered`` per action (the signing
    app signs or seals them, the store files them) — all in one transaction. Returns what it rendered."""
    from .signals import documents_rendered

    ids = list(document_ids)
    with transaction.atomic():
        pending = _PENDING_ONE.list(ids[0]) if len(ids) == 1 else list(_pending(pk__in=ids))
        by_event: dict[Any, list[DossierDocument]] = {}
        try:
            for doc in pending:
                _render_into(doc)
                by_event.setdefault(doc.event_id, []).append(doc)
            for docs in by_event.values():
                event = docs[0].event
                documents_rendered.send(
                    sender=Dossier,
                    dossier=docs[0].dossier,
                    action=event.action if event else "",
                    event=event,
                    documents=tuple(docs),
                )
        except BaseException:
            # Rolled back (a render, or a signature refused): the files written go with the rows.
            for doc in pending:
                if doc.file:
                    stored_delete(doc.file.name, doc.file.storage)
            raise
    return pending


def _render_into(doc: DossierDocument) -> None:
    """Render ``doc``'s PDF and store it: the file first, then the row (a file whose row never
    commits is removed by ``core.sweep_orphan_files``)."""
    dossier, event = doc.dossier, doc.event
    with translation.override("vi"):  # labels put in the context as text are Vietnamese too
        context = document_context(dossier=dossier, event=event)
        context["signers"] = signers_for(kind=doc.kind, dossier=dossier, event=event)
    pdf = render_pdf(TEMPLATES[doc.kind], context)
    doc.sha256 = hashlib.sha256(pdf).hexdigest()
    with storage_access():
        doc.file.save(f"{doc.kind}.pdf", ContentFile(pdf), save=False)
    try:
        doc.save(update_fields=["file", "sha256"])
    except BaseException:
        doc.file.delete(save=False)
        raise


def document_ready(document: DossierDocument) -> bool:
    """Whether ``document`` has its PDF, made now when it is still pending: the person who asks for
    it waits for that PDF anyway (the counter's receipt printed right after the intake). False when it
    cannot be made now (a refused signature, an unreachable time-stamping authority): it stays pending
    for the worker and the periodic job."""
    if document.file:
        return True
    try:
        documents_render(document_ids=[document.pk])
    except Exception:  # noqa: BLE001 - the document stays pending; the page says so
        logger.exception("document %s not made on request", document.pk)
        return False
    document.refresh_from_db()
    return bool(document.file)


def documents_pending(*, older_than: timedelta = timedelta(minutes=10), limit: int = 200) -> int:
    """Render the documents still without their PDF some minutes after their action (the periodic
    catch-up). Returns how many were rendered now."""
    due = DossierDocument.objects.filter(file="", created_at__lte=timezone.now() - older_than)
    done = 0
    for pk in due.order_by("pk").values_list("pk", flat=True)[:limit]:
        try:
            done += len(documents_render(document_ids=[pk]))
        except Exception:  # noqa: BLE001 - tried again at the next run
            logger.exception("document %s not rendered yet", pk)
    return done


def control_sheet_pdf(*, dossier: Dossier) -> bytes:
    """The process control sheet (*phiếu kiểm soát quá trình giải quyết hồ sơ*, form 05 of Circular
    01/2018/TT-VPCP): every hand-over with who, when, the step's due instant and whether it was early,
    on time or late. Made on request from the recorded steps."""
    now = timezone.now()
    rows = [(r, step_state(r, now=now)) for r in step_runs(dossier)]
    # Form 05 has no closing signature: each hand-over names who gave and who received the dossier.
    return render_pdf("dossiers/pdf/control_sheet.html", {
        **letterhead(agency=dossier.receiving_agency, at=now), "signers": [],
        "dossier": dossier, "procedure": dossier.procedure,
        "applicant_name": dossier.applicant.full_name or "", "rows": rows, "issued_at": to_local(now),
        "received_at": to_local(dossier.received_at) if dossier.received_at else None,
        "due_at": to_local(dossier.due_at) if dossier.due_at else None,
    })
