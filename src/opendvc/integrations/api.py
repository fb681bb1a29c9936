"""The integrations in the API: the outbox's state for monitoring (ICT department), replaying and
pausing, and the one-stop software's signed webhook."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from opendvc.api.auth import require_scope
from opendvc.api.params import MAX_ID
from opendvc.api.schemas import problems
from opendvc.core.middleware import inbound_webhook
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip

from . import outbox
from .models import InboundMessage, inbound_code_label
from .national.mapping import mapping_problems
from .onestop.inbound import onestop_inbound, onestop_reapply
from .views import LEDGER_ROLES

router = Router(tags=["Kết nối hệ thống"])


def _ict_only(request, scope: str) -> None:
    from opendvc.agencies.selectors import has_any_role

    require_scope(request, scope)
    user = request.user
    if not (user.is_superuser or has_any_role(user, LEDGER_ROLES)):
        raise ProblemError(
            "permission_denied", _("Chỉ Sở Khoa học và Công nghệ hoặc quản trị hệ thống."), status=403
        )


class DestinationRow(Schema):
    destination: str
    pending: int
    delivering: int
    delivered: int
    failed: int
    dead: int
    backlog: int = Field(description="Chờ gửi + đang gửi + lỗi sẽ gửi lại")
    oldest_open_at: datetime | None = Field(
        description="Thông điệp chưa gửi xong cũ nhất (ISO 8601)"
    )
    paused: bool
    held_until: datetime | None = Field(
        description=(
            "Nơi nhận yêu cầu chờ (trả lời 429 hoặc 503 kèm Retry-After): không gửi gì tới nơi nhận "
            "này trước thời điểm này (ISO 8601); null nếu không phải chờ"
        )
    )


class FailureRow(Schema):
    id: int
    destination: str
    message_id: str
    kind: str
    kind_label: str = Field(description="Loại thông điệp, bằng lời")
    subject: str = Field(description="Mã hồ sơ hoặc mã phản ánh mà thông điệp nói về; rỗng nếu không có")
    status: str
    attempts: int
    last_error: str = Field(description="Lỗi lần gửi cuối, như đã lưu (tiếng Việt)")
    last_error_label: str = Field(
        description="Lỗi lần gửi cuối bằng ngôn ngữ của yêu cầu (Accept-Language) khi là lỗi do Cổng "
        "diễn đạt; nguyên văn như đã lưu nếu không"
    )
    last_error_at: datetime | None
    next_attempt_at: datetime | None


class MappingProblem(Schema):
    path: str
    message: str


class InboundRow(Schema):
    id: int
    peer: str
    message_id: str
    outcome: str = Field(description="accepted | refused")
    code: str
    code_label: str = Field(description="Mã kết quả bằng lời, theo ngôn ngữ của yêu cầu")
    detail: str
    received_at: datetime


class OutboxOut(Schema):
    destinations: list[DestinationRow]
    failures: list[FailureRow]
    mapping_problems: list[MappingProblem]
    inbound: list[InboundRow] = Field(description="Các yêu cầu nhận vào gần nhất, kể cả bị từ chối")


@router.get(
    "/integrations/outbox",
    response={200: OutboxOut, **problems(403, 422)},
    summary="Liên thông: tồn đọng theo nơi nhận, lượt gửi lỗi (giám sát)",
)
def outbox_state(request, destination: str = ""):
    """For the ICT department and monitoring: per destination the count in each state, the oldest
    message not yet delivered, whether it is paused and until when its peer asked us to wait; the
    latest failures with their last error."""
    _ict_only(request, "read")
    outbox.destination_filter_check(destination)
    return {
        "destinations": outbox.backlog(),
        "failures": [
            {
                "id": d.pk,
                "destination": d.destination,
                "message_id": str(d.message.message_id),
                "kind": d.message.kind,
                "kind_label": d.kind_label,
                "subject": d.subject,
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "last_error_label": d.last_error_words[0],
                "last_error_at": d.last_error_at,
                "next_attempt_at": d.next_attempt_at if d.status == "failed" else None,
            }
            for d in outbox.failures(destination=destination)
        ],
        "mapping_problems": mapping_problems(),
        "inbound": [
            {**row, "code_label": inbound_code_label(row["code"])}
            for row in InboundMessage.objects.values(
                "id", "peer", "message_id", "outcome", "code", "detail", "received_at"
            )[:50]
        ],
    }


class ReplayIn(Schema):
    ids: list[int] = Field(..., description="Mã các lượt gửi lỗi hoặc đã ngừng cần gửi lại")


class ReplayOut(Schema):
    replayed: int


@router.post(
    "/integrations/outbox/replay",
    response={200: ReplayOut, **problems(403, 422)},
    summary="Liên thông: gửi lại các lượt gửi lỗi",
)
def outbox_replay(request, body: ReplayIn):
    _ict_only(request, "integrations")
    if not body.ids:
        raise ProblemError(
            "validation_error",
            _("Chưa chọn lượt gửi nào."),
            extra={"errors": [{"path": "ids", "message": _("Chọn ít nhất một lượt gửi.")}]},
        )
    return {
        "replayed": outbox.delivery_replay(ids=body.ids[:1000], actor=request.user, request=request)
    }


class PauseIn(Schema):
    paused: bool


class PauseOut(Schema):
    destination: str
    paused: bool


@router.post(
    "/integrations/outbox/destinations/{code}",
    response={200: PauseOut, **problems(403, 404, 422)},
    summary="Liên thông: tạm dừng hoặc tiếp tục gửi tới một nơi nhận",
)
def outbox_pause(request, code: str, body: PauseIn):
    _ict_only(request, "integrations")
    dest = outbox.destination_pause(
        code=code, paused=body.paused, actor=request.user, request=request
    )
    return {"destination": dest.code, "paused": dest.paused}


class OneStopEventOut(Schema):
    dossier: str
    status: str
    version: int


@router.post(
    "/integrations/onestop/events",
    auth=None,
    response={200: OneStopEventOut, **problems(400, 401, 404, 409, 422, 503)},
    summary="Phần mềm một cửa gửi trạng thái, kết quả hồ sơ (webhook có chữ ký)",
)
def onestop_event(request):
    """Signed with HMAC-SHA256 over ``<X-Timestamp>.<raw body>`` (``X-Signature``, hex), within 5
    minutes; body ``{"message_id", "dossier", "status", "inputs"}`` where ``status`` is the dossier's new
    state (processing, payment_required, supplement_requested, stopped, result_ready, returned) and
    ``inputs`` what that step takes. A message id is applied once; anything refused changes nothing and
    is logged for the ICT department."""
    request.inbound_logged = True  # every outcome, as the checks before this one (core.middleware)
    return onestop_inbound(
        body=request.body,
        timestamp=request.headers.get("X-Timestamp", ""),
        signature_header=request.headers.get("X-Signature", ""),
        client=client_ip(request),
    )


inbound_webhook("api:onestop_event", "onestop")


@router.post(
    "/integrations/inbound/{inbound_id}/reapply",
    response={200: OneStopEventOut, **problems(400, 403, 404, 409, 422)},
    summary="Liên thông: áp dụng lại một yêu cầu của phần mềm một cửa đã bị từ chối",
)
def inbound_reapply(request, inbound_id: int = Path(..., ge=1, le=MAX_ID)):
    """A refused request whose signature and time were valid (an event that arrived before the one it
    follows) applied again as received, with every check after the signature's; the outcome is
    logged as a new request."""
    _ict_only(request, "integrations")
    inbound = InboundMessage.objects.filter(pk=inbound_id).first()
    if inbound is None:
        raise ProblemError("not_found", _("Không có thông điệp nhận vào này."), status=404)
    return onestop_reapply(inbound=inbound, actor=request.user, request=request)


class CatalogPullItemOut(Schema):
    national_code: str
    name: str
    current_name: str
    change: str = Field(description="new | changed | same | invalid")
    errors: list[str]


class CatalogPullOut(Schema):
    id: int
    started_at: datetime
    status: str = Field(description="staged | published")
    counts: dict[str, int]
    agencies: int
    fields: int
    items: list[CatalogPullItemOut] = Field(description="Các thủ tục khác danh mục hiện hành")


def _pull_out(pull) -> dict:
    from .national.catalog import catalog_pull_counts

    return {
        "id": pull.pk,
        "started_at": pull.started_at,
        "status": pull.status,
        "counts": catalog_pull_counts(pull=pull),
        "agencies": len(pull.agencies),
        "fields": len(pull.fields),
        "items": list(
            pull.items.exclude(change="same").values(
                "national_code", "name", "current_name", "change", "errors"
            )
        ),
    }


@router.get(
    "/integrations/catalog-pull",
    response={200: CatalogPullOut, **problems(403, 404)},
    summary="Danh mục quốc gia: lần lấy gần nhất và khác biệt với danh mục hiện hành",
)
def catalog_pull_latest(request):
    from .models import CatalogPull

    _ict_only(request, "read")
    pull = CatalogPull.objects.first()
    if pull is None:
        raise ProblemError("not_found", _("Chưa lấy danh mục lần nào."), status=404)
    return _pull_out(pull)


@router.post(
    "/integrations/catalog-pull",
    response={200: CatalogPullOut, **problems(403, 503)},
    summary="Danh mục quốc gia: lấy danh mục TTHC, cơ quan, lĩnh vực vào vùng chờ duyệt",
)
def catalog_pull_start(request):
    from .national.catalog import catalog_pull

    _ict_only(request, "integrations")
    return _pull_out(catalog_pull())


class PublishOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int


@router.post(
    "/integrations/catalog-pull/{pull_id}/publish",
    response={200: PublishOut, **problems(403, 404, 409)},
    summary="Danh mục quốc gia: cập nhật các thủ tục mới và thay đổi vào danh mục",
)
def catalog_pull_publish_api(request, pull_id: int = Path(..., ge=1, le=MAX_ID)):
    from .models import CatalogPull
    from .national.catalog import catalog_pull_publish

    _ict_only(request, "integrations")
    pull = CatalogPull.objects.filter(pk=pull_id).first()
    if pull is None:
        raise ProblemError("not_found", _("Không có lần lấy danh mục này."), status=404)
    return catalog_pull_publish(pull=pull, actor=request.user, request=request)
