"""Pages of the one-stop office: the inbox, a dossier's page and its intake actions, counter and postal
intake, files and documents."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import visible_agencies, visible_agency_ids
from opendvc.backoffice.decorators import backoffice_required
from opendvc.catalog.models import Procedure
from opendvc.core.files import pending_file_response
from opendvc.core.page_tokens import page_token_for
from opendvc.core.params import day_param
from opendvc.core.problems import ProblemError, errors_at_inputs
from opendvc.core.quoting import vi_attribute
from opendvc.workflow.selectors import due_soon_threshold
from opendvc.worktime import calendar_for_agency, parse_instant

from .. import eforms_bridge, personal_data, selectors, services
from ..appointments import appointment_default, appointment_propose
from ..documents import document_ready
from ..lifecycle import Action, Role, State, action_label
from ..models import Channel, DossierDocument, DossierFile
from ..uploads import UploadError
from . import return_choice
from .common import (
    INLINE_TYPES,
    int_param,
    procedure_components,
    read_files,
    serve_stored,
)

SR = StaffRole.Role
OFFICE_ROLES = [SR.RECEIVING_OFFICER, SR.PROCESSING_OFFICER, SR.LEADER, SR.HEAD, SR.PROVINCE_OFFICE]


# The inbox's date fields: the label each is refused under (``core.params.day_param``).
INBOX_DAYS = {"tu-ngay": _lazy("Nộp từ ngày"), "den-ngay": _lazy("Đến ngày")}


def inbox_filters(g, errors: dict[str, str] | None = None) -> selectors.InboxFilters:
    """The inbox filters from the query string (an unknown choice reads as no filter). A day that cannot
    be read or lies outside the days the pages count is no filter either, with a message in ``errors``
    under its field (never a date computed past year 9999); so is an end day before the start day."""
    errors = {} if errors is None else errors
    days = {}
    for key, label in INBOX_DAYS.items():
        found: list[str] = []
        days[key] = day_param(g.get(key), None, found, str(label))
        if found:
            errors[key] = found[0]
    if days["tu-ngay"] and days["den-ngay"] and days["den-ngay"] < days["tu-ngay"]:
        errors["den-ngay"] = _("Đến ngày phải bằng hoặc sau Nộp từ ngày.")
        days["den-ngay"] = None
    return selectors.InboxFilters(
        state=g.get("trang-thai", "") if g.get("trang-thai", "") in State.values else "",
        procedure=g.get("thu-tuc", "")[:40],
        channel=g.get("kenh", "") if g.get("kenh", "") in Channel.values else "",
        date_from=days["tu-ngay"],
        date_to=days["den-ngay"],
        due=g.get("han", "") if g.get("han") in ("sap-den-han", "qua-han") else "",
        sort=g.get("sap-xep", ""),
        agency=int_param(g.get("co-quan")),
    )


# One row of the inbox table. The rows are the page's bulk: written here once per page rather than by
# template tags once per row (the markup the template had; ``data-label`` heads the cell on a phone).
INBOX_ROW = (
    '<tr>\n<td data-label="{h_code}"><a href="{url}">{code}</a></td><td data-label="{h_procedure}"{vi}>{procedure}</td>\n'
    '<td data-label="{h_channel}">{channel}</td><td data-label="{h_submitted}">{submitted}</td>'
    '<td data-label="{h_status}"><span class="badge{status_badge}">{status}</span></td>\n'
    '<td data-label="{h_due}">{due}</td>\n</tr>'
)
INBOX_HEADS = {
    "h_code": _lazy("Mã hồ sơ"),
    "h_procedure": _lazy("Thủ tục"),
    "h_channel": _lazy("Hình thức"),
    "h_submitted": _lazy("Nộp lúc"),
    "h_status": _lazy("Trạng thái"),
    "h_due": _lazy("Hẹn trả"),
}


def inbox_rows(dossiers) -> SafeString:
    """The inbox table's rows: state and channel labels, instants (``H:i d/m/Y`` in the portal's time
    zone), the on-time badge and the link of each dossier, every value escaped."""
    now = timezone.now()
    tz = timezone.get_current_timezone()
    due_soon_at = None
    # Labels are lazy: made text once here (``escape`` would keep them lazy, translated on every row).
    heads = {key: escape(str(label)) for key, label in INBOX_HEADS.items()}
    vi_attr = vi_attribute()
    states = {value: escape(str(label)) for value, label in State.choices}
    channels = {value: escape(str(label)) for value, label in Channel.choices}
    on_time_labels = {key: escape(str(label)) for key, label in selectors.ON_TIME_LABELS.items()}
    link = reverse("dossiers:office_detail", args=["-"]).rsplit("-", 1)
    out = []
    for d in dossiers:
        due = ""
        if d.due_at is not None:
            if due_soon_at is None and d.finished_at is None and now <= d.due_at:
                due_soon_at = due_soon_threshold(now)
            on_time = selectors.on_time_state(d, now=now, due_soon_at=due_soon_at)
            due = d.due_at.astimezone(tz).strftime("%H:%M %d/%m/%Y")
            if on_time in on_time_labels:
                due += f' <span class="badge{selectors.ON_TIME_BADGES.get(on_time, "")}">{on_time_labels[on_time]}</span>'
        name = d.procedure.name
        out.append(
            INBOX_ROW.format(
                **heads,
                vi=vi_attr,
                url=escape(quote(d.code, safe="").join(link)),
                code=escape(d.code),
                procedure=escape(name if len(name) <= 80 else Truncator(name).chars(80)),
                channel=channels.get(d.channel) or escape(d.channel),
                submitted=d.submitted_at.astimezone(tz).strftime("%H:%M %d/%m/%Y"),
                status=states.get(d.status) or escape(d.status),
                status_badge=selectors.STATUS_BADGES.get(d.status, ""),
                due=due,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@backoffice_required(roles=OFFICE_ROLES)
def inbox(request):
    g = request.GET
    errors: dict[str, str] = {}
    filters = inbox_filters(g, errors)
    page = selectors.inbox_page(
        user=request.user, filters=filters, page=int_param(g.get("trang"), 1)
    )
    params = g.copy()
    params.pop("trang", None)
    hidden = (State.DRAFT, State.DELETED)
    # A refused day stays in its field as typed, to be corrected (the other filters apply meanwhile).
    typed = {
        key.replace("-", "_"): (g.get(key) or "")[:40]
        for key, value in (("tu-ngay", filters.date_from), ("den-ngay", filters.date_to))
        if value is None
    }
    field_errors = {key.replace("-", "_"): message for key, message in errors.items()}
    return render(
        request,
        "dossiers/office_inbox.html",
        {
            "page": page,
            "filters": filters,
            "rows": inbox_rows(page.items) if page.items else "",
            "query": params.urlencode(),
            "states": [(v, str(label)) for v, label in State.choices if v not in hidden],
            "channels": [(v, str(label)) for v, label in Channel.choices],
            "agencies": visible_agencies(request.user),
            "errors": errors,
            "field_errors": field_errors,
            "typed": typed,
        },
        status=422 if errors else 200,
    )


def _receive_card(dossier, actions, request) -> dict:
    """The receive card's appointment: the statutory one (shown) or the proposal the officer may change
    (the typed value again after an error)."""
    if Action.RECEIVE not in [a.action for a in actions]:
        return {}
    proposal = appointment_propose(dossier=dossier, at=timezone.now())
    typed = (request.POST.get("due_at") or "").strip() if request.method == "POST" else ""
    return {
        "appointment": proposal,
        "due_at_value": typed or proposal.text,
        "office_hours": ", ".join(
            f"{a:%H:%M}–{b:%H:%M}" for a, b in _calendar_periods(dossier.receiving_agency)
        ),
    }


def _calendar_periods(agency):
    return calendar_for_agency(agency).periods


@backoffice_required(roles=OFFICE_ROLES)
def office_detail(request, code: str):
    return _office_page(request, code)


# The input of each action's form on the dossier's page, by the path the action's errors name
# (``services.dossier_act``; ``items.3`` is the list's fourth line, in the same box).
ACTION_INPUTS = {
    Action.RECEIVE: {"due_at": "due_at", "note": "note-receive"},
    Action.RETURN_FOR_COMPLETION: {"items": "items", "note": "note-return"},
    Action.REFUSE: {"reason": "reason"},
}


def _action_errors(action: str, exc: ProblemError) -> tuple[dict[str, str], list[dict]]:
    """A refused action's errors at the inputs of its form (``core.problems.errors_at_inputs``)."""
    inputs = ACTION_INPUTS.get(action, {})
    return errors_at_inputs(exc, lambda path: inputs.get(path.split(".")[0]))


def _office_page(request, code: str, *, errors=None, status=200, form_data=None, field_errors=None):
    """The office's page of a dossier (also shown again with the errors of a refused action, or with
    the identifiers revealed). ``errors``: the summary's entries (``{"target", "message"}``, linked
    to the input ``target`` when it has one); ``field_errors``: the message at each input, by id."""
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    actions = selectors.actions_for(dossier=dossier, user=request.user)
    revealed = form_data is not None
    if not revealed:  # masked identifiers; every staff read is logged
        personal_data.dossier_access_record(dossier=dossier, user=request.user, request=request)
        form_data = personal_data.form_data_for_staff(dossier=dossier, user=request.user)
    return render(
        request,
        "dossiers/office_detail.html",
        {
            **_receive_card(dossier, actions, request),
            "dossier": dossier,
            "events": selectors.dossier_events(dossier),
            "documents": selectors.dossier_documents(dossier),
            "files": selectors.dossier_files(dossier),
            "form_sections": eforms_bridge.display(dossier=dossier, data=form_data),
            "identifiers_revealed": revealed,
            "actions": [a.action for a in actions],
            "on_time": selectors.on_time_state(dossier),
            "labels": selectors.ON_TIME_LABELS,
            "error_links": errors or [],
            # A missing key reads as no error ("items" would otherwise be the dict's method).
            "field_errors": defaultdict(
                str,
                {key.replace("-", "_"): message for key, message in (field_errors or {}).items()},
            ),
            # What the officer typed in the refused action's form, shown again in that form.
            "post": request.POST if errors and request.method == "POST" else {},
            "inline_types": INLINE_TYPES,
            # How the applicant wants the result (Regulation Art. 6.4), the phone masked as the page's
            # other identifiers.
            "return_summary": return_choice.summary(dossier, staff=True),
        },
        status=status,
    )


@backoffice_required(roles=OFFICE_ROLES)
@require_POST
def office_reveal(request, code: str):
    """Show the dossier's identifiers unmasked, for a reason given by the officer (logged, audited)."""
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    reason = (request.POST.get("ly_do") or "").strip()
    if not reason:
        message = _("Vui lòng nêu lý do cần xem số định danh đầy đủ.")
        return _office_page(
            request,
            code,
            errors=[{"target": "reveal-reason", "message": message}],
            field_errors={"reveal-reason": message},
            status=422,
        )
    data = personal_data.form_data_for_staff(
        dossier=dossier, user=request.user, reveal=True, reason=reason, request=request
    )
    return _office_page(request, code, form_data=data)


@backoffice_required(roles=OFFICE_ROLES)
@require_POST
def office_action(request, code: str):
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    action = request.POST.get("action", "")
    inputs = {}
    if action == Action.RETURN_FOR_COMPLETION:
        inputs = {"items": request.POST.get("items", ""), "note": request.POST.get("note", "")}
    elif action == Action.REFUSE:
        inputs = {"reason": request.POST.get("reason", "")}
    elif action == Action.RECEIVE:
        inputs = {"note": request.POST.get("note", ""), "due_at": request.POST.get("due_at", "")}
    inputs = {k: v for k, v in inputs.items() if v.strip() or k in ("items", "reason")}
    try:
        services.dossier_act(
            dossier=dossier,
            action=action,
            actor=request.user,
            request=request,
            expected_version=int_param(request.POST.get("version")),
            **inputs,
        )
    except ProblemError as exc:
        fields, links = _action_errors(action, exc)
        return _office_page(request, code, errors=links, field_errors=fields, status=exc.status)
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": action_label(action)})
    return redirect("dossiers:office_detail", code=code)


@backoffice_required(roles=OFFICE_ROLES)
def office_file(request, code: str, file_id: int):
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    f = get_object_or_404(DossierFile, pk=file_id, dossier=dossier)
    return serve_stored(
        request,
        f.file,
        inline=f.content_type in INLINE_TYPES,
        filename=f.original_name,
        content_type=f.content_type,
    )


@backoffice_required(roles=OFFICE_ROLES)
def office_document(request, code: str, doc_id: int):
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    d = get_object_or_404(DossierDocument, pk=doc_id, dossier=dossier)
    if not document_ready(d):
        return pending_file_response(request)
    return serve_stored(
        request, d.file, inline=True, filename=d.filename, content_type="application/pdf"
    )


def _intake_appointment(agency) -> dict:
    """The appointment proposed on the intake page (used when the procedure states no time)."""
    if agency is None:
        return {}
    return {
        "proposal": f"{appointment_default(agency=agency, at=timezone.now()):%d/%m/%Y %H:%M}",
        "office_hours": ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in _calendar_periods(agency)),
    }


# The intake form's input of each path the intake's services name (``intake_register``).
INTAKE_INPUTS = {
    "procedure": "thu-tuc",
    "agency": "co-quan",
    "channel": "kenh",
    "cccd": "cccd",
    "tax_code": "mst",
    "full_name": "ho-ten",
    "phone": "dien-thoai",
    "organisation_name": "ten-to-chuc",
    "due_at": "hen-tra",
    "files": "tp-khac",
}


def _intake_refused(request, context, *, fields: dict[str, str], others=(), status: int = 422):
    """The intake form again with what was typed: each error at its input (``fields``, by the input's
    id) and all of them in the summary, linked to their input (``others``: errors of no input)."""
    context["field_errors"] = {key.replace("-", "_"): message for key, message in fields.items()}
    context["error_links"] = [
        *({"target": "", "label": "", "message": m} for m in others),
        *({"target": key, "label": "", "message": m} for key, m in fields.items()),
    ]
    return render(request, "dossiers/office_intake.html", context, status=status)


def _intake_problem(request, context, exc: ProblemError):
    """A refused ``intake_register``: the errors it names at their inputs, the rest in the summary."""
    fields, links = errors_at_inputs(exc, INTAKE_INPUTS.get)
    others = [link["message"] for link in links if not link["target"]]
    return _intake_refused(
        request,
        context,
        fields=fields,
        others=others,
        status=exc.status if exc.status < 500 else 422,
    )


@backoffice_required(roles=[SR.RECEIVING_OFFICER])
@require_http_methods(["GET", "POST"])
def intake(request):
    """Counter and postal intake: the officer registers a paper dossier for an applicant found or
    created by CCCD (and tax code for an organisation); it is filed and received at once."""
    ids = visible_agency_ids(request.user, roles={Role.RECEIVING_OFFICER})
    agencies = Agency.objects.filter(pk__in=ids or []).order_by("sort_name", "code")
    context = {
        "agencies": agencies,
        "channels": [
            (Channel.COUNTER, Channel.COUNTER.label),
            (Channel.POSTAL, Channel.POSTAL.label),
        ],
        "values": {k.replace("-", "_"): v for k, v in request.POST.items()},
        "field_errors": {},
        "error_links": [],
        # One registration per form, however many times it is sent (``services.intake_register``).
        "token": page_token_for(request),
        **_intake_appointment(agencies.first()),
    }
    if request.method == "GET":
        context["values"]["hen_tra"] = context.get("proposal", "")
    if request.method == "POST":
        p = request.POST
        procedure = Procedure.objects.filter(
            code=p.get("thu-tuc", "").strip(), status=Procedure.Status.PUBLISHED
        ).first()
        agency = agencies.filter(pk=int_param(p.get("co-quan"), 0)).first()
        if procedure is None or agency is None:
            fields = {}
            if procedure is None:
                fields["thu-tuc"] = _("Hãy nhập đúng mã thủ tục đang áp dụng.")
            if agency is None:
                fields["co-quan"] = _("Hãy chọn cơ quan tiếp nhận.")
            return _intake_refused(request, context, fields=fields)
        files, refused = read_files(request, procedure_components(procedure))
        if refused:
            message = " ".join(dict.fromkeys(message for _component, message in refused))
            return _intake_refused(request, context, fields={"tp-khac": message})
        try:
            dossier, created = services.intake_register(
                actor=request.user,
                procedure=procedure,
                receiving_agency=agency,
                channel=p.get("kenh", ""),
                cccd=p.get("cccd", ""),
                tax_code=p.get("mst", ""),
                full_name=p.get("ho-ten", ""),
                phone=p.get("dien-thoai", ""),
                organisation_name=p.get("ten-to-chuc", ""),
                files=files,
                due_at=p.get("hen-tra", "").strip(),
                request=request,
                token=p.get("token", ""),
            )
        except UploadError as exc:
            return _intake_refused(request, context, fields={"tp-khac": exc.message})
        except ProblemError as exc:
            if exc.extra.get("proposal") and not p.get("hen-tra", "").strip():
                context["values"]["hen_tra"] = (
                    f"{parse_instant(exc.extra['proposal']):%d/%m/%Y %H:%M}"
                )
            return _intake_problem(request, context, exc)
        if created:
            messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": dossier.code})
        else:
            messages.info(
                request,
                _(
                    "Hồ sơ %(code)s đã được tiếp nhận từ lần gửi trước của biểu mẫu này (có thể do "
                    "bấm nút hai lần); không tạo thêm hồ sơ mới."
                )
                % {"code": dossier.code},
            )
        return redirect("dossiers:office_detail", code=dossier.code)
    return render(request, "dossiers/office_intake.html", context)
