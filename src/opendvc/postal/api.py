"""The postal operator's tracking callback: ``POST /api/v1/postal/tracking`` (one event, signed with
``POSTAL_WEBHOOK_SECRET``: HMAC-SHA256 of the body, hex, in ``X-Postal-Signature``; 401 otherwise). A repeated event is
answered like the first and changes nothing (``services.tracking_apply``)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader

from opendvc.api.schemas import problems
from opendvc.core.middleware import inbound_webhook
from opendvc.core.problems import ProblemError

from .carrier import CarrierError, parse_event
from .services import tracking_apply

router = Router(tags=["Bưu chính"])


class PostalSignature(APIKeyHeader):
    """The caller is the postal operator when ``X-Postal-Signature`` is the HMAC-SHA256 (hex) of the
    body with ``POSTAL_WEBHOOK_SECRET``; refused (401) otherwise, and always without a secret."""

    param_name = "X-Postal-Signature"

    def authenticate(self, request, key):
        secret = settings.POSTAL_WEBHOOK_SECRET
        if not secret or not key or not key.isascii():
            return None
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return "postal-operator" if hmac.compare_digest(key, expected) else None


class TrackingIn(Schema):
    """One tracking event, as the postal operator sends it (read from the raw body, whose signature is
    checked first)."""

    EventId: str
    OrderNumber: str
    ItemCode: str = ""
    Status: str  # accepted | in_transit | delivered | failed | returned | cancelled
    StatusTime: datetime
    Note: str = ""
    ReceiverName: str = ""
    Reason: str = ""


BODY = {
    "required": True,
    "content": {"application/json": {"schema": TrackingIn.model_json_schema()}},
}


class TrackingAck(Schema):
    order_number: str
    applied: bool


@router.post(
    "/postal/tracking",
    auth=PostalSignature(),
    response={200: TrackingAck, **problems(422)},
    summary="Cập nhật hành trình bưu gửi (bưu điện gọi về)",
    openapi_extra={"requestBody": BODY},
)
def tracking(request):
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the decoder reads
        raise ProblemError(
            "malformed_json", _("Nội dung gửi lên không phải JSON hợp lệ."), status=400
        ) from None
    try:
        event = parse_event(body)
    except CarrierError as exc:
        raise ProblemError(
            "validation_error",
            _("Nội dung cập nhật hành trình không hợp lệ."),
            extra={"errors": [{"path": exc.path or "body", "message": str(exc)[:200]}]},
        ) from exc
    applied = tracking_apply(event=event, request=request)
    return Status(200, {"order_number": event.order_number, "applied": applied})


# Its refusals (signature, body, unknown order or status) are logged with the other peers' requests.
inbound_webhook("api:tracking", "postal")
