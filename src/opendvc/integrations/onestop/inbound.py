"""The one-stop software's webhook: status changes and results of the dossiers it processes.

A request is applied only when all hold: the signature (HMAC-SHA256 of ``<X-Timestamp>.<raw body>``
with ``ONESTOP_SECRET``) matches; the timestamp is within ``INBOUND_WINDOW_SECONDS`` (5 minutes) of
now; the body is a JSON object with ``message_id``, ``dossier`` and ``status``; the message id was not
applied before (replay refused); the dossier exists and is processed by the one-stop software; the
status is one it may set. The change then goes through ``dossier_act`` as the system actor (the same
rows, history and audit as an officer's action). Every request, applied or refused, is logged for the
ICT department (``InboundMessage``); a refused one changes nothing else.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from opendvc.agencies.models import Agency
from opendvc.core.problems import ProblemError
from opendvc.dossiers.lifecycle import Action, Role, State
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services.transitions import MACHINE, dossier_act

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


def settable_statuses() -> list[str]:
    return [status for status, action in STATUS_ACTIONS.items() if _system_may(action)]


def _refuse(
    code: str,
    detail: str,
    *,
    status: int,
    message_id: str,
    body: bytes,
    errors: list[dict[str, str]] | None = None,
) -> ProblemError:
    InboundMessage.objects.create(
        peer=PEER,
        message_id=message_id[:100],
        outcome=InboundMessage.Outcome.REFUSED,
        code=code,
        detail=detail,
        body=body.decode(errors="replace")[:20000],
    )
    logger.warning("Inbound %s refused (%s): %s", PEER, code, detail)
    return ProblemError(code, detail, status=status, extra={"errors": errors} if errors else None)


def onestop_inbound(
    *, body: bytes, timestamp: str, signature_header: str, now: float | None = None
) -> dict[str, Any]:
    """Apply one webhook request; returns ``{"dossier", "status", "version"}`` or raises
    ``ProblemError`` (logged, nothing else changed)."""
    now = time.time() if now is None else now
    secret = settings.ONESTOP_SECRET
    message_id = ""
    if not secret:
        raise _refuse(
            "service_unavailable",
            _("Chưa cấu hình liên thông phần mềm một cửa."),
            status=503,
            message_id="",
            body=body,
        )
    expected = signature(secret, timestamp or "", body)
    if not signature_header or not hmac.compare_digest(expected, signature_header.strip().lower()):
        raise _refuse(
            "bad_signature", _("Chữ ký không hợp lệ."), status=401, message_id="", body=body
        )
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        sent_at = None
    if sent_at is None or abs(now - sent_at) > settings.INBOUND_WINDOW_SECONDS:
        raise _refuse(
            "stale_request",
            _("Yêu cầu quá hạn hoặc sai thời điểm gửi (quá 5 phút)."),
            status=401,
            message_id="",
            body=body,
        )
    try:
        data = json.loads(body)
    except ValueError:
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
    try:
        with transaction.atomic():
            done = dossier_act(dossier=dossier, action=action, actor=None, system=True, **inputs)
            InboundMessage.objects.create(
                peer=PEER,
                message_id=message_id,
                outcome=InboundMessage.Outcome.ACCEPTED,
                detail=f"{action} → {done.status}",
                body=body.decode(errors="replace")[:20000],
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
