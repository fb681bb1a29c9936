"""Back-office pages of processing: the officer's work queue, a dossier's processing page (steps, the
department actions, the control sheet), the leader's agency view, the process editor.

Thin: reads in ``selectors``, writes through ``workflow.services`` and ``dossiers.services``; a
``ProblemError`` is shown on the page in Vietnamese and nothing is lost."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from opendvc.agencies.models import StaffRole
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.problems import ProblemError

from . import selectors, services
from .models import ClockOnWait, StepRole

SR = StaffRole.Role
# Postal workers see only postal work (their queue: ``opendvc.postal``), not the dossiers' processing.
STAFF_ROLES = [SR.RECEIVING_OFFICER, SR.PROCESSING_OFFICER, SR.LEADER, SR.HEAD, SR.PROVINCE_OFFICE]
LEADER_ROLES = [SR.LEADER, SR.HEAD, SR.PROVINCE_OFFICE]
STATE_LABELS = {"early": gettext_lazy("Trước hạn"), "on_time": gettext_lazy("Trong hạn"), "late": gettext_lazy("Trễ hạn"), "overdue": gettext_lazy("Quá hạn"),
                "due_soon": gettext_lazy("Sắp đến hạn"), "paused": gettext_lazy("Tạm dừng (chờ người nộp)")}
VIEW_LABELS = {"mine": gettext_lazy("Việc của tôi"), "queue": gettext_lazy("Chờ nhận trong phòng"), "due_soon": gettext_lazy("Sắp đến hạn"),
               "overdue": gettext_lazy("Quá hạn")}


def _messages(exc: ProblemError) -> list[str]:
    return [exc.detail] + [e.get("message", "") for e in (exc.extra.get("errors") or []) if e.get("message")]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@backoffice_required(roles=STAFF_ROLES)
def work_queue(request):
    view = request.GET.get("xem", "mine")
    if view not in selectors.VIEWS:
        view = "mine"
    department = _int(request.GET.get("co-quan"))
    position = _int(request.GET.get("buoc"))
    now = timezone.now()
    runs = list(selectors.work_queue(user=request.user, view=view, now=now, department_id=department,
                                     position=position)[:200])
    return render(request, "workflow/queue.html", {
        "view": view, "views": [(k, VIEW_LABELS[k], n) for k, n in selectors.queue_counts(user=request.user,
                                                                                          now=now).items()],
        "rows": [(r, selectors.step_state(r, now=now)) for r in runs], "labels": STATE_LABELS,
        "filtered": department is not None,
    })


def _dossier(request, code):
    from opendvc.dossiers.selectors import dossier_for_staff

    return dossier_for_staff(user=request.user, code=code)


@backoffice_required(roles=STAFF_ROLES)
def dossier(request, code: str):
    return _dossier_page(request, code)


def _dossier_page(request, code: str, *, errors=None, status=200):
    """The processing page of a dossier (also shown again with the errors of a refused action)."""
    from opendvc.dossiers.returns import methods_offered, return_method_default
    from opendvc.dossiers.selectors import ON_TIME_LABELS, actions_for, on_time_state

    d = _dossier(request, code)
    now = timezone.now()
    runs = selectors.step_runs(d)
    current = next((r for r in runs if r.left_at is None), None)
    fee_items = list(d.procedure.fee_items.all())
    return render(request, "workflow/dossier.html", {
        "dossier": d, "runs": [(r, selectors.step_state(r, now=now)) for r in runs], "current": current,
        "can_work": current is not None and services.can_work_on(user=request.user, run=current),
        "actions": [t.action for t in actions_for(dossier=d, user=request.user)],
        "can_apologise": _can_apologise(d, request.user),
        "labels": STATE_LABELS, "on_time": on_time_state(d), "on_time_labels": ON_TIME_LABELS,
        "fee_items": fee_items,
        "return_methods": [(m.key, m.label) for m in methods_offered(procedure=d.procedure)],
        "return_default": (request.POST.get("method") if errors else "") or return_method_default(dossier=d),
        "documents": list(d.documents.all()), "errors": errors or [], "post": request.POST if errors else {},
    }, status=status)


def _can_apologise(d, user) -> bool:
    from opendvc.dossiers.lifecycle import Action
    from opendvc.dossiers.services import ACTIONS, actor_roles

    spec = next(s for s in ACTIONS if s.action == Action.APOLOGY)
    return bool(d.due_at and spec.opens_from(d.status) and actor_roles(dossier=d, actor=user) & spec.roles)


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
        fees.append({"name": other, "amount_vnd": (post.get("so-tien-khac") or "").replace(".", "").replace(",", ""),
                     "quantity": post.get("so-luong-khac") or 1})
    return fees


@backoffice_required(roles=STAFF_ROLES)
@require_POST
def act(request, code: str):
    """One form post: an action of the dossier's action table (a step hand-over — claim, forward, send
    back —, a department action or the apology), translated from the form and run by ``dossier_act``."""
    from opendvc.dossiers.lifecycle import action_label
    from opendvc.dossiers.services import dossier_act

    d = _dossier(request, code)
    action = request.POST.get("action", "")
    try:
        inputs = _inputs(request, d, action)
        dossier_act(dossier=d, action=action, actor=request.user, request=request,
                    expected_version=_int(request.POST.get("version")), **inputs)
    except ProblemError as exc:
        return _dossier_page(request, code, errors=_messages(exc), status=exc.status)
    messages.success(request, DONE.get(action) or _("Đã thực hiện: %(a)s.") % {"a": action_label(action)})
    return redirect("workflow:dossier", code=code)


DONE = {
    "claim": gettext_lazy("Đã nhận xử lý bước này."),
    "forward": gettext_lazy("Đã chuyển bước tiếp theo."),
    "send_back": gettext_lazy("Đã trả lại bước trước."),
    "apology": gettext_lazy("Đã gửi phiếu xin lỗi và hẹn lại ngày trả kết quả."),
}


def _inputs(request, d, action) -> dict:
    from opendvc.dossiers.lifecycle import Action

    post = request.POST
    if action == Action.REQUEST_SUPPLEMENT:
        return {"items": post.get("items", ""), **({"note": post["note"]} if post.get("note", "").strip() else {})}
    if action == Action.REQUIRE_PAYMENT:
        return {"fees": _fees_from(post, list(d.procedure.fee_items.all()))}
    if action == Action.PAY:
        return {"receipt_number": post.get("receipt_number", "")}
    if action == Action.STOP:
        return {"reason": post.get("reason", "")}
    if action == Action.APPROVE:
        inputs = {"result": post.get("result", "")}
        files = request.FILES.getlist("result_files")
        if files:
            inputs["result_files"] = _store_result_files(request, files)
        return inputs
    if action == Action.RETURN_RESULT:
        return {k: post.get(k, "") for k in ("method", "recipient", "identity_document") if post.get(k, "").strip()}
    if action in (Action.START_PROCESSING, "claim"):
        return {}
    if action == "forward":
        return {"note": post.get("note", "")}
    if action == "send_back":
        return {"reason": post.get("reason", "")}
    if action == Action.APOLOGY:
        return {"reason": post.get("reason", ""), "new_due_at": post.get("new_due_at") or None}
    raise ProblemError("validation_error", _("Thao tác không hợp lệ trên trang này."),
                       extra={"errors": [{"path": "action", "message": _("Chọn một thao tác.")}]})


def _store_result_files(request, files) -> list[str]:
    """Check each uploaded result file by its content and keep it as an upload of the approving leader;
    the approve action claims them (and refuses anything that is not a PDF)."""
    from opendvc.dossiers.services import upload_create
    from opendvc.dossiers.uploads import UploadError, check_file, read_limited

    ids = []
    for f in files:
        try:
            checked = check_file(name=f.name, content=read_limited(f))
        except UploadError as exc:
            raise ProblemError("validation_error", exc.message,
                               extra={"errors": [{"path": "result_files", "message": f"{f.name}: {exc.message}"}]}) from exc
        ids.append(str(upload_create(owner=request.user, checked=checked, request=request).public_id))
    return ids


@backoffice_required(roles=STAFF_ROLES)
def control_sheet(request, code: str):
    """The process control sheet as a PDF (made on request from the recorded steps)."""
    from .documents import control_sheet_pdf

    d = _dossier(request, code)
    response = HttpResponse(control_sheet_pdf(dossier=d), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-kiem-soat-{d.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@backoffice_required(roles=LEADER_ROLES)
def overview(request):
    from opendvc.agencies.models import Agency
    from opendvc.agencies.selectors import visible_agency_ids

    ids = visible_agency_ids(request.user, roles=set(LEADER_ROLES))
    agencies = Agency.objects.filter(is_active=True) if ids is None else Agency.objects.filter(pk__in=ids)
    agencies = list(agencies.order_by("name"))
    if not agencies:
        raise Http404
    chosen = _int(request.GET.get("co-quan"))
    agency = next((a for a in agencies if a.pk == chosen), agencies[0])
    data = selectors.agency_overview(agency=agency)
    inbox = reverse("dossiers:inbox")
    queue = reverse("workflow:queue")
    state_rows = [(label, n, f"{inbox}?trang-thai={s}&co-quan={agency.pk}") for s, label, n in data.states]
    step_rows = [(f"{p + 1}. {name}", n, late, f"{queue}?co-quan={agency.pk}&buoc={p}")
                 for p, name, n, late in data.steps]
    return render(request, "workflow/overview.html", {
        "agency": agency, "agencies": agencies, "data": data, "state_rows": state_rows, "step_rows": step_rows,
        "inbox": inbox,
        "chart": selectors.bar_chart_svg(bars=[(label, n) for label, n, _ in state_rows],
                                         title=_("Số hồ sơ theo trạng thái — %(a)s") % {"a": agency.short_name or agency.name}),
    })


@backoffice_required(roles=[SR.LEADER, SR.HEAD, SR.ADMINISTRATOR])
def process_edit(request, code: str):
    from opendvc.agencies.selectors import visible_agency_ids
    from opendvc.catalog.models import Procedure

    procedure = get_object_or_404(Procedure, code=code)
    ids = visible_agency_ids(request.user, roles={SR.LEADER, SR.HEAD, SR.ADMINISTRATOR})
    from opendvc.agencies.models import Agency

    agencies = list((Agency.objects.all() if ids is None else Agency.objects.filter(pk__in=ids)).order_by("name"))
    agency = next((a for a in agencies if a.pk == _int(request.POST.get("agency") or request.GET.get("co-quan"))), None)
    errors: list[str] = []
    steps: list[dict] = []
    clock = ClockOnWait.PAUSE
    if request.method == "POST":
        clock = request.POST.get("clock_on_wait", "")
        for i in range(int(request.POST.get("rows", "0") or 0)):
            row = {k: request.POST.get(f"{k}-{i}", "").strip() for k in ("name", "role", "hours", "share")}
            if any(row.values()):
                row["department_id"] = _int(request.POST.get(f"department-{i}"))
                steps.append(row)
        try:
            services.process_save(procedure=procedure, agency=agency, steps=steps, clock_on_wait=clock,
                                  actor=request.user, request=request)
        except ProblemError as exc:
            errors = _messages(exc)
        else:
            messages.success(request, _("Đã lưu phiên bản mới của quy trình."))
            return redirect(reverse("workflow:process_edit", args=[procedure.code]) +
                            (f"?co-quan={agency.pk}" if agency else ""))
    else:
        spec = services.process_for(procedure=procedure, agency=agency)
        clock = spec.clock_on_wait
        steps = [{"name": s.name, "role": s.role, "hours": s.hours or "", "share": s.share or "",
                  "department_id": s.department_id} for s in spec.steps]
    rows = steps + [{"name": "", "role": "", "hours": "", "share": ""}] * 2
    from .models import Process

    return render(request, "workflow/process_edit.html", {
        "procedure": procedure, "agency": agency, "agencies": agencies, "rows": rows, "errors": errors,
        "roles": StepRole.choices, "clocks": ClockOnWait.choices, "clock": clock,
        "total": services.statutory_hours(procedure=procedure),
        "versions": Process.objects.filter(procedure=procedure, agency=agency).order_by("-version")[:10],
    }, status=422 if errors else 200)
