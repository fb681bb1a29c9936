"""Postal pages: the applicant's pickup request and orders, the postal worker's queue and order page,
the one-stop office's postal lists (intake of what the post brought, results handed over to the post).
Thin: each view parses the form, calls one service, renders."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.agencies.models import Agency, StaffRole
from opendvc.backoffice.decorators import backoffice_required
from opendvc.catalog.models import Procedure
from opendvc.core.files import stored_file_response
from opendvc.core.money import format_vnd
from opendvc.core.problems import ProblemError
from opendvc.dossiers.selectors import receiving_agencies
from opendvc.dossiers.uploads import UploadError, read_limited
from opendvc.worktime import WorktimeError, calendar_for_agency, parse_instant, to_local

from . import clock, selectors, services
from .models import Leg, Status, status_label

SR = StaffRole.Role
STATE_LABELS = {
    "early": gettext_lazy("Trước hạn"),
    "on_time": gettext_lazy("Trong hạn"),
    "late": gettext_lazy("Trễ hạn"),
    "overdue": gettext_lazy("Quá hạn"),
    "due_soon": gettext_lazy("Sắp đến hạn"),
    # Returned to the one-stop office without being delivered: no delivery to be early or late.
    "undelivered": gettext_lazy("Không phát được"),
}
VIEW_LABELS = {
    "pickup": gettext_lazy("Thu gom hồ sơ"),
    "return": gettext_lazy("Phát kết quả"),
    "due_soon": gettext_lazy("Sắp đến hạn"),
    "overdue": gettext_lazy("Quá hạn"),
    "done": gettext_lazy("Đã xong"),
}


# The address forms' fields by the service's error paths: a message about a part names it.
_ADDRESS_FIELDS = {
    "contact_phone": gettext_lazy("Số điện thoại di động"),
    "address": gettext_lazy("Địa chỉ (số nhà, đường, phường/xã)"),
    "province": gettext_lazy("Tỉnh, thành phố"),
}
PICKUP_FIELDS = {
    "procedure": gettext_lazy("Mã thủ tục"),
    "agency": gettext_lazy("Cơ quan tiếp nhận"),
    "contact_name": gettext_lazy("Họ tên người giao hồ sơ"),
    **_ADDRESS_FIELDS,
    "note": gettext_lazy("Ghi chú cho nhân viên bưu chính"),
}
# The order page's event form: the event chosen (the texts' own messages already name their field).
ORDER_FIELDS = {"status": gettext_lazy("Sự kiện")}
RETURN_FIELDS = {"contact_name": gettext_lazy("Họ tên người nhận"), **_ADDRESS_FIELDS}


def _messages(exc: ProblemError, fields: dict | None = None) -> list[str]:
    fields = fields or {}
    details = [
        f"{fields[e['path']]}: {e['message']}" if e.get("path") in fields else e["message"]
        for e in exc.extra.get("errors", [])
        if e.get("message")
    ]
    return details or [exc.detail]


# The forms' inputs (by id) of the paths the services name in their errors.
_ADDRESS_INPUTS = {
    "contact_name": "ho-ten",
    "contact_phone": "dien-thoai",
    "address": "dia-chi",
    "province": "tinh",
}
PICKUP_INPUTS = {
    "procedure": "thu-tuc",
    "agency": "co-quan",
    **_ADDRESS_INPUTS,
    "window_start": "tu-gio",
    "window_end": "den-gio",
    "note": "ghi-chu",
}
ORDER_INPUTS = {
    "status": "trang-thai",
    "at": "luc",
    "note": "ghi-chu",
    "receiver_name": "nguoi-nhan",
    "proof": "bang-chung",
}


def _refused(exc: ProblemError, inputs: dict[str, str], fields: dict | None = None) -> dict:
    """A refused form's errors for its template: each at its input (``field_errors``, by the input's
    id with "_" for "-") and all of them in the summary (``error_links``), linked to their input and
    named by ``fields`` as ``_messages`` names them; an error of no input is in the summary only."""
    fields = fields or {}
    at_input: dict[str, str] = {}
    links = []
    for e in exc.extra.get("errors") or []:
        if not isinstance(e, dict) or not e.get("message"):
            continue
        target = inputs.get(e.get("path"), "")
        if target and target in at_input:
            target = ""  # a second error of the same input: in the summary only
        if target:
            at_input[target] = e["message"]
        label = fields.get(e.get("path"), "")
        links.append({"target": target, "label": label, "message": e["message"]})
    return {
        "field_errors": {key.replace("-", "_"): m for key, m in at_input.items()},
        "error_links": links or [{"target": "", "label": "", "message": exc.detail}],
    }


def _instant(text: str, path: str) -> datetime:
    try:
        value = parse_instant(text)
    except (WorktimeError, ValueError) as exc:
        raise ProblemError(
            "validation_error",
            _("Ngày giờ không hợp lệ."),
            extra={
                "errors": [
                    {"path": path, "message": _("Nhập ngày giờ theo dạng dd/mm/yyyy giờ:phút.")}
                ]
            },
        ) from exc
    return value


def _window_instant(day: str, hour: str) -> datetime | None:
    """The pickup window's start or end typed as a day and an hour, or ``None`` when either is missing
    or cannot be read (the service reports it with the form's other problems)."""
    hour = (hour or "").strip()
    if not day or not hour:
        return None
    try:
        return parse_instant(f"{day} {hour}")
    except (WorktimeError, ValueError):
        return None


class Row:
    """One order as the lists show it: the 24-hour clock read once."""

    def __init__(self, order, now):
        self.order = order
        self.state = clock.clock_state(
            due_at=order.due_at,
            now=now,
            finished_at=order.finished_at,
            on_time_class=order.on_time_class,
            status=order.status,
        )
        self.state_label = STATE_LABELS.get(self.state, "")
        # The hours the post has to deliver a result: 24 inside the province, more outside.
        self.hours = clock.allowed_hours(inside_province=order.inside_province)
        self.left = (
            clock.describe_left(due_at=order.due_at, now=now)
            if order.due_at and order.finished_at is None
            else ""
        )


# -- Applicant ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pickup_new(request):
    """The applicant asks the post to collect a dossier: procedure, agency, address, time window."""
    values = {k.replace("-", "_"): v for k, v in request.POST.items()}
    if request.method == "GET":
        values = {
            "ho_ten": request.user.full_name or "",
            "tinh": settings.PROVINCE_NAME,
            "thu_tuc": request.GET.get("thu-tuc", ""),
        }
    named = Procedure.objects.filter(
        code=(values.get("thu_tuc") or "").strip()[:40], status=Procedure.Status.PUBLISHED
    ).first()
    # The agencies that receive the procedure named (the first one chosen), else every active one.
    agencies = list(receiving_agencies(procedure=named)) if named is not None else []
    if not agencies:
        agencies = list(Agency.objects.filter(is_active=True).order_by("sort_name", "code"))
    context = {
        "agencies": agencies,
        "procedure": named,
        "values": values,
        "field_errors": {},
        "error_links": [],
        "fee_inside": settings_fee(True),
        "fee_outside": settings_fee(False),
    }
    if request.method == "POST":
        p = request.POST
        procedure = named
        agency = Agency.objects.filter(is_active=True, pk=_int(p.get("co-quan"))).first()
        try:
            day = p.get("ngay", "").strip()
            start = _window_instant(day, p.get("tu-gio", ""))
            end = _window_instant(day, p.get("den-gio", ""))
            order = services.pickup_request(
                applicant=request.user,
                procedure=procedure,
                agency=agency,
                address=services.Address(
                    p.get("ho-ten", ""),
                    p.get("dien-thoai", ""),
                    p.get("dia-chi", ""),
                    p.get("tinh", ""),
                ),
                window_start=start,
                window_end=end,
                note=p.get("ghi-chu", ""),
                request=request,
            )
        except ProblemError as exc:
            context.update(_refused(exc, PICKUP_INPUTS, PICKUP_FIELDS))
            return render(request, "postal/pickup_new.html", context, status=422)
        messages.success(
            request,
            _("Đã gửi yêu cầu thu gom %(n)s, cước phí %(fee)s. Bưu điện sẽ liên hệ trước khi đến.")
            % {"n": order.order_number, "fee": format_vnd(order.fee_vnd)},
        )
        return redirect("postal:mine")
    return render(request, "postal/pickup_new.html", context)


def settings_fee(inside: bool) -> int:
    return services.pickup_fee(inside_province=inside)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def mine(request):
    now = timezone.now()
    rows = [Row(o, now) for o in selectors.applicant_orders(user=request.user)[:100]]
    return render(request, "postal/mine.html", {"rows": rows})


@login_required
@require_POST
def pickup_cancel(request, order_number: str):
    """The applicant cancels a pickup the post has not collected yet."""
    order = selectors.applicant_orders(user=request.user).filter(order_number=order_number).first()
    if order is None:
        raise Http404
    try:
        services.pickup_cancel(order=order, actor=request.user, request=request)
        messages.success(request, _("Đã hủy yêu cầu thu gom %(n)s.") % {"n": order.order_number})
    except ProblemError as exc:
        for message in _messages(exc):
            messages.error(request, message)
    return redirect("postal:mine")


# -- Postal worker ------------------------------------------------------------------------------------


@backoffice_required(roles=[SR.POSTAL_OPERATOR])
def queue(request):
    """The postal worker's queue: pickups, results to deliver with the 24-hour clock, due soon, overdue."""
    now = timezone.now()
    view = request.GET.get("xem", "return")
    if view not in selectors.VIEWS:
        view = "return"
    counts = selectors.queue_counts(user=request.user, now=now)
    tabs = [(k, VIEW_LABELS[k], counts.get(k)) for k in selectors.VIEWS]
    rows = [
        Row(o, now) for o in selectors.operator_queue(user=request.user, view=view, now=now)[:200]
    ]
    return render(
        request,
        "postal/queue.html",
        {
            "tabs": tabs,
            "view": view,
            "rows": rows,
            "view_label": VIEW_LABELS[view],
            "hours_outside": clock.allowed_hours(inside_province=False),
        },
    )


NEXT_ACTIONS = {
    Leg.PICKUP: {
        Status.REQUESTED: [Status.COLLECTED, Status.FAILED, Status.CANCELLED],
        Status.FAILED: [Status.COLLECTED, Status.CANCELLED],
        Status.COLLECTED: [Status.HANDED_TO_OFFICE],
    },
    Leg.RETURN: {
        Status.READY: [Status.HANDED_TO_POST],
        Status.HANDED_TO_POST: [Status.IN_TRANSIT, Status.DELIVERED, Status.FAILED],
        Status.IN_TRANSIT: [Status.DELIVERED, Status.FAILED],
        Status.FAILED: [Status.IN_TRANSIT, Status.DELIVERED, Status.RETURNED_TO_OFFICE],
    },
}


@backoffice_required(roles=[SR.POSTAL_OPERATOR])
@require_http_methods(["GET", "POST"])
def order_detail(request, order_number: str):
    """One order: its address, window, fee, clock and timeline; the events the worker may record next."""
    order = selectors.order_for_operator(user=request.user, order_number=order_number)
    refused = {"field_errors": {}, "error_links": []}
    answer_status = 200
    if request.method == "POST":
        p = request.POST
        status = p.get("trang-thai", "")
        proof = None
        try:
            at = _instant(p["luc"], "at") if p.get("luc", "").strip() else None
            if order.leg == Leg.PICKUP:
                services.pickup_record(
                    order=order,
                    actor=request.user,
                    status=status,
                    at=at,
                    note=p.get("ghi-chu", ""),
                    request=request,
                )
            else:
                if request.FILES.get("bang-chung"):
                    upload = request.FILES["bang-chung"]
                    proof = services.proof_check(name=upload.name, content=read_limited(upload))
                services.return_record(
                    order=order,
                    actor=request.user,
                    status=status,
                    at=at,
                    note=p.get("ghi-chu", ""),
                    receiver_name=p.get("nguoi-nhan", ""),
                    proof=proof,
                    request=request,
                )
        except ProblemError as exc:
            refused = _refused(exc, ORDER_INPUTS, ORDER_FIELDS)
            answer_status = exc.status if exc.status < 500 else 422
        except UploadError as exc:
            refused = _refused(
                ProblemError(
                    "validation_error",
                    exc.message,
                    extra={"errors": [{"path": "proof", "message": exc.message}]},
                ),
                ORDER_INPUTS,
            )
            answer_status = 422
        else:
            recorded = _("Đã ghi nhận: %(s)s.") % {"s": status_label(order.leg, status)}
            note = proof.renamed_note() if proof is not None else ""
            messages.success(request, f"{recorded} {note}".strip())
            return redirect("postal:order", order_number=order.order_number)
        order.refresh_from_db()
    now = timezone.now()
    actions = [
        (s, status_label(order.leg, s)) for s in NEXT_ACTIONS[order.leg].get(order.status, [])
    ]
    # After an error the form comes back as it was sent: the event chosen and what was typed. Nothing
    # is chosen beforehand: the worker picks the event, none is recorded by default.
    offered = [value for value, _label in actions]
    chosen = request.POST.get("trang-thai", "") if request.method == "POST" else ""
    return render(
        request,
        "postal/order.html",
        {
            "row": Row(order, now),
            "order": order,
            "actions": actions,
            **refused,
            "events": order.events.select_related("actor").all(),
            "values": request.POST,
            "chosen": chosen if chosen in offered else "",
            "typed": {
                "at": request.POST.get("luc", ""),
                "note": request.POST.get("ghi-chu", ""),
                "receiver": request.POST.get("nguoi-nhan", ""),
            },
            "now_local": to_local(now).strftime("%d/%m/%Y %H:%M"),
        },
        status=answer_status,
    )


@backoffice_required(roles=[SR.POSTAL_OPERATOR, SR.RECEIVING_OFFICER])
def proof(request, order_number: str):
    """The proof of delivery (photo or signature), for the postal worker and the office."""
    try:
        order = selectors.order_for_operator(user=request.user, order_number=order_number)
    except Http404:
        order = selectors.office_order(user=request.user, order_number=order_number)
    if not order.proof_file:
        raise Http404
    return stored_file_response(
        request,
        order.proof_file,
        filename=order.proof_file.name.rsplit("/", 1)[-1],
        content_type=order.proof_content_type or None,
        inline=True,
    )


# -- One-stop office ------------------------------------------------------------------------------------


@backoffice_required(roles=[SR.RECEIVING_OFFICER])
def office(request):
    """What the post brought (to receive) and the results of postal dossiers to hand over to the post."""
    return _office_page(request)


def _office_page(request, *, failed=None, typed: str = "", errors=(), status: int = 200):
    """The office's postal page; after a refused intake, the pickup ``failed`` shows the typed
    appointment and the errors at its form."""
    now = timezone.now()
    pickups = []
    for o in selectors.office_pickups(user=request.user)[:100]:
        row = Row(o, now)
        # The appointment the intake prints, as the online receipt proposes it: the statutory one, or
        # a default on the agency's working calendar that the officer may change.
        row.appointment = selectors.pickup_appointment(order=o, at=now)
        row.office_hours = ", ".join(
            f"{a:%H:%M}–{b:%H:%M}" for a, b in calendar_for_agency(o.agency).periods
        )
        mine = failed is not None and o.pk == failed.pk
        row.errors = list(errors) if mine else []
        row.due_value = typed if mine else row.appointment.text
        pickups.append(row)
    if failed is not None and not any(r.errors for r in pickups):
        for m in errors:  # the pickup left the list (received meanwhile): the errors at the top
            messages.error(request, m)
    return render(
        request,
        "postal/office.html",
        {
            "pickups": pickups,
            "ready": list(selectors.office_returns_to_open(user=request.user)[:100]),
        },
        status=status,
    )


@backoffice_required(roles=[SR.RECEIVING_OFFICER])
@require_POST
def office_intake(request, order_number: str):
    order = selectors.office_order(user=request.user, order_number=order_number)
    typed = request.POST.get("hen-tra", "").strip()
    try:
        dossier = services.pickup_intake(
            order=order,
            actor=request.user,
            due_at=typed or None,
            request=request,
        )
    except ProblemError as exc:
        return _office_page(
            request, failed=order, typed=typed, errors=_messages(exc), status=exc.status
        )
    messages.success(
        request, _("Đã tiếp nhận hồ sơ %(code)s (nộp qua bưu chính).") % {"code": dossier.code}
    )
    return redirect("dossiers:office_detail", code=dossier.code)


@backoffice_required(roles=[SR.RECEIVING_OFFICER])
@require_http_methods(["GET", "POST"])
def office_return(request, code: str):
    """Hand a ready result over to the post: the address (the applicant's), and the 24-hour clock starts."""
    from opendvc.dossiers.selectors import dossier_for_staff

    dossier = dossier_for_staff(user=request.user, code=code)
    if request.method == "POST":
        values = {k.replace("-", "_"): v for k, v in request.POST.items()}
    else:
        # Filled in from where the post collected the dossier or from the applicant's profile.
        default = services.return_address_default(dossier)
        values = {
            "ho_ten": default.contact_name,
            "dien_thoai": default.contact_phone,
            "dia_chi": default.address,
            "tinh": default.province,
        }
    refused = {"field_errors": {}, "error_links": []}
    answer_status = 200
    if request.method == "POST":
        p = request.POST
        try:
            order = services.return_open(
                dossier=dossier,
                actor=request.user,
                address=services.Address(
                    p.get("ho-ten", ""),
                    p.get("dien-thoai", ""),
                    p.get("dia-chi", ""),
                    p.get("tinh", ""),
                ),
                request=request,
            )
        except ProblemError as exc:
            refused = _refused(exc, _ADDRESS_INPUTS, RETURN_FIELDS)
            answer_status = exc.status if exc.status < 500 else 422
        else:
            messages.success(
                request,
                _("Đã giao kết quả cho bưu điện, đơn %(n)s; hạn phát %(d)s.")
                % {
                    "n": order.order_number,
                    "d": to_local(order.due_at).strftime("%H:%M %d/%m/%Y") if order.due_at else "—",
                },
            )
            return redirect("postal:office")
    return render(
        request,
        "postal/office_return.html",
        {"dossier": dossier, "values": values, **refused},
        status=answer_status,
    )
