"""Back-office pages of a dossier's processing: the processing page (the steps of the internal process,
the department actions, the apology), its one form post, the process control sheet and the leader's
agency view.

Thin: reads in ``selectors`` (of dossiers and of the step engine), writes through ``dossier_act``; a
``ProblemError`` is shown on the page in Vietnamese and nothing is lost."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.backoffice.decorators import backoffice_required
from opendvc.catalog.fees import amount_on, lapse_text
from opendvc.core.problems import ProblemError, errors_at_inputs, retry_after_header
from opendvc.core.uploads import PDF, sanitise_name
from opendvc.workflow import selectors as steps

from .. import selectors, services
from ..documents import control_sheet_pdf
from ..lifecycle import Action, action_label
from ..payments import filed_on
from ..returns import return_form
from ..uploads import UploadError, check_file, read_limited
from .common import int_param

SR = StaffRole.Role
STAFF_ROLES = [
    SR.RECEIVING_OFFICER,
    SR.PROCESSING_OFFICER,
    SR.LEADER,
    SR.HEAD,
    SR.PROVINCE_OFFICE,
    SR.POSTAL_OPERATOR,
]
LEADER_ROLES = [SR.LEADER, SR.HEAD, SR.PROVINCE_OFFICE]
DONE = {
    "claim": gettext_lazy("Đã nhận xử lý bước này."),
    "forward": gettext_lazy("Đã chuyển bước tiếp theo."),
    "send_back": gettext_lazy("Đã trả lại bước trước."),
    "apology": gettext_lazy("Đã gửi phiếu xin lỗi và hẹn lại ngày trả kết quả."),
}


@backoffice_required(roles=STAFF_ROLES)
def processing(request, code: str):
    return _processing_page(request, code)


# The input of each action's form on the processing page, by the path the action's errors name
# (``services.dossier_act``; ``items.3`` is the list's fourth line, in the same box). The fee lines'
# inputs are found by ``_fee_input``.
ACTION_INPUTS = {
    "forward": {"note": "note-forward"},
    "send_back": {"reason": "reason-back"},
    Action.REQUEST_SUPPLEMENT: {"items": "items", "note": "note-supplement"},
    Action.PAY: {"receipt_number": "receipt_number"},
    Action.APPROVE: {"result": "result", "result_files": "result_files"},
    Action.STOP: {"reason": "reason-stop"},
    Action.RETURN_RESULT: {
        "method": "method",
        "recipient": "recipient",
        "identity_document": "identity_document",
    },
    Action.APOLOGY: {"reason": "reason-apology", "new_due_at": "new_due_at"},
}


def _fee_input(path: str, post, fee_items) -> str | None:
    """The input of the fee form a ``fees…`` path names: the lines are those ``_fees_from`` sent, in
    its order (each item with a quantity, then the other fee); ``fees`` alone is the form's first."""
    lines = [
        (f"so-luong-{item.pk}", f"muc-thu-{item.pk}")
        for item in fee_items
        if (post.get(f"so-luong-{item.pk}") or "").strip() not in ("", "0")
    ]
    if (post.get("khoan-khac") or "").strip():
        lines.append(("khoan-khac", "so-tien-khac"))
    parts = path.split(".")
    if parts[0] != "fees":
        return None
    if len(parts) == 1:
        return f"so-luong-{fee_items[0].pk}" if fee_items else "khoan-khac"
    index = int(parts[1]) if parts[1].isdigit() else -1
    if not 0 <= index < len(lines):
        return None
    count, amount = lines[index]  # the other fee's name and quantity: its name's input
    return amount if parts[2:3] == ["amount_vnd"] else count


def _processing_page(request, code: str, *, errors=None, status=200, field_errors=None):
    """The processing page of a dossier (also shown again with the errors of a refused action).
    ``errors``: the summary's entries (``{"target", "message"}``, linked to the input ``target``
    when it has one); ``field_errors``: the message at each input, by id."""
    field_errors = field_errors or {}
    d = selectors.dossier_for_staff(user=request.user, code=code)
    now = timezone.now()
    runs = steps.step_runs(d)
    current = next((r for r in runs if r.left_at is None), None)
    fee_items = list(d.procedure.fee_items.all())
    # The amounts that apply to this dossier: those in force on its filing day.
    filed = filed_on(d)
    for item in fee_items:
        item.price = amount_on(item, filed)
        item.lapse = lapse_text(item, filed)
    fee_other = {}
    if errors and request.POST.get("action") == Action.REQUIRE_PAYMENT:
        # A refused fee request shows again what the officer typed, line by line.
        for item in fee_items:
            item.typed_quantity = request.POST.get(f"so-luong-{item.pk}", "")
            item.typed_amount = request.POST.get(f"muc-thu-{item.pk}", "")
            item.quantity_error = field_errors.get(f"so-luong-{item.pk}", "")
            item.amount_error = field_errors.get(f"muc-thu-{item.pk}", "")
        fee_other = {
            "name": request.POST.get("khoan-khac", ""),
            "amount": request.POST.get("so-tien-khac", ""),
        }
    return_methods, return_default, return_by_post = return_form(dossier=d, actor=request.user)
    if errors and request.POST.get("method") in {m.key for m in return_methods}:
        return_default = request.POST["method"]
    # One new appointment per dossier (Decree 107/2021/NĐ-CP): after it, the card says so.
    may_apologise = _may_apologise(d, request.user)
    return render(
        request,
        "dossiers/processing.html",
        {
            "dossier": d,
            "runs": [(r, steps.step_state(r, now=now)) for r in runs],
            "current": current,
            # Only a hand-over that can succeed (the same list as ``allowed_actions`` of the API).
            "step_actions": selectors.step_actions_for(dossier=d, user=request.user, run=current),
            "actions": [t.action for t in selectors.actions_for(dossier=d, user=request.user)],
            "can_apologise": may_apologise and d.appointment_at is None,
            "apologised_once": may_apologise and d.appointment_at is not None,
            "labels": steps.STATE_LABELS,
            "on_time": selectors.on_time_state(d),
            "on_time_labels": selectors.ON_TIME_LABELS,
            "fee_items": fee_items,
            "fee_other": fee_other,
            # Only the methods the user may record (a postal delivery is recorded by the post, after the
            # office's hand-over, which the form links to when the result goes back by post).
            "return_methods": [(m.key, m.label) for m in return_methods],
            "return_default": return_default,
            "return_by_post": return_by_post,
            "documents": list(d.documents.all()),
            "error_links": errors or [],
            # A missing key reads as no error ("items" would otherwise be the dict's method).
            "field_errors": defaultdict(
                str, {key.replace("-", "_"): message for key, message in field_errors.items()}
            ),
            "post": request.POST if errors else {},
        },
        status=status,
    )


def _may_apologise(d, user) -> bool:
    spec = next(s for s in services.ACTIONS if s.action == Action.APOLOGY)
    return bool(
        d.due_at
        and spec.opens_from(d.status)
        and services.actor_roles(dossier=d, actor=user) & spec.roles
    )


def _fees_from(post, fee_items) -> list[dict]:
    fees = []
    for item in fee_items:
        qty = (post.get(f"so-luong-{item.pk}") or "").strip()
        if qty and qty != "0":
            fee = {"fee_item": item.pk, "quantity": qty}
            amount = (post.get(f"muc-thu-{item.pk}") or "").strip()
            if amount:
                fee["amount_vnd"] = amount.replace(".", "").replace(",", "")
            fees.append(fee)
    other = (post.get("khoan-khac") or "").strip()
    if other:
        fees.append(
            {
                "name": other,
                "amount_vnd": (post.get("so-tien-khac") or "").replace(".", "").replace(",", ""),
                "quantity": post.get("so-luong-khac") or 1,
            }
        )
    return fees


@backoffice_required(roles=STAFF_ROLES)
@require_POST
def processing_act(request, code: str):
    """One form post: an action of the dossier's action table (a step hand-over — claim, forward, send
    back —, a department action or the apology), translated from the form and run by ``dossier_act``."""
    d = selectors.dossier_for_staff(user=request.user, code=code)
    action = request.POST.get("action", "")
    try:
        inputs = _inputs(request, d, action)
        services.dossier_act_with_files(
            dossier=d,
            action=action,
            actor=request.user,
            request=request,
            files=_result_files(request) if action == Action.APPROVE else [],
            files_input="result_files",
            expected_version=int_param(request.POST.get("version")),
            **inputs,
        )
    except ProblemError as exc:
        if action == Action.REQUIRE_PAYMENT:
            fee_items = list(d.procedure.fee_items.all())
            fields, links = errors_at_inputs(
                exc, lambda path: _fee_input(path, request.POST, fee_items)
            )
        else:
            inputs = ACTION_INPUTS.get(action, {})
            fields, links = errors_at_inputs(exc, lambda path: inputs.get(path.split(".")[0]))
        page = _processing_page(request, code, errors=links, field_errors=fields, status=exc.status)
        return retry_after_header(page, exc)
    messages.success(
        request, DONE.get(action) or _("Đã thực hiện: %(a)s.") % {"a": action_label(action)}
    )
    return redirect("dossiers:processing", code=code)


def _inputs(request, d, action) -> dict:
    post = request.POST
    if action == Action.REQUEST_SUPPLEMENT:
        return {
            "items": post.get("items", ""),
            **({"note": post["note"]} if post.get("note", "").strip() else {}),
        }
    if action == Action.REQUIRE_PAYMENT:
        return {"fees": _fees_from(post, list(d.procedure.fee_items.all()))}
    if action == Action.PAY:
        return {"receipt_number": post.get("receipt_number", "")}
    if action == Action.STOP:
        return {"reason": post.get("reason", "")}
    if action == Action.APPROVE:
        return {"result": post.get("result", "")}
    if action == Action.RETURN_RESULT:
        return {
            k: post.get(k, "")
            for k in ("method", "recipient", "identity_document")
            if post.get(k, "").strip()
        }
    if action == Action.START_PROCESSING:
        return {}
    # A hand-over names the step the page showed (a second press of the button is refused).
    step = {"step": post["buoc"]} if post.get("buoc", "").strip() else {}
    if action == "claim":
        return step
    if action == "forward":
        return {"note": post.get("note", ""), **step}
    if action == "send_back":
        return {"reason": post.get("reason", ""), **step}
    if action == Action.APOLOGY:
        return {"reason": post.get("reason", ""), "new_due_at": post.get("new_due_at") or None}
    raise ProblemError(
        "validation_error",
        _("Thao tác không hợp lệ trên trang này."),
        extra={"errors": [{"path": "action", "message": _("Chọn một thao tác.")}]},
    )


def _result_files(request) -> list:
    """The approving leader's result files, each checked by its content: the field takes signed PDFs
    only (the approve action claims them as the result), so a file of any other content — even of a
    kind other fields take (JPEG, DOCX…) — is refused naming what this field takes, once."""
    out = []
    for f in request.FILES.getlist("result_files"):
        try:
            checked = check_file(name=f.name, content=read_limited(f))
        except UploadError as exc:
            if exc.code not in ("unsupported_type", "executable"):
                raise _result_file_problem(exc.message) from exc
            raise _result_file_problem(_not_pdf(exc.name or sanitise_name(f.name))) from exc
        if checked.content_type != PDF:
            raise _result_file_problem(_not_pdf(checked.sent_name or checked.name))
        out.append(checked)
    return out


def _not_pdf(name: str) -> str:
    return _(
        "Tệp “%(name)s” không phải PDF: ô “Tệp kết quả đã ký” chỉ nhận tệp PDF (loại tệp được xác "
        "định theo nội dung, không theo tên)."
    ) % {"name": name}


def _result_file_problem(message: str) -> ProblemError:
    # The message names the file already: shown once (``ProblemError.messages``).
    return ProblemError(
        "validation_error",
        message,
        extra={"errors": [{"path": "result_files", "message": message}]},
    )


@backoffice_required(roles=STAFF_ROLES)
def control_sheet(request, code: str):
    """The process control sheet as a PDF (made on request from the recorded steps)."""
    d = selectors.dossier_for_staff(user=request.user, code=code)
    response = HttpResponse(control_sheet_pdf(dossier=d), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-kiem-soat-{d.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@backoffice_required(roles=LEADER_ROLES)
def overview(request):
    """The leader's agency view: dossiers per state and open steps per step, each a link to its list."""
    ids = visible_agency_ids(request.user, roles=set(LEADER_ROLES))
    agencies = (
        Agency.objects.filter(is_active=True) if ids is None else Agency.objects.filter(pk__in=ids)
    )
    agencies = list(agencies.order_by("sort_name", "code"))
    if not agencies:
        raise Http404
    chosen = int_param(request.GET.get("co-quan"))
    agency = next((a for a in agencies if a.pk == chosen), agencies[0])
    data = selectors.agency_overview(agency=agency)
    inbox = reverse("dossiers:inbox")
    queue = reverse("workflow:queue")
    state_rows = [
        (label, n, f"{inbox}?trang-thai={s}&co-quan={agency.pk}") for s, label, n in data.states
    ]
    step_rows = [
        (f"{p + 1}. {name}", n, late, f"{queue}?co-quan={agency.pk}&buoc={p}")
        for p, name, n, late in data.steps
    ]
    return render(
        request,
        "dossiers/overview.html",
        {
            "agency": agency,
            "agencies": agencies,
            "data": data,
            "state_rows": state_rows,
            "step_rows": step_rows,
            "inbox": inbox,
            "chart": steps.bar_chart_svg(
                bars=[(label, n) for label, n, _ in state_rows],
                title=_("Số hồ sơ theo trạng thái — %(a)s")
                % {"a": agency.short_name or agency.name},
            ),
        },
    )
