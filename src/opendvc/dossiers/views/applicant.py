"""Pages of the applicant: filing (form, files, review with the declaration), "my dossiers", the
dossier's page, withdrawal, files and documents, the supplement."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.accounts.selectors import acting_as_choices
from opendvc.agencies.models import Agency
from opendvc.catalog.selectors import procedure_for_page, procedure_offer
from opendvc.core.files import pending_file_response, unsent_file_release
from opendvc.core.page_tokens import page_token_for, page_token_new
from opendvc.core.params import row_id
from opendvc.core.problems import ProblemError, retry_after_header
from opendvc.core.quoting import message_text

from .. import eforms_bridge, results, returns, selectors, services
from ..documents import document_ready, lookup_key_of
from ..lifecycle import FINAL_STATES, Action, Role, State
from ..models import DossierDocument, DossierFile
from ..payments import payment_pending
from ..results import result_download
from ..uploads import UploadError, check_file, read_limited
from . import return_choice
from .common import (
    INLINE_TYPES,
    int_param,
    problem_messages,
    procedure_components,
    read_files,
    serve_stored,
    tell_renamed,
)


def _procedure_or_404(code: str):
    procedure = procedure_for_page(code)
    if procedure is None:
        raise Http404(_("Không tìm thấy thủ tục này trong danh mục đang áp dụng."))
    return procedure


def _not_online(request, procedure, *, no_agency: bool = False):
    """The filing page of a procedure whose level takes no online filing (Regulation Art. 2.13): what the
    level offers, and where the forms are. ``no_agency``: the procedure would take online dossiers but
    no receiving agency is configured for it on the portal."""
    return render(
        request,
        "dossiers/not_online.html",
        {
            "procedure": procedure,
            "offer": procedure_offer(procedure=procedure),
            "no_agency": no_agency,
        },
        status=409,
    )


def _reuse(request, user, components) -> list:
    wanted = [pk for pk in map(row_id, request.POST.getlist("dung-lai")) if pk is not None]
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


def _store_chosen(request, components) -> list:
    """The citizen's store documents chosen per component on the filing page (``kho-<component pk>``)."""
    return [(c, v) for c in components for v in request.POST.getlist(f"kho-{c.pk}") if v]


def _store_reuse(request, user, components) -> tuple[list, list[str]]:
    from opendvc.vault.services import filing_references

    chosen = _store_chosen(request, components)
    if not chosen:
        return [], []
    return filing_references(owner=user, chosen=chosen)


KEPT_REMOVE = "bo-giu"  # ticked on a kept file: it is not attached (its upload expires unclaimed)


def _kept_key(component) -> str:
    return f"giu-{component.pk}" if component is not None else "giu-khac"


def _kept(request, components) -> tuple[list, list]:
    """The files kept from an earlier refused save of this page (``_keep``), named per component in
    ``giu-<component id>`` (``giu-khac`` for other papers) by their upload's id, less those ticked in
    ``bo-giu``: ``(component, upload)`` pairs. An id that names no usable upload of the user (expired,
    already used, another user's) comes back as ``(component, message)``: the file must be chosen
    again."""
    removed = set(request.POST.getlist(KEPT_REMOVE))
    wanted = [
        (component, value)
        for component in [*components, None]
        for value in dict.fromkeys(request.POST.getlist(_kept_key(component)))
        if value and value not in removed
    ]
    if not wanted:
        return [], []
    found = selectors.own_uploads(user=request.user, ids=[value for _c, value in wanted])
    kept, lost, seen = [], [], set()
    for component, value in wanted:
        upload = found.get(value)
        if upload is None:
            lost.append(
                (
                    component,
                    _(
                        "Tệp giữ lại từ lần gửi trước không còn (đã quá hạn giữ hoặc đã được "
                        "dùng); hãy chọn lại tệp."
                    ),
                )
            )
        elif upload.pk not in seen:
            seen.add(upload.pk)
            kept.append((component, upload))
    return kept, lost


def _keep(request, files) -> list:
    """The files of a refused save that passed the upload check (``read_files``), kept as the user's
    unclaimed uploads (``services.upload_create``; they expire like every unclaimed upload) so that the
    page shown again lists them at their component and the next save attaches them without their
    being chosen again; ``(component, upload)`` pairs. A file kept under another type's name is told
    now (``tell_renamed``)."""
    kept = [
        (component, services.upload_create(owner=request.user, checked=checked, request=request))
        for component, checked in files
    ]
    tell_renamed(request, files)
    return kept


def _file_errors(refused) -> tuple[list, dict]:
    """The summary links and the per-component errors (``None``: other papers) of files refused by the
    upload check or no longer kept, ``(component, message)`` pairs, each at its file input."""
    summary, errors = [], {}
    for component, message in refused:
        key = component.pk if component is not None else None
        errors[key] = f"{errors[key]} {message}" if key in errors else message
        summary.append(
            {
                "target": f"tp-{key}" if key is not None else "tp-khac",
                "label": "",
                "message": message,
            }
        )
    return summary, errors


def _filing_context(
    request,
    procedure,
    dossier=None,
    *,
    data=None,
    form_errors=None,
    summary=None,
    component_errors=None,
    kept=None,
):
    """The filing page. ``data``: the form values to show (typed ones after a failed save; otherwise the
    draft's, or for a new dossier the prefill from profile, organisation and earlier filings). The
    choice of how to receive the result shows its errors from ``summary`` at its fields. ``kept``: the
    files kept from refused saves (``_kept``, ``_keep``), shown at their component, to be attached by
    the next save."""
    user = request.user
    return_errors = {
        e["target"]: e["message"]
        for e in summary or []
        if e["target"] in (return_choice.METHOD_INPUT, *return_choice.INPUTS.values())
    }

    acting_choices = services.acting_choices_for(
        procedure=procedure, choices=acting_as_choices(user)
    )
    acting_value = (
        request.POST.get("nop-voi-tu-cach") or request.GET.get("nop-voi-tu-cach") or "self"
    )
    if acting_choices and acting_value not in dict(acting_choices):
        acting_value = acting_choices[0][0]  # the procedure is for the other kind of applicant
    # An organisation the user may no longer act for is shown at its field (``_acting_check``).
    acting_for = (
        dossier.acting_for
        if dossier
        else services.acting_for_chosen(user=user, value=acting_value)[0]
    )
    form_version = (
        eforms_bridge.version_of(dossier) if dossier else eforms_bridge.form_for(procedure)
    )
    if data is None:
        data = (
            dossier.form_data
            if dossier
            else eforms_bridge.prefill(
                user=user,
                procedure=procedure,
                acting_for=acting_for,
                previous=selectors.last_form_data(user=user, procedure=procedure),
            )
        )
    form_html = ""
    if form_version is not None:
        form_html = eforms_bridge.render(
            form_version=form_version, data=data, errors=form_errors or [], prefix="tk"
        )
    components = procedure_components(procedure)
    attached = {}
    if dossier is not None:
        for f in dossier.files.all():
            attached.setdefault(f.component_id, []).append(f)
    component_errors = component_errors or {}
    kept_by: dict = {}
    for component, upload in kept or []:
        kept_by.setdefault(getattr(component, "pk", None), []).append(upload)
    choice = services.case_choice(components)
    typed_case = _posted_case(request)
    chosen_case = choice.resolve(
        typed_case if typed_case is not None else (dossier.case if dossier else "")
    )
    reusable = list(selectors.reusable_files(user=user).select_related("dossier")[:30])
    from opendvc.vault.services import filing_offer

    store = filing_offer(owner=user, components=components)

    return {
        "procedure": procedure,
        "offer": procedure_offer(procedure=procedure),
        "dossier": dossier,
        "agencies": list(selectors.receiving_agencies(procedure=procedure)),
        "acting_choices": acting_choices,
        "acting_value": acting_value,
        "prefill_action": PREFILL_ACTION,
        "chosen_agency": int_param(request.POST.get("co-quan")),
        "form_html": form_html,
        "components": [
            (
                c,
                attached.get(c.pk, []),
                component_errors.get(c.pk),
                store.get(c.pk, []),
                kept_by.get(c.pk, []),
            )
            for c in components
        ],
        "other_kept": kept_by.get(None, []),
        "other_error": component_errors.get(None),
        "case_choice": choice,
        "chosen_case": chosen_case,
        "case_error": next(
            (e["message"] for e in summary or [] if e["target"] == "truong-hop"), ""
        ),
        "other_files": attached.get(None, []),
        # The attached files ticked "bỏ tệp này" stay ticked when the page comes back unsaved.
        "removed_files": set(request.POST.getlist("xoa-tep"))
        if request.method == "POST"
        else set(),
        "reusable": reusable,
        "error_links": summary or [],
        "agency_error": next((e["message"] for e in summary or [] if e["target"] == "co-quan"), ""),
        "acting_error": next(
            (e["message"] for e in summary or [] if e["target"] == ACTING_INPUT), ""
        ),
        "profile_missing": services.dossier_profile_missing(applicant=user, procedure=procedure),
        "max_file": settings.DOSSIER_MAX_FILE_BYTES // (1024 * 1024),
        "max_total": settings.DOSSIER_MAX_TOTAL_BYTES // (1024 * 1024),
        "rc": return_choice.form(
            request=request,
            procedure=procedure,
            applicant=user,
            dossier=dossier,
            errors=return_errors,
        ),
        # The first save of a new dossier carries a one-time token (``services.page_create_draft``); the
        # page shown again after a refused save keeps the one it was sent with.
        "page_token": "" if dossier is not None else page_token_for(request),
    }


ACTING_INPUT = "tu-cach"  # the id of "Nộp với tư cách" (its name: ``nop-voi-tu-cach``)
PREFILL_ACTION = "dien-san"  # its button: the form filled in again for the name chosen


def _acting_check(request) -> tuple[Any, list[dict[str, str]]]:
    """The organisation chosen in "Nộp với tư cách" on the first save (None: the person), and its
    error when it is one the user may not act for (any more) — shown at the field, with what was typed
    kept, and nothing saved."""
    org, error = services.acting_for_chosen(
        user=request.user, value=request.POST.get("nop-voi-tu-cach", "self")
    )
    return org, [
        {"target": ACTING_INPUT, "label": _("Nộp với tư cách"), "message": error}
    ] if error else []


def _posted_case(request) -> str | None:
    """The case (trường hợp) chosen on the filing page; None when the page did not ask."""
    if request.method != "POST" or "truong-hop" not in request.POST:
        return None
    return request.POST.get("truong-hop", "")


def _filing_check(
    request, procedure, dossier, form_version, data, new_files
) -> tuple[list, list, dict]:
    """What stops "Lưu và xem lại": the e-form's errors (each shown at its field), a missing receiving
    agency, the case (trường hợp) not chosen when the required papers depend on it, and missing required
    components (``services.required_components``). Returns ``(summary links, form errors, component
    errors)`` for the GOV.UK error-summary pattern (a summary at the top linking to each marked field)."""
    summary: list[dict[str, str]] = []
    component_errors: dict[int, str] = {}
    if dossier is None and not request.POST.get("co-quan"):
        summary.append(
            {
                "target": "co-quan",
                "label": _("Cơ quan tiếp nhận"),
                "message": _("Hãy chọn cơ quan tiếp nhận hồ sơ."),
            }
        )
    form_errors: list[dict[str, str]] = []
    if form_version is not None:
        try:
            eforms_bridge.validate(form_version=form_version, data=data)
        except eforms_bridge.FormInvalid as exc:
            form_errors = exc.errors
            summary += eforms_bridge.error_links(
                form_version=form_version, errors=form_errors, prefix="tk"
            )

    removed = {pk for v in request.POST.getlist("xoa-tep") if (pk := row_id(v)) is not None}
    present = {c.pk for c, _f in new_files if c is not None}
    present |= {
        c.pk
        for c, _f in _reuse(request, request.user, procedure_components(procedure))
        if c is not None
    }
    stored, refused = _store_reuse(request, request.user, procedure_components(procedure))
    present |= {c.pk for c, _f in stored}
    for message in refused:
        summary.append({"target": "", "label": "", "message": message})
    if dossier is not None:
        present |= set(
            dossier.files.exclude(pk__in=removed)
            .exclude(component=None)
            .values_list("component_id", flat=True)
        )
    components = procedure_components(procedure)
    posted = _posted_case(request)
    case = posted if posted is not None else (dossier.case if dossier else "")
    for e in services.case_errors(components, case):
        summary.append({"target": "truong-hop", "label": "", "message": e["message"]})
    for c in services.required_components(components, case):
        if c.pk not in present:
            component_errors[c.pk] = _("Hãy đính kèm tệp cho giấy tờ này.")
            summary.append(
                {"target": f"tp-{c.pk}", "label": "", "message": services.missing_message(c)}
            )
    return summary, form_errors, component_errors


def _filing(request, procedure, dossier=None):
    """POST of the filing page. Row buttons of repeatable groups and the no-JS "update the ward list"
    button show the page again with what was typed, saving nothing. "Lưu nháp" saves as is. "Lưu và
    xem lại" saves and goes to the review page when nothing is missing; otherwise the page comes back
    with the error summary and each field marked, keeping what was typed (and the draft and its files
    when there already is one, or new files were attached). Whenever the page comes back without
    having saved the files chosen with it, those that passed the upload check are kept (``_keep``)
    and shown attached at their component; a refused file is told at its component."""
    if dossier is None:
        saved = services.page_draft(actor=request.user, token=request.POST.get("token", ""))
        if saved is not None:
            return _to_saved_draft(request, saved)
    form_version = (
        eforms_bridge.version_of(dossier) if dossier else eforms_bridge.form_for(procedure)
    )
    components = procedure_components(procedure)
    files, refused_files = read_files(request, components)
    kept, lost = _kept(request, components)
    if form_version is not None:
        shown = eforms_bridge.row_action(form_version=form_version, post=request.POST, prefix="tk")
        if shown is not None or "eforms-refresh" in request.POST:
            data = (
                shown
                if shown is not None
                else eforms_bridge.parse_post(
                    form_version=form_version, post=request.POST, prefix="tk"
                )
            )
            summary, file_errors = _file_errors(refused_files + lost)
            return render(
                request,
                "dossiers/filing.html",
                _filing_context(
                    request,
                    procedure,
                    dossier,
                    data=data,
                    summary=summary,
                    component_errors=file_errors,
                    kept=kept + _keep(request, files),
                ),
            )
    if dossier is None and request.POST.get("action") == PREFILL_ACTION:
        # "Điền sẵn theo tư cách này": the page again, its form filled in for the name chosen (the
        # person, or an organisation they act for); nothing saved, the files chosen kept.
        _org, acting_errors = _acting_check(request)
        summary, file_errors = _file_errors(refused_files + lost)
        return render(
            request,
            "dossiers/filing.html",
            _filing_context(
                request,
                procedure,
                summary=acting_errors + summary,
                component_errors=file_errors,
                kept=kept + _keep(request, files),
            ),
            status=422 if acting_errors or summary else 200,
        )
    data = (
        eforms_bridge.parse_post(form_version=form_version, post=request.POST, prefix="tk")
        if form_version
        else {}
    )
    if refused_files or lost:
        summary, file_errors = _file_errors(refused_files + lost)
        return render(
            request,
            "dossiers/filing.html",
            _filing_context(
                request,
                procedure,
                dossier,
                data=data,
                summary=summary,
                component_errors=file_errors,
                kept=kept + _keep(request, files),
            ),
            status=422,
        )
    draft_only = request.POST.get("action") == "nhap"
    summary, form_errors, component_errors = (
        ([], [], {})
        if draft_only
        else _filing_check(request, procedure, dossier, form_version, data, files + kept)
    )
    # How the applicant wants the result: checked for a draft too (a choice that is not valid is not
    # kept, and shown at its fields).
    return_problem = return_choice.check(request, procedure)
    summary += return_choice.summary_links(return_problem)
    acting_for, acting_errors = _acting_check(request) if dossier is None else (None, [])
    summary = acting_errors + summary
    if (
        summary
        and dossier is None
        and (acting_errors or not ((files or kept) and request.POST.get("co-quan")))
    ):
        # No draft is created for an empty or incomplete first save, nor in the name of an
        # organisation the user may not act for; the files chosen are kept for the next save.
        return render(
            request,
            "dossiers/filing.html",
            _filing_context(
                request,
                procedure,
                data=data,
                form_errors=form_errors,
                summary=summary,
                component_errors=component_errors,
                kept=kept + _keep(request, files),
            ),
            status=422,
        )
    dossier, errors, repeated = _save_filing(
        request,
        procedure,
        dossier,
        files=files,
        kept=kept,
        data=data,
        acting_for=acting_for,
        keep_return_choice=return_problem is None,
    )
    if repeated:
        return _to_saved_draft(request, dossier)
    if errors:
        # Nothing of this save was attached (``dossier_update_draft`` is one transaction).
        summary = [{"target": "", "label": "", "message": m} for m in errors]
        return render(
            request,
            "dossiers/filing.html",
            _filing_context(
                request,
                procedure,
                dossier,
                data=data,
                summary=summary,
                kept=kept + _keep(request, files),
            ),
            status=422,
        )
    if summary:
        return render(
            request,
            "dossiers/filing.html",
            _filing_context(
                request,
                procedure,
                dossier,
                data=data,
                form_errors=form_errors,
                summary=summary,
                component_errors=component_errors,
            ),
            status=422,
        )
    tell_renamed(request, files)
    if draft_only:
        messages.success(request, _("Đã lưu bản nháp hồ sơ."))
        return redirect("dossiers:edit", public_id=dossier.public_id)
    return redirect("dossiers:review", public_id=dossier.public_id)


def _to_saved_draft(request, dossier):
    """The answer to a first save sent again with the same page token (a double click, a resent
    request, the page reopened with the browser's Back button): the draft the first one created."""
    messages.info(
        request,
        _(
            "Hồ sơ đã được lưu thành bản nháp ở lần gửi trước; đây là bản nháp đó. "
            "Hãy kiểm tra lại thông tin trước khi tiếp tục."
        ),
    )
    return redirect("dossiers:edit", public_id=dossier.public_id)


def _save_filing(
    request,
    procedure,
    dossier,
    *,
    files,
    data,
    kept=(),
    acting_for=None,
    keep_return_choice: bool = True,
):
    """Create or update the draft from the POST; returns (dossier, errors, repeated). ``repeated``: the
    first save of this page was already made with its token, and the draft it created is returned
    unchanged. A new draft is filed for ``acting_for`` (checked by ``_acting_check``; None: the
    person). ``kept``: the files kept from refused saves (``_kept``), attached with ``files``. The
    choice of how to receive the result is kept with ``keep_return_choice`` (when it was checked and
    found valid)."""
    components = procedure_components(procedure)
    stored, refused = _store_reuse(request, request.user, components)
    if refused:  # before a draft is created: a refused choice saves nothing
        return dossier, refused, False
    return_method, return_address = return_choice.posted(request)
    if not keep_return_choice:
        return_method, return_address = None, None
    try:
        if dossier is None:
            agency = Agency.objects.filter(pk=int_param(request.POST.get("co-quan"), 0)).first()
            if agency is None:
                return None, [_("Hãy chọn cơ quan tiếp nhận hồ sơ.")], False
            case = _posted_case(request) or ""
            dossier, created = services.page_create_draft(
                token=request.POST.get("token", ""),
                applicant=request.user,
                procedure=procedure,
                receiving_agency=agency,
                actor=request.user,
                acting_for=acting_for,
                form_data=data or {},
                request=request,
                case=case if services.case_known(components, case) else "",
                return_method=return_method,
                return_address=return_address,
            )
            if not created:
                return dossier, [], True
            data = None
            return_method = None
        remove = [pk for v in request.POST.getlist("xoa-tep") if (pk := row_id(v)) is not None]
        case = _posted_case(request)
        dossier = services.dossier_update_draft(
            dossier=dossier,
            actor=request.user,
            form_data=data,
            add_files=files,
            reuse_files=_reuse(request, request.user, components) + stored,
            remove_file_ids=remove,
            uploads=list(kept),
            request=request,
            case=case if case is None or services.case_known(components, case) else None,
            return_method=return_method,
            return_address=return_address,
        )
    except UploadError as exc:
        return dossier, [exc.message], False
    except ProblemError as exc:
        return dossier, problem_messages(exc), False
    return dossier, [], False


@login_required
@require_http_methods(["GET", "POST"])
def start(request, code: str):
    """Step 1 of online filing (Regulation Art. 6): choose the agency, fill the e-form, attach files."""
    procedure = _procedure_or_404(code)
    if not procedure_offer(procedure=procedure).online_filing:
        return _not_online(request, procedure)
    if not selectors.receiving_agencies(procedure=procedure).exists():
        return _not_online(request, procedure, no_agency=True)
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
    return render(
        request, "dossiers/filing.html", _filing_context(request, dossier.procedure, dossier)
    )


def _submission_problems(dossier) -> tuple[list[str], list]:
    try:
        services.check_submission(dossier)
    except ProblemError as exc:
        errors = exc.extra.get("errors") or []
        form_errors = [
            {"path": e["path"][5:], "message": e["message"]}
            for e in errors
            if e["path"].startswith("data.")
        ]
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
            dossier, _done = services.page_submit(
                dossier=dossier,
                actor=request.user,
                token=token,
                action=action,
                declaration=declared,
                request=request,
            )
        except ProblemError as exc:
            if (
                dossier.status in (State.DRAFT, State.RETURNED_FOR_COMPLETION)
                or exc.code != "conflict"
            ):
                problems, _fe = _submission_problems(dossier)
                declaration_error = any(
                    e.get("path") == "declaration" for e in exc.extra.get("errors") or []
                )
                return render(
                    request,
                    "dossiers/review.html",
                    _review_context(
                        dossier,
                        problems or ([] if declaration_error else problem_messages(exc)),
                        declaration_error=declaration_error,
                    ),
                    status=422,
                )
            return redirect("dossiers:mine_detail", public_id=dossier.public_id)
        return redirect(reverse("dossiers:mine_detail", args=[dossier.public_id]) + "?da-nop=1")
    if dossier.status not in (State.DRAFT, State.RETURNED_FOR_COMPLETION):
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    problems, _fe = _submission_problems(dossier)
    return render(request, "dossiers/review.html", _review_context(dossier, problems))


def _completion(dossier) -> dict | None:
    """For a dossier sent back for completion: what the agency asked for, and whether any file was
    attached since (a resubmission with nothing new is allowed — the asked change may be in the form —
    but the applicant is told before submitting)."""
    if dossier.status != State.RETURNED_FOR_COMPLETION:
        return None
    asked_at = (
        dossier.events.filter(action=Action.RETURN_FOR_COMPLETION)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    nothing_new = (
        asked_at is not None and not dossier.files.filter(created_at__gt=asked_at).exists()
    )
    return {"items": dossier.completion_items or [], "nothing_new": nothing_new}


def _review_context(dossier, problems, *, declaration_error=False):
    return {
        "dossier": dossier,
        "problems": problems,
        "token": page_token_new(),
        "return_summary": return_choice.summary(dossier),
        "files": list(dossier.files.all()),
        "form_sections": eforms_bridge.display(dossier=dossier),
        "declaration_text": services.DECLARATION_TEXT,
        "declaration_error": declaration_error,
        "completion": _completion(dossier),
        "profile_missing": services.dossier_profile_missing(
            applicant=dossier.applicant, procedure=dossier.procedure
        ),
    }


@login_required
def mine(request):
    qs = selectors.applicant_dossiers(request.user)
    page = selectors.paginate(qs, page=int_param(request.GET.get("trang"), 1))
    rows = [(d, selectors.on_time_state(d)) for d in page.items]
    return render(
        request,
        "dossiers/mine.html",
        {"page": page, "rows": rows, "labels": selectors.ON_TIME_LABELS},
    )


@login_required
def mine_detail(request, public_id):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    return _mine_page(request, dossier)


def _mine_page(request, dossier, *, return_errors=None, status=200):
    """The applicant's page of a dossier (also shown again with the errors of a refused choice of how
    to receive the result, at its fields)."""
    offer = procedure_offer(procedure=dossier.procedure)
    can_choose = dossier.status != State.DRAFT and returns.choice_refusal(dossier) is None
    documents = list(dossier.documents.all())
    # The applicant withdraws online only from the states the action table opens it from (before intake).
    withdraw_open = next(s for s in services.ACTIONS if s.action == Action.WITHDRAW).opens_from(
        dossier.status
    )
    if dossier.status == State.RESULT_READY and not offer.online_return:
        # Collected at the counter or by post below level 4: no download that would count as the return.
        documents = [d for d in documents if d.kind != "result"]
    return render(
        request,
        "dossiers/mine_detail.html",
        {
            "dossier": dossier,
            "offer": offer,
            "payment": payment_pending(dossier=dossier)
            if dossier.status == State.PAYMENT_REQUIRED
            else None,
            "earlier_items": selectors.earlier_completion_items(dossier=dossier),
            "events": list(dossier.events.select_related(None)),
            "documents": documents,
            "files": list(dossier.files.all()),
            "on_time": selectors.on_time_state(dossier),
            "labels": selectors.ON_TIME_LABELS,
            "just_submitted": request.GET.get("da-nop") == "1",
            "lookup_key": lookup_key_of(dossier),
            "form_sections": eforms_bridge.display(dossier=dossier),
            "can_withdraw": withdraw_open,
            # Past the state it may be withdrawn from online and not finished: the page says whom to ask.
            "withdraw_closed": not withdraw_open
            and dossier.status not in FINAL_STATES
            and dossier.status != State.DRAFT,
            "can_delete": dossier.status == State.DRAFT,
            "can_edit": dossier.status in (State.DRAFT, State.RETURNED_FOR_COMPLETION),
            # How the result reaches the applicant (Regulation Art. 6.4), changeable until it is returned or
            # handed to the post (a draft chooses it on the filing page).
            "return_summary": return_choice.summary(dossier),
            "rc": return_choice.form(
                request=request,
                procedure=dossier.procedure,
                applicant=request.user,
                dossier=dossier,
                errors=return_errors,
            )
            if can_choose
            else None,
            "return_error_links": [
                {"target": k, "label": "", "message": m} for k, m in (return_errors or {}).items()
            ],
        },
        status=status,
    )


@login_required
@require_POST
def return_choose(request, public_id):
    """The applicant changes how they receive the result: online (level 4), at the one-stop office, or
    by post to an address. Refused once the result is returned or handed to the post."""
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    method, address = return_choice.posted(request)
    try:
        services.dossier_return_choose(
            dossier=dossier,
            actor=request.user,
            return_method=method,
            return_address=address,
            request=request,
        )
    except ProblemError as exc:
        if exc.status == 422:
            return _mine_page(
                request, dossier, return_errors=return_choice.field_errors(exc), status=422
            )
        messages.error(request, message_text(problem_messages(exc)))
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    messages.success(request, _("Đã lưu hình thức nhận kết quả."))
    return redirect(
        reverse("dossiers:mine_detail", args=[dossier.public_id]) + "#nhan-ket-qua-hien-tai"
    )


@login_required
@require_POST
def withdraw(request, public_id):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    action = Action.DELETE if dossier.status == State.DRAFT else Action.WITHDRAW
    inputs = {"reason": request.POST.get("ly-do", "")} if action == Action.WITHDRAW else {}
    try:
        services.dossier_act(
            dossier=dossier,
            action=action,
            actor=request.user,
            request=request,
            **{k: v for k, v in inputs.items() if v},
        )
    except ProblemError as exc:
        messages.error(request, message_text(problem_messages(exc)))
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    messages.success(
        request, _("Đã xóa bản nháp.") if action == Action.DELETE else _("Đã rút hồ sơ.")
    )
    return redirect("dossiers:mine")


@login_required
def mine_file(request, public_id, file_id: int):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    f = get_object_or_404(DossierFile, pk=file_id, dossier=dossier)
    return serve_stored(
        request,
        f.file,
        inline=f.content_type in INLINE_TYPES,
        filename=f.original_name,
        content_type=f.content_type,
    )


@login_required
def mine_document(request, public_id, doc_id: int):
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    d = get_object_or_404(DossierDocument, pk=doc_id, dossier=dossier)
    if not document_ready(d):
        return pending_file_response(request)
    # The object is opened first: a result missing from the storage (or a storage that cannot be read
    # just now) gets its own page and is no download.
    response = serve_stored(
        request, d.file, inline=True, filename=d.filename, content_type="application/pdf"
    )
    if (
        response.status_code == 200
        and d.kind == "result"
        and Role.APPLICANT in services.actor_roles(dossier=dossier, actor=request.user)
    ):
        # Each download of a result is recorded; it changes no state (returned when issued).
        try:
            result_download(dossier=dossier, document=d, user=request.user, request=request)
        except ProblemError as exc:
            unsent_file_release(response)
            messages.error(request, message_text(problem_messages(exc)))
            return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def supplement(request, public_id):
    """The applicant attaches the requested documents and sends them: the dossier goes back to the step
    it was at and the clock resumes."""
    dossier = selectors.dossier_for_applicant(user=request.user, public_id=public_id)
    if dossier.status != State.SUPPLEMENT_REQUESTED:
        messages.info(request, _("Hồ sơ không ở trạng thái chờ bổ sung."))
        return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    errors: list[str] = []
    problem: ProblemError | None = None
    if request.method == "POST":
        files = []
        for f in request.FILES.getlist("tep"):
            try:
                files.append((None, check_file(name=f.name, content=read_limited(f))))
            except UploadError as exc:
                errors.append(f"{f.name}: {exc.message}")
        # The rule "at least one supplementary file" is the supply action's (``services.filing.on_supply``).
        if not errors:
            try:
                results.dossier_supply(
                    dossier=dossier,
                    actor=request.user,
                    files=files,
                    note=request.POST.get("ghi-chu", "").strip(),
                    request=request,
                )
            except ProblemError as exc:
                errors, problem = exc.messages(), exc
            else:
                tell_renamed(request, files)
                messages.success(request, _("Đã nộp bổ sung; hồ sơ tiếp tục được xử lý."))
                return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    # A refused supply shows again the note the applicant typed (the files are chosen again).
    response = render(
        request,
        "dossiers/supplement.html",
        {"dossier": dossier, "errors": errors, "note": request.POST.get("ghi-chu", "")},
        status=problem.status if problem else 422 if errors else 200,
    )
    return retry_after_header(response, problem) if problem else response
