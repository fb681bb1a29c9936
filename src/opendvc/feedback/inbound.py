"""Inbound email: turn one RFC 822 message (from a mailbox poller or an inbound webhook) into a
feedback item with its attachments — or, when it cannot be trusted or read, keep it whole in the
quarantine with the reason. Never raises, never loses the message."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record

from .models import Channel, Feedback, Kind, QuarantinedEmail
from .services import feedback_create
from .uploads import UploadError, check_file, max_files

logger = logging.getLogger(__name__)

# MIME defects that mean the structure cannot be trusted.
FATAL_DEFECTS = {
    "NoBoundaryInMultipartDefect",
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
    "InvalidMultipartContentTransferEncodingDefect",
}


class Quarantine(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Outcome:
    feedback: Feedback | None = None
    quarantined: QuarantinedEmail | None = None
    duplicate: bool = False


_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body: scripts and styles dropped, block ends as line breaks."""
    text = _DROP.sub(" ", markup or "")
    text = _BLOCK_TAGS.sub("\n", text)
    text = html.unescape(_TAGS.sub(" ", text))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _sender(msg: EmailMessage) -> Address:
    try:
        header = msg["From"]
        addresses = list(getattr(header, "addresses", ()) or ())
    except Exception as exc:  # malformed header values raise on access
        raise Quarantine("no_sender", _("Không đọc được địa chỉ người gửi.")) from exc
    addresses = [a for a in addresses if a.username and a.domain]
    if not addresses:
        raise Quarantine("no_sender", _("Thư không có địa chỉ người gửi hợp lệ."))
    return addresses[0]


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError) as exc:
        raise Quarantine("broken_mime", _("Không giải mã được nội dung thư.")) from exc
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content.strip()


def parse_message(raw: bytes) -> dict:
    """Read the parts needed for an item; raises :class:`Quarantine` with the reason."""
    if len(raw) > settings.FEEDBACK_MAX_EMAIL_BYTES:
        raise Quarantine(
            "too_large",
            _("Thư lớn hơn giới hạn %(n)s MB.")
            % {"n": settings.FEEDBACK_MAX_EMAIL_BYTES // (1024 * 1024)},
        )
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient, but never trust it
        raise Quarantine("broken_mime", _("Không phân tích được cấu trúc thư.")) from exc
    defects = {type(d).__name__ for part in msg.walk() for d in part.defects}
    if defects & FATAL_DEFECTS:
        raise Quarantine(
            "broken_mime",
            _("Cấu trúc MIME của thư bị hỏng (%(d)s).")
            % {"d": ", ".join(sorted(defects & FATAL_DEFECTS))},
        )
    sender = _sender(msg)
    try:
        subject = str(msg["Subject"] or "").strip()
    except Exception:  # noqa: BLE001 - undecodable subject: keep going without it
        subject = ""
    body = _body(msg)
    files = []
    attachments = list(msg.iter_attachments())
    if len(attachments) > max_files():
        raise Quarantine(
            "too_many_files",
            _("Thư có %(n)s tệp đính kèm, vượt giới hạn %(m)s.")
            % {"n": len(attachments), "m": max_files()},
        )
    for part in attachments:
        name = part.get_filename() or "tep-dinh-kem"
        content = part.get_payload(decode=True) or b""
        try:
            files.append(check_file(name=name, content=content))
        except UploadError as exc:
            code = "executable_attachment" if exc.code == "executable" else "bad_attachment"
            raise Quarantine(code, exc.message) from exc
    if not body and not files:
        raise Quarantine("empty", _("Thư không có nội dung."))
    return {
        "message_id": str(msg.get("Message-ID", "") or "").strip()[:190],
        "sender_name": sender.display_name or "",
        "sender_email": sender.addr_spec,
        "subject": subject or _("(Không có tiêu đề)"),
        "content": body or _("(Nội dung trong tệp đính kèm)"),
        "files": files,
    }


def _headers_for_quarantine(raw: bytes) -> tuple[str, str, str]:
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        return (
            str(msg.get("From", ""))[:300],
            str(msg.get("Subject", ""))[:300],
            str(msg.get("Message-ID", ""))[:300],
        )
    except Exception:  # noqa: BLE001
        return "", "", ""


def quarantine(*, raw: bytes, code: str, reason: str) -> QuarantinedEmail:
    """Keep the whole message aside with the reason (audited)."""
    from_header, subject, message_id = _headers_for_quarantine(raw)
    with transaction.atomic():
        q = QuarantinedEmail(
            reason_code=code,
            reason=reason,
            size=len(raw),
            from_header=from_header,
            subject=subject,
            message_id=message_id,
        )
        q.raw.save("message.eml", ContentFile(raw), save=False)
        q.save()
        audit_record(
            actor="email",
            action="feedback.email_quarantined",
            target=("feedback.quarantinedemail", q.pk),
            changes={"reason": code, "size": len(raw)},
        )
    return q


def email_ingest(*, raw: bytes) -> Outcome:
    """One message → one feedback item (channel email), or the quarantine. Idempotent by Message-ID."""
    try:
        data = parse_message(raw)
    except Quarantine as q:
        return Outcome(quarantined=quarantine(raw=raw, code=q.code, reason=q.reason))
    except Exception as exc:  # noqa: BLE001 - never crash the poller
        logger.exception("Unexpected error reading an inbound email")
        return Outcome(
            quarantined=quarantine(raw=raw, code="error", reason=f"{type(exc).__name__}")
        )
    external_id = f"email:{data['message_id']}" if data["message_id"] else None
    if external_id and (existing := Feedback.objects.filter(external_id=external_id).first()):
        return Outcome(feedback=existing, duplicate=True)
    try:
        fb = feedback_create(
            channel=Channel.EMAIL,
            kind=Kind.COMPLAINT,
            subject=data["subject"][:300],
            content=data["content"][:20000],
            sender_name=data["sender_name"] or data["sender_email"],
            sender_email=data["sender_email"],
            files=data["files"],
            external_id=external_id,
        )
    except Exception as exc:  # noqa: BLE001 - a message that passed parsing but not the rules
        detail = getattr(exc, "detail", None) or type(exc).__name__
        return Outcome(quarantined=quarantine(raw=raw, code="rejected", reason=str(detail)))
    return Outcome(feedback=fb)
