"""Online payment of a dossier's fees through the API (level 4): the fees due, the gateways offered, the
payments made with their receipts (``GET /dossiers/{code}/payments``), a payment started at a gateway
(``POST /dossiers/{code}/payments``: the address to send the payer to), the receipt's PDF
(``GET /dossiers/{code}/receipts/{number}``).

The applicant's side only — the applicant, or a member of the organisation the dossier was filed for,
as on the applicant's dossier page; anyone else gets 404. Thin: the rules are the pages' own
(``selectors.applicant_payments``, ``services.payment_start``); the gateway's confirmation then
completes the payment through its usual path (``views.confirmation``), never the API.
"""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from opendvc.api.auth import require_scope
from opendvc.api.schemas import problems
from opendvc.core.links import absolute_url
from opendvc.core.ratelimit import client_address
from opendvc.dossiers import selectors as dossier_selectors

from . import selectors, services
from .models import PaymentAttempt, Receipt
from .views import receipt_response

router = Router(tags=["Thanh toán"])


class FeeLineOut(Schema):
    name: str
    quantity: int
    unit_vnd: int = Field(description="Đơn giá (đồng)")
    amount_vnd: int = Field(description="Thành tiền (đồng)")


class FeesDueOut(Schema):
    items: list[FeeLineOut]
    total_vnd: int = Field(description="Tổng số tiền phải nộp (đồng)")
    requested_at: datetime


class GatewayOut(Schema):
    key: str = Field(description="Giá trị gửi trong `gateway` khi bắt đầu thanh toán")
    name: str


class ReceiptOut(Schema):
    number: str
    issued_at: datetime
    url: str = Field(
        description="Tải biên lai điện tử (PDF) với cùng cách xác thực: "
        "GET /dossiers/{code}/receipts/{number}"
    )


class PaymentOut(Schema):
    reference: str = Field(description="Mã thanh toán gửi cổng thanh toán")
    gateway: str
    gateway_name: str
    amount_vnd: int
    state: str = Field(
        description="pending (chờ cổng xác nhận), paid, failed, cancelled, expired, "
        "refund_pending, refunded"
    )
    state_label: str
    started_at: datetime
    paid_at: datetime | None
    refund_due: bool = Field(
        description="Khoản phí đã được thanh toán bằng lần khác: số tiền của lần này được hoàn lại"
    )
    receipt: ReceiptOut | None = Field(
        description="Biên lai điện tử của lần thanh toán đã trả khoản phí; null khi chưa có"
    )


class CounterPaymentOut(Schema):
    method: str = Field(description="Hình thức nộp: luôn là `counter` (nộp tại bộ phận một cửa)")
    method_name: str
    items: list[FeeLineOut]
    amount_vnd: int = Field(description="Số tiền đã nộp (đồng)")
    paid_at: datetime | None
    receipt_number: str = Field(
        description="Số biên lai bộ phận một cửa cấp khi nộp tại quầy (biên lai giấy: "
        "không có bản điện tử để tải)"
    )


class DossierPaymentsOut(Schema):
    code: str | None
    status: str
    fees_due: FeesDueOut | None = Field(
        description="Các khoản phí, lệ phí hồ sơ đang chờ nộp; null khi không có khoản nào"
    )
    online_payment_open: bool = Field(
        description="Có thể thanh toán trực tuyến ngay bây giờ (có khoản chờ nộp, thủ tục mức độ 4, "
        "có cổng thanh toán); nếu không, nộp tại bộ phận một cửa hoặc qua bưu chính"
    )
    gateways: list[GatewayOut]
    payments: list[PaymentOut] = Field(description="Các lần thanh toán trực tuyến, mới nhất trước")
    counter_payments: list[CounterPaymentOut] = Field(
        description="Các khoản phí, lệ phí đã nộp tại bộ phận một cửa (cán bộ ghi nhận), mới nhất "
        "trước"
    )


class PaymentStartIn(Schema):
    gateway: str = Field(description="Khóa của cổng thanh toán, một trong `gateways[].key`")


class PaymentStartOut(Schema):
    payment: PaymentOut
    redirect_url: str = Field(
        description="Địa chỉ trang thanh toán của cổng: mở trong trình duyệt của người nộp"
    )


def _whole(value, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _fee_lines(fee_request) -> list[FeeLineOut]:
    lines = []
    for line in fee_request.items or []:
        if not isinstance(line, dict):
            continue
        amount = _whole(line.get("amount_vnd"))
        quantity = _whole(line.get("quantity"), 1)
        lines.append(
            FeeLineOut(
                name=str(line.get("name") or ""),
                quantity=quantity,
                unit_vnd=_whole(line.get("unit_vnd"), amount),
                amount_vnd=amount,
            )
        )
    return lines


def _fees_due(due) -> FeesDueOut | None:
    if due is None:
        return None
    return FeesDueOut(items=_fee_lines(due), total_vnd=due.total_vnd, requested_at=due.created_at)


def _counter_payment(fee_request) -> CounterPaymentOut:
    from .counter import Counter

    return CounterPaymentOut(
        method=Counter.key,
        method_name=str(Counter.label),
        items=_fee_lines(fee_request),
        amount_vnd=fee_request.total_vnd,
        paid_at=fee_request.paid_at,
        receipt_number=fee_request.receipt_number,
    )


def _key(dossier) -> str:
    """How the API names the dossier: its code, or its id while it has none."""
    return dossier.code or str(dossier.public_id)


def _payment(dossier, attempt: PaymentAttempt, receipt: Receipt | None) -> PaymentOut:
    return PaymentOut(
        reference=attempt.reference,
        gateway=attempt.gateway,
        gateway_name=str(attempt.gateway_label),
        amount_vnd=attempt.amount_vnd,
        state=attempt.state,
        state_label=attempt.get_state_display(),
        started_at=attempt.created_at,
        paid_at=attempt.paid_at,
        refund_due=attempt.needs_refund,
        receipt=ReceiptOut(
            number=receipt.number,
            issued_at=receipt.issued_at,
            url=absolute_url(
                "api:dossier_receipt", kwargs={"code": _key(dossier), "number": receipt.number}
            ),
        )
        if receipt is not None
        else None,
    )


@router.get(
    "/dossiers/{code}/payments",
    response={200: DossierPaymentsOut, **problems(404)},
    summary="Phí, lệ phí phải nộp và các lần thanh toán của hồ sơ",
)
def dossier_payments(request, code: str):
    """For the applicant (or a member of the organisation the dossier was filed for): the fees the
    dossier waits for (each item and the total, in đồng), whether it can be paid online now and at
    which gateways, and the online payments made, newest first, each with its electronic receipt once
    issued; the fees paid at the one-stop counter (``counter_payments``: when, how much and the
    receipt number the office gave). ``code`` is the dossier's code, or its ``id``. Anyone else gets 404."""
    require_scope(request, "read")
    dossier = dossier_selectors.dossier_for_applicant_by_code(user=request.user, code=code)
    seen = selectors.applicant_payments(dossier=dossier)
    return DossierPaymentsOut(
        code=dossier.code,
        status=dossier.status,
        fees_due=_fees_due(seen.due),
        online_payment_open=bool(seen.gateways),
        gateways=[GatewayOut(key=g.key, name=str(g.label)) for g in seen.gateways],
        payments=[_payment(dossier, a, seen.receipts.get(a.pk)) for a in seen.attempts],
        counter_payments=[_counter_payment(p) for p in seen.counter],
    )


@router.post(
    "/dossiers/{code}/payments",
    response={201: PaymentStartOut, **problems(404, 409, 422)},
    summary="Bắt đầu thanh toán trực tuyến phí, lệ phí của hồ sơ",
)
def start_payment(request, code: str, payload: PaymentStartIn):
    """Start paying the fees the dossier waits for at ``gateway`` (one of ``gateways[].key`` of
    ``GET /dossiers/{code}/payments``); answers the payment (``pending``) and ``redirect_url``, the
    gateway's page to open in the payer's browser. The dossier moves on only when the gateway confirms
    the payment to the portal; read ``GET /dossiers/{code}/payments`` for the outcome. A payment
    still pending does not prevent a new one (the payer may have left the gateway's page): should both
    succeed, the second is refunded.

    Refused: 409 ``conflict`` when the dossier waits for no fees; 422 ``validation_error`` (``errors``
    at ``gateway``) for an unknown or unconfigured gateway; 422 ``not_offered_at_level`` when the
    procedure's level offers no online payment (pay at the one-stop office or by post); 404 when the
    dossier is not the caller's."""
    require_scope(request, "dossiers:write")
    dossier = dossier_selectors.dossier_for_applicant_by_code(user=request.user, code=code)
    attempt, url = services.payment_start(
        dossier=dossier,
        gateway=payload.gateway,
        actor=request.user,
        client_ip=client_address(request) or "",
    )
    return Status(201, PaymentStartOut(payment=_payment(dossier, attempt, None), redirect_url=url))


@router.get(
    "/dossiers/{code}/receipts/{number}",
    response={200: None, **problems(404, 503)},
    summary="Tải biên lai điện tử (PDF) của hồ sơ",
    url_name="dossier_receipt",
    openapi_extra={
        "responses": {
            200: {
                "description": "Biên lai điện tử (PDF)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def dossier_receipt(request, code: str, number: str):
    """The electronic receipt's PDF (``payments[].receipt.url``), for the applicant as on the
    dossier's page; 503 with ``Retry-After`` while it is still being made or the storage cannot be
    read, 404 for another person's dossier or an unknown number."""
    require_scope(request, "read")
    dossier = dossier_selectors.dossier_for_applicant_by_code(user=request.user, code=code)
    return receipt_response(
        request, get_object_or_404(Receipt, number=number, order__dossier=dossier)
    )
