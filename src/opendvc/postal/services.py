"""Postal pickup and return: every change of a postal order goes through ``_move`` (state, timeline row,
audit entry, in one transaction with the order row locked).

* ``pickup_request`` — an applicant asks the postal service to collect a dossier (address, time window,
  fee); ``pickup_record`` — the postal worker collects it and hands it to the one-stop office;
  ``pickup_intake`` — the receiving officer registers it, with the channel "postal" (the same intake as
  at the counter, ``dossiers.services.counter_intake``).
* ``return_open`` — the office hands a result over for postal return: the 24-hour clock starts
  (``clock.return_due``); ``return_record`` — handed to the post, failed with a reason, returned to the
  office, or delivered with the proof (receiver's name, photo or signature file), which returns the
  dossier's result (``dossier_act``, method ``postal``) and freezes the order's on-time class.
* ``order_send`` / ``order_cancel`` — the order at the postal operator (``carrier``);
  ``tracking_apply`` — one tracking update of the operator, applied once whatever the number of times
  and the order it arrives in.

Regulation QĐ 31/2020/QĐ-UBND Art. 6.4 (results returned by post), Art. 15.2 (within 24 hours of the
result being ready); QĐ 45/2016/QĐ-TTg (receiving dossiers and returning results through the public
postal service).
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.agencies.models import StaffRole
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.audit.services import audit_record
from opendvc.core.prepared import PreparedRead, first_row
from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import too_long
from opendvc.dossiers import uploads
from opendvc.dossiers.returns import Address, applicant_address, chosen_address
from opendvc.notifications.services import notify
from opendvc.worktime import timeliness, to_local

from . import clock
from .carrier import CarrierError, OrderRequest, Party, TrackingEvent, asdict, carrier
from .models import FINAL, Leg, PostalEvent, PostalOrder, RefusedTrackingEvent, Status

logger = logging.getLogger(__name__)
S = Status
POSTAL = StaffRole.Role.POSTAL_OPERATOR
RECEIVING = StaffRole.Role.RECEIVING_OFFICER

# What a postal worker (or the office) may record after each state, per leg.
STEPS: dict[str, dict[str, frozenset[str]]] = {
    Leg.PICKUP: {
        S.REQUESTED: frozenset({S.COLLECTED, S.FAILED, S.CANCELLED}),
        S.FAILED: frozenset({S.COLLECTED, S.CANCELLED}),
        S.COLLECTED: frozenset({S.HANDED_TO_OFFICE}),
        S.HANDED_TO_OFFICE: frozenset({S.RECEIVED}),
    },
    Leg.RETURN: {
        S.READY: frozenset({S.HANDED_TO_POST, S.CANCELLED}),
        S.HANDED_TO_POST: frozenset({S.IN_TRANSIT, S.DELIVERED, S.FAILED}),
        S.IN_TRANSIT: frozenset({S.DELIVERED, S.FAILED}),
        S.FAILED: frozenset({S.IN_TRANSIT, S.DELIVERED, S.RETURNED_TO_OFFICE}),
    },
}

# The operator's tracking statuses, per leg.
CARRIER_STATUS: dict[str, dict[str, str]] = {
    Leg.PICKUP: {
        "accepted": S.COLLECTED,
        "in_transit": S.COLLECTED,
        "delivered": S.HANDED_TO_OFFICE,
        "failed": S.FAILED,
        "cancelled": S.CANCELLED,
    },
    Leg.RETURN: {
        "accepted": S.HANDED_TO_POST,
        "in_transit": S.IN_TRANSIT,
        "delivered": S.DELIVERED,
        "failed": S.FAILED,
        "returned": S.RETURNED_TO_OFFICE,
        "cancelled": S.CANCELLED,
    },
}


def _invalid(path: str, message: str) -> ProblemError:
    return ProblemError(
        "validation_error", message, extra={"errors": [{"path": path, "message": message}]}
    )


# What the postal worker types with an event, at most as long as the order's column that keeps it (a
# failure reason 300 characters, the receiver's name 200): a longer text is refused at its field,
# never cut.
EVENT_TEXT_LIMITS = {"note": 300, "receiver_name": 200}


def _typed_errors(**texts: str) -> list[dict[str, str]]:
    """The problems of an event's note or receiver's name longer than its column, every one."""
    labels = {"note": _("Ghi chú"), "receiver_name": _("Họ tên người nhận")}
    return [
        {"path": name, "message": f"{labels[name]}: {too_long(limit, len(text))}"}
        for name, limit in EVENT_TEXT_LIMITS.items()
        if len(text := (texts.get(name) or "").strip()) > limit
    ]


def _status_errors(status: str) -> list[dict[str, str]]:
    """The event is the worker's explicit choice: none chosen is refused at its field (never a default
    such as "collected" recorded by accident)."""
    if (status or "").strip():
        return []
    return [{"path": "status", "message": _("Chọn sự kiện cần ghi nhận.")}]


def _refuse(errors: list[dict[str, str]]) -> None:
    """Refuse an event with every problem at once (the first one as the detail)."""
    if errors:
        raise ProblemError("validation_error", errors[0]["message"], extra={"errors": errors})


def _fold(text: str) -> str:
    """ "Tỉnh Đồng Nai", "tinh dong nai", "ĐỒNG NAI" → "dong nai" (accents, case and the leading "tỉnh" /
    "thành phố" / "TP." dropped)."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).replace(".", " ")
    words = text.split()
    for prefix in (["tinh"], ["thanh", "pho"], ["tp"]):
        if words[: len(prefix)] == prefix:
            words = words[len(prefix) :]
            break
    return " ".join(words)


def is_inside_province(province: str) -> bool:
    """Whether ``province`` names the portal's province (``PROVINCE_NAME``; accents and "tỉnh" ignored)."""
    return _fold(province) == _fold(settings.PROVINCE_NAME)


def pickup_fee(*, inside_province: bool) -> int:
    return int(
        settings.POSTAL_PICKUP_FEE_VND
        if inside_province
        else settings.POSTAL_OUTSIDE_PICKUP_FEE_VND
    )


def is_operator_for(user, agency_id: int) -> bool:
    ids = visible_agency_ids(user, roles={POSTAL})
    return ids is None or agency_id in ids


def _require(user, order: PostalOrder, role: str) -> None:
    ids = visible_agency_ids(user, roles={role})
    if ids is not None and order.agency_id not in ids:
        if role == POSTAL:
            raise ProblemError(
                "permission_denied",
                _("Bạn không phải nhân viên bưu chính phục vụ cơ quan này."),
                status=403,
            )
        raise ProblemError(
            "permission_denied", _("Bạn không phải cán bộ tiếp nhận của cơ quan này."), status=403
        )


def _move(
    order: PostalOrder,
    to: str,
    *,
    at: datetime,
    actor=None,
    source: str = PostalEvent.Source.STAFF,
    note: str = "",
    data: dict[str, Any] | None = None,
    external_id: str | None = None,
    request=None,
    fields: dict[str, Any] | None = None,
) -> PostalEvent:
    """Set ``order`` to ``to`` (inside the caller's transaction, the row locked): the fields, the
    timeline row and the audit entry."""
    before = order.status
    order.status = to
    for key, value in (fields or {}).items():
        setattr(order, key, value)
    if to in FINAL and order.finished_at is None:
        order.finished_at = at
    order.save()
    event = PostalEvent.objects.create(
        order=order,
        at=at,
        status=to,
        source=source,
        actor=actor,
        note=note[:500],
        data=data or {},
        external_id=external_id,
    )
    audit_record(
        actor=actor,
        action=f"postal.{order.leg}_{to}",
        target=order,
        changes={"status": [before, to], **({"note": note} if note else {})},
        request=request,
    )
    return event


def _locked(order: PostalOrder) -> PostalOrder:
    return (
        PostalOrder.objects.select_for_update(of=("self",))
        .select_related("agency", "applicant", "dossier")
        .get(pk=order.pk)
    )


def _check_step(order: PostalOrder, to: str) -> None:
    if to not in STEPS[order.leg].get(order.status, frozenset()):
        raise ProblemError(
            "conflict",
            _(
                "Đơn %(n)s đang ở trạng thái “%(s)s”; không thể chuyển sang “%(t)s”. Hãy tải lại trang."
            )
            % {"n": order.order_number, "s": S(order.status).label, "t": S(to).label},
            status=409,
            extra={"state": order.status},
        )


PICKUP_NOTE_LIMIT = 500  # PostalOrder.note


# -- Pickup -----------------------------------------------------------------------------------------------


def pickup_request(
    *,
    applicant,
    procedure,
    agency,
    address: Address,
    window_start: datetime | None,
    window_end: datetime | None,
    note: str = "",
    request=None,
) -> PostalOrder:
    """The applicant asks for their dossier to be collected at ``address`` between ``window_start`` and
    ``window_end``. ``procedure`` or ``agency`` ``None`` (a code not published, no agency chosen) is
    refused with the other problems. The fee is the configured one (inside or outside the province). Audited; the order is
    sent to the postal operator after commit (``order_send``). Raises ``ProblemError`` 422.

    A window ``None`` is a day or an hour the form could not read (31/02, 25:00): it is refused with
    the other problems, so that every one is reported at once."""
    from opendvc.dossiers.services import receiving_agency_allowed

    now = timezone.now()
    errors = []
    # The address goes to the postal operator as typed: a part too long or holding '<' or '>' is
    # refused, not cut; every problem is reported at once.
    try:
        address = address.checked()
    except ProblemError as exc:
        errors.extend(exc.extra.get("errors") or [])
    note = (note or "").strip()
    if len(note) > PICKUP_NOTE_LIMIT:
        errors.append({"path": "note", "message": too_long(PICKUP_NOTE_LIMIT, len(note))})
    if window_start is None or window_end is None:
        errors.append(
            {
                "path": "window_start" if window_start is None else "window_end",
                "message": _(
                    "Ngày hoặc giờ thu gom không đọc được: nhập ngày có thật theo dạng dd/mm/yyyy "
                    "và giờ theo dạng giờ:phút (ví dụ 08:30)."
                ),
            }
        )
    else:
        if window_end <= window_start:
            errors.append({"path": "window_end", "message": _("Giờ kết thúc phải sau giờ bắt đầu.")})
        if window_start < now:
            errors.append(
                {"path": "window_start", "message": _("Chọn thời gian thu gom trong tương lai.")}
            )
        elif window_start > now + timedelta(days=settings.POSTAL_PICKUP_MAX_DAYS):
            errors.append(
                {
                    "path": "window_start",
                    "message": _("Chỉ hẹn thu gom trong %(n)s ngày tới.")
                    % {"n": settings.POSTAL_PICKUP_MAX_DAYS},
                }
            )
        first, last = settings.POSTAL_PICKUP_FIRST_HOUR, settings.POSTAL_PICKUP_LAST_HOUR
        start, end = to_local(window_start), to_local(window_end)
        if window_end > window_start and (
            start.date() != end.date() or start.hour < first or (end.hour, end.minute) > (last, 0)
        ):
            errors.append(
                {
                    "path": "window_end",
                    "message": _("Bưu điện thu gom trong một ngày, từ %(a)02d:00 đến %(b)02d:00.")
                    % {"a": first, "b": last},
                }
            )
    # A procedure code not published or an agency not chosen is reported with the other problems.
    if procedure is None:
        errors.append(
            {"path": "procedure", "message": _("Nhập đúng mã của một thủ tục đang được công bố.")}
        )
    if agency is None:
        errors.append({"path": "agency", "message": _("Chọn cơ quan tiếp nhận.")})
    if (
        procedure is not None
        and agency is not None
        and not receiving_agency_allowed(procedure=procedure, agency=agency)
    ):
        errors.append(
            {"path": "procedure", "message": _("Cơ quan này không tiếp nhận thủ tục được chọn.")}
        )
    if errors:
        raise ProblemError(
            "validation_error", _("Thông tin thu gom chưa hợp lệ."), extra={"errors": errors}
        )
    inside = is_inside_province(address.province)
    with transaction.atomic():
        order = PostalOrder.objects.create(
            leg=Leg.PICKUP,
            order_number=f"tmp-{now.timestamp()}-{applicant.pk}",
            status=S.REQUESTED,
            agency=agency,
            applicant=applicant,
            procedure=procedure,
            contact_name=address.contact_name,
            contact_phone=address.contact_phone,
            address=address.address,
            province=address.province,
            inside_province=inside,
            window_start=window_start,
            window_end=window_end,
            fee_vnd=pickup_fee(inside_province=inside),
            note=note,
            created_by=applicant,
        )
        # No dossier code before the intake: the pickup's own reference and the leg.
        order.order_number = f"TG{order.pk:08d}-{Leg.PICKUP}"
        order.save(update_fields=["order_number"])
        PostalEvent.objects.create(
            order=order,
            at=now,
            status=S.REQUESTED,
            source=PostalEvent.Source.STAFF,
            actor=applicant,
        )
        audit_record(
            actor=applicant,
            action="postal.pickup_requested",
            target=order,
            changes={"agency": agency.code, "procedure": procedure.code, "fee_vnd": order.fee_vnd},
            request=request,
        )
        transaction.on_commit(lambda: order_send(order=order))
    return order


def pickup_record(
    *,
    order: PostalOrder,
    actor,
    status: str,
    at: datetime | None = None,
    note: str = "",
    request=None,
) -> PostalOrder:
    """The postal worker records a pickup event: collected, handed to the one-stop office, or not
    collected (``failed``, with the reason in ``note``) or cancelled. Raises 403/409/422."""
    errors = _status_errors(status)
    if not errors and status not in (S.COLLECTED, S.HANDED_TO_OFFICE, S.FAILED, S.CANCELLED):
        raise _invalid("status", _("Trạng thái không hợp lệ."))
    if status == S.FAILED and not (note or "").strip():
        errors.append({"path": "note", "message": _("Nêu lý do không thu gom được.")})
    errors.extend(_typed_errors(note=note))
    _refuse(errors)
    now = timezone.now()
    at = at or now
    if at > now:
        raise _invalid("at", _("Thời điểm không được ở tương lai."))
    _require(actor, order, POSTAL)
    with transaction.atomic():
        order = _locked(order)
        _check_step(order, status)
        if at < order.created_at:
            raise _invalid("at", _("Thời điểm không được trước lúc yêu cầu thu gom."))
        fields = {"failure_reason": note[:300]} if status == S.FAILED else {}
        if status in (S.COLLECTED, S.HANDED_TO_OFFICE):
            # Collected after all: an earlier attempt's reason stays in the timeline only.
            fields["failure_reason"] = ""
        if status == S.HANDED_TO_OFFICE:
            # When the post handed the dossier to the one-stop office: shown on, and ordering, the
            # office's list of pickups to receive.
            fields["handed_at"] = at
        _move(order, status, at=at, actor=actor, note=note, request=request, fields=fields)
    if status == S.CANCELLED:
        order_cancel_at_carrier(order=order)
    return order


def pickup_cancel(*, order: PostalOrder, actor, request=None) -> PostalOrder:
    """The applicant cancels their own pickup while the post has not collected the dossier (waiting, or
    a visit that failed); the operator's order is cancelled too. Raises 404/409."""
    if order.applicant_id != getattr(actor, "pk", None) or order.leg != Leg.PICKUP:
        raise ProblemError("not_found", _("Không có đơn bưu chính này."), status=404)
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (S.REQUESTED, S.FAILED):
            raise ProblemError(
                "conflict",
                _("Đơn %(n)s đang ở trạng thái “%(s)s”; không hủy được nữa.")
                % {"n": order.order_number, "s": S(order.status).label},
                status=409,
                extra={"state": order.status},
            )
        _move(
            order,
            S.CANCELLED,
            at=timezone.now(),
            actor=actor,
            note=_("Người nộp hủy yêu cầu thu gom"),
            request=request,
        )
    order_cancel_at_carrier(order=order)
    return order


def pickup_intake(*, order: PostalOrder, actor, due_at: Any = None, request=None):
    """The receiving officer registers a dossier the post handed over: the same intake as at the counter
    with the channel "postal" (receipt, appointment, history), linked to the pickup. Returns the dossier."""
    from opendvc.dossiers.models import Channel
    from opendvc.dossiers.services import counter_intake

    _require(actor, order, RECEIVING)
    with transaction.atomic():
        order = _locked(order)
        _check_step(order, S.RECEIVED)
        dossier = counter_intake(
            actor=actor,
            procedure=order.procedure,
            receiving_agency=order.agency,
            channel=Channel.POSTAL,
            applicant=order.applicant,
            due_at=due_at,
            request=request,
        )
        _move(
            order,
            S.RECEIVED,
            at=timezone.now(),
            actor=actor,
            request=request,
            fields={"dossier": dossier},
            data={"dossier": dossier.code},
        )
    return dossier


# -- Return -----------------------------------------------------------------------------------------------


# Asked at every approval (is a postal return open already? was the dossier collected by post?): the
# statements built once per process (``core.prepared``).
_OPEN_RETURN = PreparedRead(
    lambda dossier_id: (
        PostalOrder.objects.filter(dossier=dossier_id, leg=Leg.RETURN.value)
        .exclude(status__in=[S.CANCELLED.value])
        .order_by("-created_at", "pk")[:1]
    ),
    1,
)
_RECEIVED_PICKUP = PreparedRead(
    lambda dossier_id: first_row(
        PostalOrder.objects.filter(
            dossier=dossier_id, leg=Leg.PICKUP.value, status=S.RECEIVED.value
        )
    ),
    1,
)


def open_return(dossier) -> PostalOrder | None:
    return _OPEN_RETURN.first(dossier.pk)


def received_pickup(dossier) -> PostalOrder | None:
    """The dossier's pickup leg, once the post collected it."""
    return _RECEIVED_PICKUP.first(dossier.pk)


def return_address_default(dossier) -> Address:
    """Where the result of ``dossier`` goes back by post, for the officer to check: the address the
    applicant chose to receive it at (``dossiers.returns.chosen_address``), else the address the post
    collected the dossier from, else the applicant's own (name, phone, current address or else
    permanent address from their profile, and its province)."""
    chosen = chosen_address(dossier)
    if chosen is not None:
        return chosen
    pickup = received_pickup(dossier)
    if pickup is not None:
        return Address(pickup.contact_name, pickup.contact_phone, pickup.address, pickup.province)
    return applicant_address(dossier.applicant)


def return_open(
    *,
    dossier,
    actor,
    address: Address,
    ready_at: datetime | None = None,
    system: bool = False,
    request=None,
) -> PostalOrder:
    """The result of ``dossier`` (ready) is handed over for postal return to ``address``: the order is
    created with the 24-hour clock started at ``ready_at`` (now by default) and sent to the postal operator
    after commit. The office's receiving officer does it (or the system, for a dossier collected by post).
    Raises 403/409/422."""
    from opendvc.dossiers.lifecycle import State

    # What an officer typed is refused when too long or holding '<' or '>' (never cut); an address
    # the applicant chose was checked when chosen, one taken from a pickup or a profile is trimmed.
    address = address.cleaned() if system else address.checked()
    if not system:
        ids = visible_agency_ids(actor, roles={RECEIVING})
        if ids is not None and dossier.receiving_agency_id not in ids:
            raise ProblemError(
                "permission_denied",
                _("Bạn không phải cán bộ tiếp nhận của cơ quan này."),
                status=403,
            )
    with transaction.atomic():
        if dossier.status != State.RESULT_READY:
            raise ProblemError(
                "conflict",
                _("Hồ sơ %(code)s chưa có kết quả để trả.") % {"code": dossier.code},
                status=409,
            )
        current = open_return(dossier)
        if current is not None and current.status != S.RETURNED_TO_OFFICE:
            raise ProblemError(
                "conflict",
                _("Kết quả của hồ sơ này đã được giao cho bưu điện (đơn %(n)s).")
                % {"n": current.order_number},
                status=409,
            )
        now = timezone.now()
        ready_at = ready_at or now
        inside = is_inside_province(address.province)
        count = PostalOrder.objects.filter(dossier=dossier, leg=Leg.RETURN).count()
        number = f"{dossier.code}-{Leg.RETURN}" + (f"-{count + 1}" if count else "")
        pickup = PostalOrder.objects.filter(dossier=dossier, leg=Leg.PICKUP).first()
        order = PostalOrder.objects.create(
            leg=Leg.RETURN,
            order_number=number,
            status=S.READY,
            agency=dossier.receiving_agency,
            applicant=dossier.applicant,
            procedure=dossier.procedure,
            dossier=dossier,
            pickup=pickup,
            contact_name=address.contact_name,
            contact_phone=address.contact_phone,
            address=address.address,
            province=address.province,
            inside_province=inside,
            cod_vnd=int(settings.POSTAL_RETURN_FEE_VND),
            fee_vnd=int(settings.POSTAL_RETURN_FEE_VND),
            ready_at=ready_at,
            due_at=clock.return_due(ready_at=ready_at, inside_province=inside),
            created_by=None if system else actor,
        )
        PostalEvent.objects.create(
            order=order,
            at=ready_at,
            status=S.READY,
            source=PostalEvent.Source.SYSTEM if system else PostalEvent.Source.STAFF,
            actor=None if system else actor,
            data={"due_at": order.due_at.isoformat() if order.due_at else None},
        )
        audit_record(
            actor=None if system else actor,
            action="postal.return_ready",
            target=order,
            changes={
                "dossier": dossier.code,
                "due_at": str(order.due_at),
                "inside_province": inside,
            },
            request=request,
        )
        transaction.on_commit(lambda: order_send(order=order))
    return order


# The proof of delivery is a photo or a scan of the receiver's signature: what the page's picker offers,
# decided by the content (the dossier files' check), never Word or Excel files.
PROOF_TYPES = (uploads.JPEG, uploads.PNG, uploads.PDF)
PROOF_TYPES_LABEL = "JPEG, PNG, PDF"


def _proof_refused(name: str, code: str = "unsupported_type") -> uploads.UploadError:
    return uploads.UploadError(
        code,
        _(
            "Tệp “%(name)s” không dùng được làm ảnh hoặc chữ ký người nhận: chỉ nhận tệp %(allowed)s; "
            "loại tệp được xác định theo nội dung, không theo tên."
        )
        % {"name": name, "allowed": PROOF_TYPES_LABEL},
        name=name,
    )


def proof_check(*, name: str, content: bytes) -> uploads.CheckedFile:
    """The proof of delivery as it is to be stored, after the portal's upload check, only when it is an
    image or a PDF. Raises ``UploadError`` with a message naming the types allowed."""
    try:
        checked = uploads.check_file(name=name, content=content)
    except uploads.UploadError as exc:
        if exc.code in ("unsupported_type", "executable"):
            raise _proof_refused(exc.name or name, exc.code) from exc
        raise
    if checked.content_type not in PROOF_TYPES:
        raise _proof_refused(checked.name)
    return checked


def return_record(
    *,
    order: PostalOrder,
    actor,
    status: str,
    at: datetime | None = None,
    note: str = "",
    receiver_name: str = "",
    proof=None,
    request=None,
) -> PostalOrder:
    """The postal worker records a return event: handed to the post (``at``: when), in transit, failed
    (reason in ``note``), returned to the office, or delivered — with the receiver's name and a photo or
    signature file (``proof``: a ``CheckedFile``). Delivery returns the dossier's result (method
    ``postal``) in the same transaction. Raises 403/409/422."""
    # Every problem of the event at once (the worker fixes them in one go).
    errors = _status_errors(status)
    if not errors and status not in (
        S.HANDED_TO_POST,
        S.IN_TRANSIT,
        S.FAILED,
        S.RETURNED_TO_OFFICE,
        S.DELIVERED,
    ):
        raise _invalid("status", _("Trạng thái không hợp lệ."))
    now = timezone.now()
    at = at or now
    if status == S.FAILED and not (note or "").strip():
        errors.append({"path": "note", "message": _("Nêu lý do không phát được.")})
    if status == S.DELIVERED and not (receiver_name or "").strip():
        errors.append({"path": "receiver_name", "message": _("Nhập họ tên người nhận.")})
    if status == S.DELIVERED and proof is None:
        errors.append({"path": "proof", "message": _("Tải lên ảnh hoặc chữ ký của người nhận.")})
    errors.extend(_typed_errors(note=note, receiver_name=receiver_name))
    if at > now:
        errors.append({"path": "at", "message": _("Thời điểm không được ở tương lai.")})
    _refuse(errors)
    _require(actor, order, POSTAL)
    stored: list[str] = []
    try:
        with transaction.atomic():
            order = _locked(order)
            _check_step(order, status)
            if order.ready_at is not None and at < order.ready_at:
                raise _invalid(
                    "at", _("Thời điểm không được trước lúc kết quả sẵn sàng trả qua bưu chính.")
                )
            _apply(
                order,
                status,
                at=at,
                actor=actor,
                source=PostalEvent.Source.STAFF,
                note=note,
                receiver_name=receiver_name,
                proof=proof,
                stored=stored,
                request=request,
            )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return order


def _apply(
    order: PostalOrder,
    status: str,
    *,
    at: datetime,
    actor,
    source: str,
    note: str = "",
    receiver_name: str = "",
    proof=None,
    stored: list[str] | None = None,
    external_id: str | None = None,
    data: dict[str, Any] | None = None,
    request=None,
) -> PostalEvent:
    fields: dict[str, Any] = {}
    if status in (S.HANDED_TO_POST, S.HANDED_TO_OFFICE):
        fields["handed_at"] = at
    if status == S.FAILED:
        fields["failure_reason"] = note[:300]
    if status == S.DELIVERED:
        # Delivered after all: an earlier attempt's reason stays in the timeline only.
        fields["failure_reason"] = ""
        fields["receiver_name"] = receiver_name.strip()[:200]
        fields["finished_at"] = at
        if order.due_at is not None:
            fields["on_time_class"] = timeliness(done_at=at, due_at=order.due_at)
        if proof is not None:
            name = default_storage.save(
                f"postal/{at:%Y/%m/%d}/{order.order_number}-{proof.name}",
                ContentFile(proof.content),
            )
            if stored is not None:
                stored.append(name)
            fields["proof_file"] = name
            fields["proof_content_type"] = proof.content_type
    if status == S.RETURNED_TO_OFFICE:
        fields["finished_at"] = at
        if order.due_at is not None:
            fields["on_time_class"] = "late" if at > order.due_at else ""
    event = _move(
        order,
        status,
        at=at,
        actor=actor,
        source=source,
        note=note,
        data=data,
        external_id=external_id,
        request=request,
        fields=fields,
    )
    if status == S.DELIVERED and order.dossier is not None:
        _return_dossier(order, actor=actor, receiver_name=receiver_name, request=request)
    if status == S.DELIVERED and order.leg == Leg.RETURN:
        _notify_delivered(order, at=at)
    return event


def _notify_delivered(order: PostalOrder, *, at: datetime) -> None:
    """The applicant's notice (email and in-app, sent on commit) that the post delivered the result."""
    from opendvc.core.links import absolute_url

    dossier = order.dossier
    notify(
        template="postal_delivered",
        recipient=order.applicant,
        context={
            "code": (dossier.code if dossier is not None else "") or "",
            "order_number": order.order_number,
            "receiver": order.receiver_name or order.contact_name,
            "delivered_at": to_local(at).strftime("%H:%M %d/%m/%Y"),
            "url": absolute_url("dossiers:mine_detail", args=[dossier.public_id])
            if dossier is not None
            else absolute_url("postal:mine"),
        },
    )


def _return_dossier(order: PostalOrder, *, actor, receiver_name: str, request=None) -> None:
    from opendvc.dossiers.lifecycle import Action, State
    from opendvc.dossiers.models import Dossier
    from opendvc.dossiers.services import dossier_act

    dossier = Dossier.objects.get(pk=order.dossier_id)
    if dossier.status != State.RESULT_READY:  # already handed over another way (at the counter)
        return
    note = _("Phát qua bưu chính, đơn %(n)s") % {"n": order.order_number}
    dossier_act(
        dossier=dossier,
        action=Action.RETURN_RESULT,
        actor=actor,
        system=actor is None,
        request=request,
        method="postal",
        recipient=receiver_name,
        note=note,
    )


# -- The postal operator --------------------------------------------------------------------------------


def _party_of_agency(agency) -> Party:
    return Party(
        name=agency.name,
        phone=getattr(agency, "phone", "") or "",
        address=getattr(agency, "address", "") or agency.name,
        province=settings.PROVINCE_NAME,
    )


def order_send(*, order: PostalOrder) -> PostalOrder:
    """Create the order at the postal operator (no-op without ``POSTAL_API_URL``): the item code is kept,
    or the error, for the worker to see and send again. Safe to repeat (same ``OrderNumber``)."""
    api = carrier()
    if api is None:
        return order
    order = PostalOrder.objects.select_related("agency").get(pk=order.pk)
    applicant = Party(
        name=order.contact_name,
        phone=order.contact_phone,
        address=order.address,
        province=order.province,
    )
    office = _party_of_agency(order.agency)
    sender, receiver = (applicant, office) if order.leg == Leg.PICKUP else (office, applicant)
    try:
        code = api.create_order(
            OrderRequest(
                order_number=order.order_number,
                sender=sender,
                receiver=receiver,
                cod_amount=order.cod_vnd if order.leg == Leg.RETURN else order.fee_vnd,
                note=order.note,
                pickup_from=order.window_start,
                pickup_to=order.window_end,
            )
        )
    except CarrierError as exc:
        logger.warning("postal order %s not sent: %s", order.order_number, exc)
        PostalOrder.objects.filter(pk=order.pk).update(carrier_error=str(exc)[:300])
        order.carrier_error = str(exc)[:300]
        return order
    PostalOrder.objects.filter(pk=order.pk).update(carrier_code=code, carrier_error="")
    order.carrier_code, order.carrier_error = code, ""
    return order


def order_cancel_at_carrier(*, order: PostalOrder) -> None:
    api = carrier()
    if api is None or not order.carrier_code:
        return
    try:
        api.cancel(order.order_number)
    except CarrierError as exc:
        logger.warning("postal order %s not cancelled at the operator: %s", order.order_number, exc)


def tracking_apply(*, event: TrackingEvent, request=None) -> bool:
    """Apply one tracking update of the postal operator; True when it moved the order.

    Idempotent: the update's id is stored with its timeline row, so a repeated callback finds it and
    changes nothing. Out of order: an update older than the last one applied, or arriving after the order
    reached a final state (delivered, returned, cancelled), is kept in the timeline (``applied=False``) but
    moves nothing; a late "accepted" still fills in when the post took the result. Unknown order numbers
    or statuses raise ``ProblemError`` 422."""
    if PostalEvent.objects.filter(external_id=event.event_id).exists():
        return False
    try:
        with transaction.atomic():
            order = (
                PostalOrder.objects.select_for_update()
                .filter(order_number=event.order_number)
                .first()
            )
            if order is None:
                raise _invalid("OrderNumber", _("Không có đơn %(n)s.") % {"n": event.order_number})
            to = CARRIER_STATUS[order.leg].get(event.status)
            if to is None:
                raise _invalid(
                    "Status", _("Trạng thái hành trình không hợp lệ: %(s)s.") % {"s": event.status}
                )
            data = {
                "carrier_status": event.status,
                "receiver_name": event.receiver_name,
                "reason": event.reason,
            }
            stale = order.last_tracking_at is not None and event.at < order.last_tracking_at
            if order.status in FINAL or stale or to == order.status:
                if to == S.HANDED_TO_POST and order.handed_at is None:
                    PostalOrder.objects.filter(pk=order.pk).update(handed_at=event.at)
                PostalEvent.objects.create(
                    order=order,
                    at=event.at,
                    status=to,
                    applied=False,
                    source=PostalEvent.Source.CARRIER,
                    note=event.note[:500],
                    data=data,
                    external_id=event.event_id,
                )
                return False
            order.last_tracking_at = event.at
            note = event.reason if to == S.FAILED else event.note
            _apply(
                order,
                to,
                at=event.at,
                actor=None,
                source=PostalEvent.Source.CARRIER,
                note=note or "",
                receiver_name=event.receiver_name,
                external_id=event.event_id,
                data=data,
                request=request,
            )
            return True
    except IntegrityError:  # the same update, applied by a concurrent callback
        return False


def _tracking_refusal_log(
    *, item: Any, path: str, detail: str, message: str, code: str = "validation_error"
) -> None:
    """Log an event of the operator's tracking answer that was refused with the peers' requests refused
    at the tracking callback (``core.middleware.inbound_refused``): the same code, the reason in
    Vietnamese (``problems.vietnamese_words``), the event as received."""
    import json

    from opendvc.core.middleware import MAX_REFUSAL_DETAIL, inbound_refused
    from opendvc.core.problems import vietnamese_words

    reason = f"{vietnamese_words(detail)} — {path}: {vietnamese_words(message)}"
    for _receiver, outcome in inbound_refused.send_robust(
        sender=tracking_refresh,
        peer="postal",
        code=code,
        detail=reason[:MAX_REFUSAL_DETAIL],
        body=json.dumps(item, ensure_ascii=False, default=str).encode(),
        client="",
        signed=True,  # read from the operator's own API
    ):
        if isinstance(outcome, Exception):
            logger.error("Refused postal tracking event not logged", exc_info=outcome)


def _first_refusal(*, order: PostalOrder, item: Any) -> bool:
    """Whether ``item`` (an event of ``order``'s tracking answer, as received) is refused for the first
    time: the operator answers the whole tracking again at each pull, and an event already logged is
    not logged again (``RefusedTrackingEvent``, keyed by the event's content)."""
    import hashlib
    import json

    text = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
    key = hashlib.sha256(text.encode()).hexdigest()
    try:
        with transaction.atomic():
            RefusedTrackingEvent.objects.create(order=order, key=key)
    except IntegrityError:  # logged at an earlier pull, or by a concurrent one
        return False
    return True


def tracking_refresh(*, order: PostalOrder) -> int:
    """Read the order's tracking from the operator and apply what is new; returns how many moved it.

    Each event stands alone: one the portal refuses (a time not yet come or not a time, an unknown
    status, another order's number…) is skipped and logged with the refused requests of the postal
    operator — once: the next pulls answer it again and it is not logged again — and the events after
    it are still applied."""
    api = carrier()
    if api is None:
        return 0
    events, refused = api.tracking(order.order_number)
    for bad in refused:
        if not _first_refusal(order=order, item=bad.item):
            continue
        _tracking_refusal_log(
            item=bad.item,
            path=bad.path,
            detail=_("Nội dung cập nhật hành trình không hợp lệ."),
            message=bad.message,
        )
    moved = 0
    for event in sorted(events, key=lambda e: e.at):
        try:
            moved += tracking_apply(event=event)
        except ProblemError as exc:
            errors = (exc.extra or {}).get("errors") or [{"path": "body", "message": exc.detail}]
            if not _first_refusal(order=order, item=asdict(event)):
                continue
            _tracking_refusal_log(
                item=asdict(event),
                path=errors[0].get("path") or "body",
                detail=exc.detail,
                message=errors[0].get("message") or exc.detail,
                code=exc.code,
            )
    return moved


# -- Overdue ---------------------------------------------------------------------------------------------

FIRST_LOOKBACK_DAYS = 30


def postal_escalate_overdue(*, now: datetime | None = None) -> int:
    """Return legs not delivered whose deadline passed since the previous pass: each postal worker of the
    agency gets one message listing them, each with its deadline (the queue marks them "Quá hạn" all along). Each deadline passes
    once, so each order is told once. Returns how many orders were reported."""
    from datetime import timedelta

    from opendvc.agencies.models import StaffRole as Role
    from opendvc.notifications.services import notify
    from opendvc.workflow.models import JobMark

    from .models import OPEN_RETURN

    now = now or timezone.now()
    with transaction.atomic():
        mark, _created = JobMark.objects.get_or_create(
            name="postal_overdue", defaults={"at": now - timedelta(days=FIRST_LOOKBACK_DAYS)}
        )
        mark = JobMark.objects.select_for_update(skip_locked=True).filter(pk=mark.pk).first()
        if mark is None or mark.at >= now:
            return 0
        due = list(
            PostalOrder.objects.filter(
                leg=Leg.RETURN, status__in=OPEN_RETURN, due_at__gt=mark.at, due_at__lte=now
            ).order_by("due_at")
        )
        by_agency: dict[int, list[PostalOrder]] = {}
        for order in due:
            by_agency.setdefault(order.agency_id, []).append(order)
        for agency_id, orders in by_agency.items():
            workers = {
                r.user
                for r in Role.objects.filter(
                    agency_id=agency_id, role=POSTAL, is_active=True
                ).select_related("user")
            }
            # Each order with its own deadline: 24 hours in the province, ``POSTAL_OUTSIDE_RETURN_HOURS``
            # outside it (``clock.return_due``).
            lines = "\n".join(
                f"- {o.order_number} ({to_local(o.due_at):%H:%M %d/%m/%Y}): {o.contact_name}, {o.address}"
                for o in orders[:20]
            )
            for user in workers:
                notify(
                    template="postal_overdue",
                    recipient=user,
                    channels=("in_app",),
                    context={"count": len(orders), "orders": lines},
                )
        mark.at = now
        mark.save(update_fields=["at"])
    return len(due)
