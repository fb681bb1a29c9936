"""Pages: the applicant's filing and "my dossiers", the one-stop office inbox and actions, the lookup.

Views stay thin: reads in ``selectors``, writes in ``services``; ``ProblemError`` from a service is
shown on the page as a Vietnamese message.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.files import missing_file_response, stored_file_response
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip, ratelimit_hit

from . import conf, eforms_bridge, personal_data, selectors, services
from .lifecycle import Action, Role, State, action_label
from .models import Channel, DossierDocument, DossierFile
from .uploads import UploadError, check_file, read_limited

OFFICE_ROLES = ["receiving_officer", "processing_officer", "leader", "head", "province_office"]
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _procedure_or_404(code: str):
    from opendvc.catalog.selectors import procedure_for_page

    procedure = procedure_for_page(code)
    if procedure is None:
        raise Http404(_("Không tìm thấy thủ tục này trong danh mục đang áp dụng."))
    return procedure


def _not_online(request, procedure):
    """The filing page of a procedure whose level takes no online filing (Regulation Art. 2.13): what the
    level offers, and where the forms are."""
    from opendvc.catalog.selectors import procedure_offer

    return render(request, "dossiers/not_online.html",
                  {"procedure": procedure, "offer": procedure_offer(procedure=procedure)}, status=409)


def _components(procedure):
    return list(procedure.components.all())


def _problem_messages(exc: ProblemError) -> list[str]:
    errors = exc.extra.get("errors") or []
    return [exc.detail] + [e.get("message", "") for e in errors if e.get("message")]


# ---------------------------------------------------------------------------------------------
# Filing
# ---------------------------------------------------------------------------------------------

def _read_files(request, components) -> tuple[list, list[str]]:
    """Checked files from the POST, per component input ``tp-<component id>`` (several per input) and
    ``tp-khac`` for other papers. Any bad file refuses the whole POST."""
    out, errors = [], []
    by_key = {f"tp-{c.pk}": c for c in components}
    by_key["tp-khac"] = None
    for key, component in by_key.items():
        for uploaded in request.FILES.getlist(key):
            try:
                out.append((component, check_file(name=uploaded.name, content=read_limited(uploaded))))
            except UploadError as exc:
                errors.append(exc.message)
    return out, errors


def _reuse(request, user, components) -> list:
    wanted = [int(v) for v in request.POST.getlist("dung-lai") if v.isdigit()]
    if not wanted:
        return []
    files = {f.pk: f for f in selectors.reusable_files(user=user).filter(pk__in=wanted)}
    by_name = {c.pk: c for c in components}
    out = []
    for pk in wanted:
        old = files.get(pk)
        if old is not None:
            out.append((by_name.get(old.component_id), old))
    return out


def _filing_context(request, procedure, dossier=None, *, data=None, form_errors=None, summary=None,
                    component_errors=None):
    """The filing page. ``data``: the form values to show (typed ones after a failed save; otherwise the
    draft's, or for a new dossier the prefill from profile, organisation and earlier filings)."""
    user = request.user
    from opendvc.accounts.selectors import acting_as_choices, resolve_acting_as

    acting_value = request.POST.get("nop-voi-tu-cach") or request.GET.get("nop-voi-tu-cach") or "self"
    acting_for = dossier.acting_for if dossier else resolve_acting_as(user, acting_value)
    form_version = eforms_bridge.version_of(dossier) if dossier else eforms_bridge.form_for(procedure)
    if data is None:
        data = dossier.form_data if dossier else eforms_bridge.prefill(
            user=user, procedure=procedure, acting_for=acting_for)
    form_html = ""
    if form_version is not None:
        form_html = eforms_bridge.render(form_version=form_version, data=data, errors=form_errors or [], prefix="tk")
    components = _components(procedure)
    attached = {}
    if dossier is not None:
        for f in dossier.files.all():
            attached.setdefault(f.component_id, []).append(f)
    component_errors = component_errors or {}
    reusable = list(selectors.reusable_files(user=user).select_related("dossier")[:30])
    from opendvc.catalog.selectors import procedure_offer

    return {
        "procedure": procedure,
        "offer": procedure_offer(procedure=procedure),
        "dossier": dossier,
        "agencies": list(selectors.receiving_agencies(procedure=procedure)),
        "acting_choices": acting_as_choices(user),
        "acting_value": acting_value,
        "chosen_agency": _int(request.POST.get("co-quan")),
        "form_html": form_html,
        "components": [(c, attached.get(c.pk, []), component_errors.get(c.pk)) for c in components],
        "other_files": attached.get(None, []),
        "reusable": reusable,
        "error_links": summary or [],
        "agency_error": next((e["message"] for e in summary or [] if e["target"] == "co-quan"), ""),
        "profile_missing": services.dossier_profile_missing(applicant=user, procedure=procedure),
        "max_file": conf.get("DOSSIER_MAX_FILE_BYTES") // (1024 * 1024),
        "max_total": conf.get("DOSSIER_MAX_TOTAL_BYTES") // (1024 * 1024),
    }


def _filing_check(request, procedure, dossier, form_version, data, new_files) -> tuple[list, list, dict]:
    """What stops "Lưu và xem lại": the e-form's errors (each shown at its field), a missing receiving
    agency and missing required components. Returns ``(summary links, form errors, component errors)``
    for the GOV.UK error-summary pattern (a summary at the top linking to each marked field)."""
    summary: list[dict[str, str]] = []
    component_errors: dict[int, str] = {}
    if dossier is None and not request.POST.get("co-quan"):
        summary.append({"target": "co-quan", "label": _("Cơ quan tiếp nhận"),
                        "message": _("Hãy chọn cơ quan tiếp nhận hồ sơ.")})
    form_errors: list[dict[str, str]] = []
    if form_version is not None:
        try:
            eforms_bridge.validate(form_version=form_version, data=data)
        except eforms_bridge.FormInvalid as exc:
            form_errors = exc.errors
            summary += eforms_bridge.error_links(form_version=form_version, errors=form_errors, prefix="tk")
    from opendvc.catalog.models import Component

    removed = {int(v) for v in request.POST.getlist("xoa-tep") if v.isdigit()}
    present = {c.pk for c, _f in new_files if c is not None}
    present |= {c.pk for c, _f in _reuse(request, request.user, _components(procedure)) if c is not None}
    if dossier is not None:
        present |= set(dossier.files.exclude(pk__in=removed).exclude(component=None)
                       .values_list("component_id", flat=True))
    for c in procedure.components.filter(required=True, kind=Component.Kind.SUBMIT, case=""):
        if c.pk not in present:
            message = _("Hãy đính kèm %(name)s.") % {"name": c.name}
            component_errors[c.pk] = message
            summary.append({"target": f"tp-{c.pk}", "label": c.name, "message": message})
    return summary, form_errors, component_errors


def _filing(request, procedure, dossier=None):
    """POST of the filing page. Row buttons of repeatable groups and the no-JS "update the ward list"
    button show the page again with what was typed, saving nothing. "Lưu nháp" saves as is. "Lưu và
    xem lại" saves and goes to the review page when nothing is missing; otherwise the page comes back
    with the error summary and each field marked, keeping what was typed (and the draft and its files
    when there already is one, or new files were attached)."""
    form_version = eforms_bridge.version_of(dossier) if dossier else eforms_bridge.form_for(procedure)
    if form_version is not None:
        shown = eforms_bridge.row_action(form_version=form_version, post=request.POST, prefix="tk")
        if shown is not None or "eforms-refresh" in request.POST:
            data = shown if shown is not None else eforms_bridge.parse_post(
                form_version=form_version, post=request.POST, prefix="tk")
            return render(request, "dossiers/filing.html", _filing_context(request, procedure, dossier, data=data))
    components = _components(procedure)
    files, upload_errors = _read_files(request, components)
    data = eforms_bridge.parse_post(form_version=form_version, post=request.POST, prefix="tk") if form_version else {}
    if upload_errors:
        summary = [{"target": "", "label": "", "message": m} for m in upload_errors]
        return render(request, "dossiers/filing.html",
                      _filing_context(request, procedure, dossier, data=data, summary=summary), status=400)
    draft_only = request.POST.get("action") == "nhap"
    summary, form_errors, component_errors = ([], [], {}) if draft_only else _filing_check(
        request, procedure, dossier, form_version, data, files)
    if summary and dossier is None and not (files and request.POST.get("co-quan")):
        # Nothing worth keeping yet: no draft is created for an empty or incomplete first save.
        return render(request, "dossiers/filing.html", _filing_context(
            request, procedure, data=data, form_errors=form_errors, summary=summary,
            component_errors=component_errors), status=400)
    dossier, errors = _save_filing(request, procedure, dossier, files=files, data=data)
    if errors:
        summary = [{"target": "", "label": "", "message": m} for m in errors]
        return render(request, "dossiers/filing.html",
                      _filing_context(request, procedure, dossier, data=data, summary=summary), status=400)
    if summary:
        return render(request, "dossiers/filing.html", _filing_context(
            request, procedure, dossier, data=data, form_errors=form_errors, summary=summary,
            component_errors=component_errors), status=400)
    if draft_only:
        messages.success(request, _("Đã lưu bản nháp hồ sơ."))
        return redirect("dossiers:edit", public_id=dossier.public_id)
    return redirect("dossiers:review", public_id=dossier.public_id)


def _save_filing(request, procedure, dossier, *, files, data):
    """Create or update the draft from the POST; returns (dossier, errors)."""
    from opendvc.accounts.selectors import resolve_acting_as
    from opendvc.agencies.models import Agency

    components = _components(procedure)
    try:
        if dossier is None:
            agency = Agency.objects.filter(pk=_int(request.POST.get("co-quan"), 0)).first()
            if agency is None:
                return None, [_("Hãy chọn cơ quan tiếp nhận hồ sơ.")]
            acting_for = resolve_acting_as(request.user, request.POST.get("nop-voi-tu-cach", "self"))
            dossier = services.dossier_create_draft(
                applicant=request.user, procedure=procedure, receiving_agency=agency, actor=request.user,
                acting_for=acting_for, form_data=data or {}, request=request,
            )
            data = None
        remove = [int(v) for v in request.POST.getlist("xoa-tep") if v.isdigit()]
        dossier = services.dossier_update_draft(
            dossier=dossier, actor=request.user, form_data=data, add_files=files,
            reuse_files=_reuse(request, request.user, components), remove_file_ids=remove, request=request,
        )
    except UploadError as exc:
        return dossier, [exc.message]
    except ProblemError as exc:
        return dossier, _problem_messages(exc)
    return dossier, []


@login_required
@require_http_methods(["GET", "POST"])
def start(request, code: str):
    """Step 1 of online filing (Regulation Art. 6): choose the agency, fill the e-form, attach files."""
    from opendvc.catalog.selectors import procedure_offer

    procedure = _procedure_or_404(code)
    if not procedure_offer(procedure=procedure).online_filing:
        return _not_online(request, procedure)
    if request.method == "POST":
        return _filing(request, procedure)
    return render(request, "dossiers/filing.html", _filing_context(request, procedure))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, public_id):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    if dossier.status not in (State.DRAFT, State.RETURNED_FOR_COMPLETION):
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    if request.method == "POST":
        return _filing(request, dossier.procedure, dossier)
    return render(request, "dossiers/filing.html", _filing_context(request, dossier.procedure, dossier))


def _submission_problems(dossier) -> tuple[list[str], list]:
    try:
        services._check_submission(dossier)
    except ProblemError as exc:
        errors = exc.extra.get("errors") or []
        form_errors = [{"path": e["path"][5:], "message": e["message"]} for e in errors if e["path"].startswith("data.")]
        return [e["message"] for e in errors], form_errors
    return [], []


@login_required
@require_http_methods(["GET", "POST"])
def review(request, public_id):
    """Step 2: check everything, confirm the declaration (Regulation Art. 14.5), then submit (or
    resubmit) once — the page token makes it idempotent."""
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    action = Action.SUBMIT if dossier.status == State.DRAFT else Action.RESUBMIT
    if request.method == "POST":
        token = request.POST.get("token", "")
        declared = request.POST.get("cam-doan") == "1"
        try:
            dossier, _done = services.page_submit(dossier=dossier, actor=request.user, token=token, action=action,
                                                  declaration=declared, request=request)
        except ProblemError as exc:
            if dossier.status in (State.DRAFT, State.RETURNED_FOR_COMPLETION) or exc.code != "conflict":
                problems, _fe = _submission_problems(dossier)
                declaration_error = any(e.get("path") == "declaration" for e in exc.extra.get("errors") or [])
                return render(request, "dossiers/review.html",
                              _review_context(dossier, problems or ([] if declaration_error else
                                                                    _problem_messages(exc)),
                                              declaration_error=declaration_error), status=400)
            return redirect("dossiers:mine_detail", public_id=dossier.public_id)
        return redirect(reverse("dossiers:mine_detail", args=[dossier.public_id]) + "?da-nop=1")
    if dossier.status not in (State.DRAFT, State.RETURNED_FOR_COMPLETION):
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    problems, _fe = _submission_problems(dossier)
    return render(request, "dossiers/review.html", _review_context(dossier, problems))


def _review_context(dossier, problems, *, declaration_error=False):
    return {"dossier": dossier, "problems": problems, "token": secrets.token_urlsafe(16),
            "files": list(dossier.files.all()), "form_sections": eforms_bridge.display(dossier=dossier),
            "declaration_text": services.DECLARATION_TEXT, "declaration_error": declaration_error,
            "profile_missing": services.dossier_profile_missing(applicant=dossier.applicant,
                                                                procedure=dossier.procedure)}


@login_required
def mine(request):
    qs = selectors.applicant_dossiers(request.user)
    page = selectors.paginate(qs, page=_int(request.GET.get("trang"), 1))
    rows = [(d, selectors.on_time_state(d)) for d in page.items]
    return render(request, "dossiers/mine.html", {"page": page, "rows": rows, "labels": selectors.ON_TIME_LABELS})


@login_required
def mine_detail(request, public_id):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    from opendvc.catalog.selectors import procedure_offer

    from .documents import lookup_key_of
    from .payments import payment_pending

    offer = procedure_offer(procedure=dossier.procedure)
    documents = list(dossier.documents.all())
    if dossier.status == State.RESULT_READY and not offer.online_return:
        # Collected at the counter or by post below level 4: no download that would count as the return.
        documents = [d for d in documents if d.kind != "result"]
    return render(request, "dossiers/mine_detail.html", {
        "dossier": dossier,
        "offer": offer,
        "payment": payment_pending(dossier=dossier) if dossier.status == State.PAYMENT_REQUIRED else None,
        "earlier_items": selectors.earlier_completion_items(dossier=dossier),
        "events": list(dossier.events.select_related(None)),
        "documents": documents,
        "files": list(dossier.files.all()),
        "on_time": selectors.on_time_state(dossier),
        "labels": selectors.ON_TIME_LABELS,
        "just_submitted": request.GET.get("da-nop") == "1",
        "lookup_key": lookup_key_of(dossier),
        "form_sections": eforms_bridge.display(dossier=dossier),
        "can_withdraw": dossier.status == State.SUBMITTED,
        "can_delete": dossier.status == State.DRAFT,
        "can_edit": dossier.status in (State.DRAFT, State.RETURNED_FOR_COMPLETION),
    })


@login_required
@require_POST
def withdraw(request, public_id):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    action = Action.DELETE if dossier.status == State.DRAFT else Action.WITHDRAW
    inputs = {"reason": request.POST.get("ly-do", "")} if action == Action.WITHDRAW else {}
    try:
        services.dossier_transition(dossier=dossier, action=action, actor=request.user, request=request,
                                    **{k: v for k, v in inputs.items() if v})
    except ProblemError as exc:
        messages.error(request, " ".join(_problem_messages(exc)))
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    messages.success(request, _("Đã xóa bản nháp.") if action == Action.DELETE else _("Đã rút hồ sơ."))
    return redirect("dossiers:mine")


def _serve(request, stored, *, inline: bool, filename: str, content_type: str):
    response = stored_file_response(request, stored, inline=inline, filename=filename, content_type=content_type)
    if response.status_code == 200:
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@login_required
def mine_file(request, public_id, file_id: int):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    f = get_object_or_404(DossierFile, pk=file_id, dossier=dossier)
    return _serve(request, f.file, inline=f.content_type in INLINE_TYPES, filename=f.original_name, content_type=f.content_type)


@login_required
def mine_document(request, public_id, doc_id: int):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    d = get_object_or_404(DossierDocument, pk=doc_id, dossier=dossier)
    if d.kind == "result" and Role.APPLICANT in services.actor_roles(dossier=dossier, actor=request.user):
        from .results import result_download

        if not d.file.storage.exists(d.file.name):
            # Not counted as returned online when the file cannot be handed over.
            return missing_file_response(request)

        # Each download of a result is recorded; the first one returns a waiting result online.
        try:
            result_download(dossier=dossier, document=d, user=request.user, request=request)
        except ProblemError as exc:
            messages.error(request, " ".join(_problem_messages(exc)))
            return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    return _serve(request, d.file, inline=True, filename=d.filename, content_type="application/pdf")


# ---------------------------------------------------------------------------------------------
# Public lookup
# ---------------------------------------------------------------------------------------------

def lookup(request):
    code = (request.GET.get("ma") or "").strip()
    key = (request.GET.get("khoa") or "").strip()
    context = {"code": code, "key": key, "result": None, "not_found": False, "labels": selectors.ON_TIME_LABELS}
    if code or key:
        if not ratelimit_hit(name="lookup", ident=client_ip(request)).allowed:
            context["rate_limited"] = True
            return render(request, "dossiers/lookup.html", context, status=429)
        result = selectors.public_status(code=code, key=key)
        context["result"] = result
        context["not_found"] = result is None
    return render(request, "dossiers/lookup.html", context)


# ---------------------------------------------------------------------------------------------
# One-stop office
# ---------------------------------------------------------------------------------------------

def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@backoffice_required(roles=OFFICE_ROLES)
def inbox(request):
    from opendvc.agencies.models import Agency
    from opendvc.agencies.selectors import visible_agency_ids

    g = request.GET
    filters = selectors.InboxFilters(
        state=g.get("trang-thai", "") if g.get("trang-thai", "") in State.values else "",
        procedure=g.get("thu-tuc", "")[:40], channel=g.get("kenh", "") if g.get("kenh", "") in Channel.values else "",
        date_from=_date(g.get("tu-ngay")), date_to=_date(g.get("den-ngay")),
        due=g.get("han", "") if g.get("han") in ("sap-den-han", "qua-han") else "",
        sort=g.get("sap-xep", ""), agency=_int(g.get("co-quan")),
    )
    qs = selectors.inbox(user=request.user, filters=filters)
    page = selectors.paginate(qs, page=_int(g.get("trang"), 1))
    ids = visible_agency_ids(request.user)
    agencies = Agency.objects.all() if ids is None or request.user.is_superuser else Agency.objects.filter(pk__in=ids)
    params = g.copy()
    params.pop("trang", None)
    return render(request, "dossiers/office_inbox.html", {
        "page": page, "filters": filters, "states": State.choices, "channels": Channel.choices,
        "agencies": agencies.order_by("name"), "query": params.urlencode(),
        "rows": [(d, selectors.on_time_state(d)) for d in page.items], "labels": selectors.ON_TIME_LABELS,
    })


def _receive_card(dossier, actions, request) -> dict:
    """The receive card's appointment: the statutory one (shown) or the proposal the officer may change
    (the typed value again after an error)."""
    from django.utils import timezone

    from .appointments import appointment_propose

    if Action.RECEIVE not in [a.action for a in actions]:
        return {}
    proposal = appointment_propose(dossier=dossier, at=timezone.now())
    typed = (request.POST.get("due_at") or "").strip() if request.method == "POST" else ""
    return {"appointment": proposal, "due_at_value": typed or proposal.text,
            "office_hours": ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in _calendar_periods(dossier.receiving_agency))}


def _calendar_periods(agency):
    from opendvc.worktime import calendar_for_agency

    return calendar_for_agency(agency).periods


@backoffice_required(roles=OFFICE_ROLES)
def office_detail(request, code: str, *, errors=None, status=200, form_data=None):
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    actions = selectors.actions_for(dossier=dossier, user=request.user)
    revealed = form_data is not None
    if not revealed:  # masked identifiers; every staff read is logged
        personal_data.dossier_access_record(dossier=dossier, user=request.user, request=request)
        form_data = personal_data.form_data_for_staff(dossier=dossier, user=request.user)
    return render(request, "dossiers/office_detail.html", {
        **_receive_card(dossier, actions, request),
        "dossier": dossier,
        "events": list(dossier.events.all()),
        "documents": list(dossier.documents.all()),
        "files": list(dossier.files.all()),
        "form_sections": eforms_bridge.display(dossier=dossier, data=form_data),
        "identifiers_revealed": revealed,
        "actions": [a.action for a in actions],
        "on_time": selectors.on_time_state(dossier),
        "labels": selectors.ON_TIME_LABELS,
        "errors": errors or [],
        "inline_types": INLINE_TYPES,
    }, status=status)


@backoffice_required(roles=OFFICE_ROLES)
@require_POST
def office_reveal(request, code: str):
    """Show the dossier's identifiers unmasked, for a reason given by the officer (logged, audited)."""
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    reason = (request.POST.get("ly_do") or "").strip()
    if not reason:
        messages.error(request, _("Vui lòng nêu lý do cần xem số định danh đầy đủ."))
        return redirect("dossiers:office_detail", code=dossier.code)
    data = personal_data.form_data_for_staff(dossier=dossier, user=request.user, reveal=True, reason=reason,
                                             request=request)
    return office_detail.__wrapped__(request, code, form_data=data)


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
        services.dossier_transition(dossier=dossier, action=action, actor=request.user, request=request,
                                    expected_version=_int(request.POST.get("version")), **inputs)
    except ProblemError as exc:
        return office_detail.__wrapped__(request, code, errors=_problem_messages(exc), status=exc.status)
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": action_label(action)})
    return redirect("dossiers:office_detail", code=code)


@backoffice_required(roles=OFFICE_ROLES)
def office_file(request, code: str, file_id: int):
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    f = get_object_or_404(DossierFile, pk=file_id, dossier=dossier)
    return _serve(request, f.file, inline=f.content_type in INLINE_TYPES, filename=f.original_name, content_type=f.content_type)


@backoffice_required(roles=OFFICE_ROLES)
def office_document(request, code: str, doc_id: int):
    dossier = selectors.dossier_for_staff(user=request.user, code=code)
    d = get_object_or_404(DossierDocument, pk=doc_id, dossier=dossier)
    return _serve(request, d.file, inline=True, filename=d.filename, content_type="application/pdf")


def _intake_appointment(agency) -> dict:
    """The appointment proposed on the intake page (used when the procedure states no time)."""
    from django.utils import timezone

    from .appointments import appointment_default

    if agency is None:
        return {}
    return {"proposal": f"{appointment_default(agency=agency, at=timezone.now()):%d/%m/%Y %H:%M}",
            "office_hours": ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in _calendar_periods(agency))}


@backoffice_required(roles=["receiving_officer"])
@require_http_methods(["GET", "POST"])
def intake(request):
    """Counter and postal intake: the officer registers a paper dossier for an applicant found or
    created by CCCD (and tax code for an organisation); it is filed and received at once."""
    from opendvc.agencies.models import Agency
    from opendvc.agencies.selectors import visible_agency_ids
    from opendvc.catalog.models import Procedure

    ids = visible_agency_ids(request.user, roles={Role.RECEIVING_OFFICER})
    agencies = Agency.objects.filter(pk__in=ids or []).order_by("name")
    context = {"agencies": agencies, "channels": [(Channel.COUNTER, Channel.COUNTER.label),
                                                  (Channel.POSTAL, Channel.POSTAL.label)],
               "values": {k.replace("-", "_"): v for k, v in request.POST.items()}, "errors": [],
               **_intake_appointment(agencies.first())}
    if request.method == "GET":
        context["values"]["hen_tra"] = context.get("proposal", "")
    if request.method == "POST":
        p = request.POST
        procedure = Procedure.objects.filter(code=p.get("thu-tuc", "").strip(),
                                             status=Procedure.Status.PUBLISHED).first()
        agency = agencies.filter(pk=_int(p.get("co-quan"), 0)).first()
        if procedure is None or agency is None:
            context["errors"] = [_("Hãy nhập đúng mã thủ tục đang áp dụng và chọn cơ quan tiếp nhận.")]
            return render(request, "dossiers/office_intake.html", context, status=400)
        files, errors = _read_files(request, _components(procedure))
        if errors:
            context["errors"] = errors
            return render(request, "dossiers/office_intake.html", context, status=400)
        try:
            applicant, organisation = services.applicant_find_or_create(
                actor=request.user, cccd=p.get("cccd", ""), tax_code=p.get("mst", ""),
                full_name=p.get("ho-ten", ""), phone=p.get("dien-thoai", ""), organisation_name=p.get("ten-to-chuc", ""), request=request)
            dossier = services.counter_intake(
                actor=request.user, procedure=procedure, receiving_agency=agency, channel=p.get("kenh", ""),
                applicant=applicant, acting_for=organisation, files=files, due_at=p.get("hen-tra", "").strip(),
                request=request)
        except (ProblemError, UploadError) as exc:
            context["errors"] = _problem_messages(exc) if isinstance(exc, ProblemError) else [exc.message]
            if isinstance(exc, ProblemError) and exc.extra.get("proposal") and not p.get("hen-tra", "").strip():
                from opendvc.worktime import parse_instant

                context["values"]["hen_tra"] = f"{parse_instant(exc.extra['proposal']):%d/%m/%Y %H:%M}"
            return render(request, "dossiers/office_intake.html", context, status=400)
        messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": dossier.code})
        return redirect("dossiers:office_detail", code=dossier.code)
    return render(request, "dossiers/office_intake.html", context)

