"""The one-stop software's webhook: status changes and results of the dossiers it processes.

A request is applied only when all hold: the signature (HMAC-SHA256 of ``<X-Timestamp>.<raw body>``
with ``ONESTOP_SECRET``) matches; the timestamp is within ``INBOUND_WINDOW_SECONDS`` (5 minutes) of
now; the body is a JSON object with ``message_id``, ``dossier`` and ``status``; the message id was not
applied before (replay refused); the dossier exists and is processed by the one-stop software; the
status is one it may set. The change then goes through ``dossier_act`` as the system actor (the same
rows, history and audit as an officer's action). An approval (``result_ready``) carries ``result`` and
may carry ``result_files`` (PDFs, by a link on the software's own host or base64 in the body), stored
as result documents in the same transaction; a supplement request carries ``items``, a stop its
``reason`` (in ``inputs`` or at the top level of the body). Every request, applied or refused, is logged for the
ICT department (``InboundMessage``; those refused before the signature and time are found valid up to a
limit per address, ``inbound.refusal_loggable``); a refused one changes nothing else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from opendvc.agencies.models import Agency
from opendvc.audit.services import audit_record
from opendvc.core.problems import ProblemError, vietnamese_words
from opendvc.core.text import lone_surrogate
from opendvc.dossiers.lifecycle import Action, Document, Role, State
from opendvc.dossiers.models import Dossier, DossierDocument
from opendvc.dossiers.services.transitions import MACHINE, dossier_act

from ..inbound import body_text, refusal_loggable
from ..models import InboundMessage
from .signing import signature

logger = logging.getLogger(__name__)
PEER = "onestop"

# The state the one-stop software reports -> our action (applied as the system).
STATUS_ACTIONS: dict[str, str] = {
    State.PROCESSING: Action.START_PROCESSING,
    State.PAYMENT_REQUIRED: Action.REQUIRE_PAYMENT,
    State.SUPPLEMENT_REQUESTED: Action.REQUEST_SUPPLEMENT,
    State.STOPPED: Action.STOP,
    State.RESULT_READY: Action.APPROVE,
    State.RETURNED: Action.RETURN_RESULT,
}


def _system_may(action: str) -> bool:
    """Whether the dossier action table lets the system take ``action`` (the one-stop software acts as
    the system; the table, not this module, says which steps it may take)."""
    spec = MACHINE.spec(action)
    return spec is not None and Role.SYSTEM in spec.roles


# Inputs the software may also give at the top level of the body (the supplement's items, the reason of a
# stop, the result's name and a note).
TOP_LEVEL_INPUTS = ("result", "items", "reason", "note")
MAX_RESULT_BYTES = 20 * 1024 * 1024


class _BadFile(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _result_pdfs(files: Any) -> list[tuple[str, bytes]]:
    """The result files of an approval: each ``{"name", "url"}`` (a signed link on the one-stop
    software's own host, fetched now) or ``{"name", "content_base64"}``; each must be a PDF."""
    if not isinstance(files, list):
        raise _BadFile(_("“result_files” phải là một danh sách."))
    base = (settings.ONESTOP_URL or "").rstrip("/")
    out: list[tuple[str, bytes]] = []
    for item in files:
        if not isinstance(item, dict):
            raise _BadFile(_("Mỗi tệp kết quả phải là một đối tượng."))
        name = str(item.get("name") or "ket-qua.pdf")[:200]
        if item.get("content_base64"):
            try:
                content = base64.b64decode(str(item["content_base64"]), validate=True)
            except (binascii.Error, ValueError):
                raise _BadFile(
                    _("Nội dung tệp %(name)s không đúng base64.") % {"name": name}
                ) from None
        elif item.get("url"):
            url = str(item["url"])
            # Only the peer's own links are fetched (never an address of the request's choosing).
            if not base or not url.startswith(base + "/"):
                raise _BadFile(
                    _("Đường dẫn tệp %(name)s không thuộc phần mềm một cửa.") % {"name": name}
                )
            try:
                answer = httpx.get(url, timeout=settings.OUTBOX_TIMEOUT_SECONDS)
            except httpx.HTTPError as exc:
                raise _BadFile(
                    _("Không tải được tệp %(name)s: %(e)s") % {"name": name, "e": exc}
                ) from None
            if answer.status_code != 200:
                raise _BadFile(
                    _("Không tải được tệp %(name)s (HTTP %(s)s).")
                    % {"name": name, "s": answer.status_code}
                )
            content = answer.content
        else:
            raise _BadFile(_("Tệp %(name)s thiếu “url” hoặc “content_base64”.") % {"name": name})
        if not content.startswith(b"%PDF") or len(content) > MAX_RESULT_BYTES:
            raise _BadFile(_("Tệp kết quả phải là PDF (tối đa 20 MB): %(name)s") % {"name": name})
        out.append((name, content))
    return out


def settable_statuses() -> list[str]:
    return [status for status, action in STATUS_ACTIONS.items() if _system_may(action)]


# The length of ``InboundMessage.message_id``.
MAX_MESSAGE_ID = 100


def _lone_surrogate(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) holding half of a UTF-16 surrogate pair
    (``"\\ud800"`` alone): valid JSON, but not text any database or log can store."""
    stack = [(value, path)]
    while stack:
        item, loc = stack.pop()
        if isinstance(item, str):
            if lone_surrogate(item):
                return loc
        elif isinstance(item, dict):
            for key, val in item.items():
                name = f"{loc}.{key}" if loc else key
                if lone_surrogate(key):
                    return name.encode(errors="replace").decode()
                stack.append((val, name))
        elif isinstance(item, list):
            stack.extend((val, f"{loc}.{i}" if loc else str(i)) for i, val in enumerate(item))
    return None


def _allowed_inputs(action: str) -> frozenset[str]:
    """What the step takes (the action table's required and optional inputs)."""
    spec = MACHINE.spec(action)
    return frozenset((*spec.required, *spec.optional)) if spec is not None else frozenset()


def _refuse(
    code: str,
    detail: str,
    *,
    status: int,
    message_id: str,
    body: bytes,
    errors: list[dict[str, str]] | None = None,
    client: str | None = None,
    title: str | None = None,
) -> ProblemError:
    """The refusal, logged; ``client``: the address of a request refused before its signature and
    time were found valid, logged within ``refusal_loggable``'s limit for it (a signed one always).
    The log keeps the reason in Vietnamese (``problems.vietnamese_words``); the answer is in the
    language the peer asked for."""
    if client is None or refusal_loggable(client):
        reason = vietnamese_words(detail)
        InboundMessage.objects.create(
            peer=PEER,
            message_id=message_id.replace("\x00", "")
            .encode(errors="replace")
            .decode()[:MAX_MESSAGE_ID],
            outcome=InboundMessage.Outcome.REFUSED,
            code=code,
            detail=reason,
            body=body_text(body),
        )
        logger.warning("Inbound %s refused (%s): %s", PEER, code, reason)
    return ProblemError(
        code, detail, status=status, title=title, extra={"errors": errors} if errors else None
    )


def onestop_inbound(
    *,
    body: bytes,
    timestamp: str,
    signature_header: str,
    now: float | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """Apply one webhook request; returns ``{"dossier", "status", "version"}`` or raises
    ``ProblemError`` (logged, nothing else changed). ``client``: the sender's address, by which the
    refusals before the signature and time are found valid are logged within a limit (None: no
    limit)."""
    now = time.time() if now is None else now
    secret = settings.ONESTOP_SECRET
    if not secret:
        # Not a fault of the portal's: the endpoint is off until the operator sets the peer's secret.
        raise _refuse(
            "not_found",
            _("Chưa cấu hình liên thông phần mềm một cửa."),
            status=404,
            message_id="",
            body=body,
            client=client,
        )
    expected = signature(secret, timestamp or "", body)
    given = (signature_header or "").strip().lower()
    # A header that is not ASCII cannot be a hex signature (and compare_digest refuses to compare it).
    if not given or not given.isascii() or not hmac.compare_digest(expected, given):
        raise _refuse(
            "bad_signature",
            _("Chữ ký không hợp lệ."),
            status=401,
            message_id="",
            body=body,
            client=client,
            title=gettext_noop("Sai chữ ký"),
        )
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        sent_at = None
    window = settings.INBOUND_WINDOW_SECONDS
    if sent_at is None or abs(now - sent_at) > window:
        # Still 401 (the status the protocol has always answered), but said as what it is: the
        # peer's clock or a replayed request, not a missing sign-in ("Chưa đăng nhập", 401's title).
        if sent_at is None:
            detail = _("Thiếu dấu thời gian X-Timestamp hoặc nó không phải số giây Unix.")
        else:
            detail = _(
                "Dấu thời gian X-Timestamp của yêu cầu (%(sent)s) lệch quá %(window)s giây so với "
                "giờ của Cổng (%(now)s); kiểm tra đồng hồ của hệ thống gửi và gửi lại với dấu thời "
                "gian mới."
            ) % {"sent": sent_at, "window": window, "now": int(now)}
        raise _refuse(
            "stale_request",
            detail,
            status=401,
            message_id="",
            body=body,
            client=client,
            title=gettext_noop("Thời điểm gửi nằm ngoài khoảng cho phép"),
            errors=[{"path": "X-Timestamp", "message": detail}],
        )
    return _apply(body)


def onestop_reapply(*, inbound: InboundMessage, actor, request=None) -> dict[str, Any]:
    """Apply again a refused request of the one-stop software whose signature and time were valid
    (the ICT department's "Áp dụng lại"): an event that arrived before the one it follows (a result
    before the dossier's processing began) was refused and would be lost unless the software sent it
    again. The stored body is applied as received, with every check after the signature's; the outcome
    is logged as a new request and audited."""
    if not inbound.reapplicable:
        raise ProblemError(
            "conflict",
            _("Chỉ áp dụng lại được yêu cầu bị từ chối có chữ ký hợp lệ."),
            status=409,
        )
    audit_record(
        actor=actor,
        action="integrations.inbound_reapply",
        target=inbound,
        changes={"message_id": inbound.message_id, "code": inbound.code},
        request=request,
    )
    return _apply(inbound.body.encode())


def _apply(body: bytes) -> dict[str, Any]:
    """Everything after the signature and the time: the body's shape, the replay guard, the dossier,
    the status and its inputs, then the action."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the decoder reads
        data = None
    if not isinstance(data, dict):
        raise _refuse(
            "malformed_json",
            _("Nội dung không phải một đối tượng JSON."),
            status=400,
            message_id="",
            body=body,
        )
    message_id = str(data.get("message_id") or "")
    where = _lone_surrogate(data)
    if where is not None:
        raise _refuse(
            "validation_error",
            _("Nội dung có ký tự không hợp lệ (nửa cặp thay thế UTF-16)."),
            status=422,
            message_id=message_id,
            body=body,
            errors=[
                {"path": where, "message": _("Chuỗi có ký tự không phải văn bản Unicode hợp lệ.")}
            ],
        )
    errors = [
        {"path": name, "message": _("Trường này là bắt buộc.")}
        for name in ("message_id", "dossier", "status")
        if not data.get(name)
    ]
    if errors:
        raise _refuse(
            "validation_error",
            _("Thiếu thông tin."),
            status=422,
            message_id=message_id,
            body=body,
            errors=errors,
        )
    if len(message_id) > MAX_MESSAGE_ID:
        error = _("Tối đa %(n)s ký tự.") % {"n": MAX_MESSAGE_ID}
        raise _refuse(
            "validation_error",
            _("Mã thông điệp quá dài."),
            status=422,
            message_id=message_id,
            body=body,
            errors=[{"path": "message_id", "message": error}],
        )
    if InboundMessage.objects.filter(
        peer=PEER, message_id=message_id, outcome=InboundMessage.Outcome.ACCEPTED
    ).exists():
        raise _refuse(
            "duplicate",
            _("Thông điệp này đã được xử lý trước đó."),
            status=409,
            message_id=message_id,
            body=body,
        )
    dossier = (
        Dossier.objects.select_related("receiving_agency").filter(code=str(data["dossier"])).first()
    )
    if dossier is None or dossier.receiving_agency.processing_backend != Agency.Backend.ONESTOP:
        raise _refuse(
            "not_found",
            _("Không tìm thấy hồ sơ do phần mềm một cửa xử lý."),
            status=404,
            message_id=message_id,
            body=body,
            errors=[{"path": "dossier", "message": _("Mã hồ sơ không tồn tại.")}],
        )
    action = STATUS_ACTIONS.get(str(data["status"]))
    if action is not None and not _system_may(action):
        raise _refuse(
            "invalid_status",
            _(
                "Trạng thái này cần thao tác của cán bộ trên Cổng, phần mềm một cửa chưa được cập nhật."
            ),
            status=422,
            message_id=message_id,
            body=body,
            errors=[
                {
                    "path": "status",
                    "message": _("Chọn một trong: %(s)s.") % {"s": ", ".join(settable_statuses())},
                }
            ],
        )
    if action is None:
        raise _refuse(
            "invalid_status",
            _("Trạng thái không hợp lệ."),
            status=422,
            message_id=message_id,
            body=body,
            errors=[
                {
                    "path": "status",
                    "message": _("Chọn một trong: %(s)s.") % {"s": ", ".join(settable_statuses())},
                }
            ],
        )
    inputs = data.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise _refuse(
            "validation_error",
            _("“inputs” phải là một đối tượng."),
            status=422,
            message_id=message_id,
            body=body,
            errors=[{"path": "inputs", "message": _("Phải là một đối tượng JSON.")}],
        )
    allowed = _allowed_inputs(action)
    unknown = sorted(k for k in inputs if k != "result_files" and k not in allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) or _("không có")
        raise _refuse(
            "validation_error",
            _("“inputs” có trường mà bước này không nhận."),
            status=422,
            message_id=message_id,
            body=body,
            errors=[
                {
                    "path": f"inputs.{key}",
                    "message": _("Bước này chỉ nhận: %(s)s.") % {"s": takes},
                }
                for key in unknown
            ],
        )
    inputs = {k: v for k, v in inputs.items() if k != "result_files"} | {
        k: data[k] for k in TOP_LEVEL_INPUTS if data.get(k) not in (None, "", [])
    }
    pdfs: list[tuple[str, bytes]] = []
    if action == Action.APPROVE:
        try:
            pdfs = _result_pdfs(
                data.get("result_files") or (data.get("inputs") or {}).get("result_files") or []
            )
        except _BadFile as exc:
            raise _refuse(
                "validation_error",
                exc.message,
                status=422,
                message_id=message_id,
                body=body,
                errors=[{"path": "result_files", "message": exc.message}],
            ) from None
    try:
        with transaction.atomic():
            done = dossier_act(dossier=dossier, action=action, actor=None, system=True, **inputs)
            for _name, content in pdfs:
                document = DossierDocument(
                    dossier=done, kind=Document.RESULT, sha256=hashlib.sha256(content).hexdigest()
                )
                document.file.save("ket-qua.pdf", ContentFile(content), save=True)
            InboundMessage.objects.create(
                peer=PEER,
                message_id=message_id,
                outcome=InboundMessage.Outcome.ACCEPTED,
                detail=f"{action} → {done.status}",
                body=body_text(body),
            )
    except ProblemError as exc:
        raise _refuse(
            exc.code,
            exc.detail,
            status=exc.status,
            message_id=message_id,
            body=body,
            errors=(exc.extra or {}).get("errors"),
        ) from exc
    except IntegrityError as exc:  # the same message applied by a concurrent request
        raise _refuse(
            "duplicate",
            _("Thông điệp này đã được xử lý trước đó."),
            status=409,
            message_id=message_id,
            body=body,
        ) from exc
    return {"dossier": done.code, "status": done.status, "version": done.version}
