"""Pages: fill a procedure's e-form (drafts, autosave, PDF) and the back-office form builder."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opendvc.agencies.models import StaffRole
from opendvc.backoffice.decorators import backoffice_required
from opendvc.catalog.selectors import procedure_offer
from opendvc.core.page_tokens import page_token_for

from . import selectors, services
from .engine import KEY_RE, KINDS, count_fields
from .models import FormDefinition, FormVersion
from .render import render_fields, ward_options_html

MAX_DEFINITION_BYTES = 512 * 1024


def _procedure(code: str):
    found = selectors.public_form_for_code(code)
    if found is None:
        raise Http404(_("Thủ tục này chưa có tờ khai điện tử."))
    return found


def _dossier_url(draft) -> str:
    """Where filing continues with a completed form (``prefill_for`` hands the draft's data over);
    none when the procedure does not take dossiers online (levels 1 and 2: the form is printed and
    handed in at the one-stop office or sent by post)."""
    if not procedure_offer(procedure=draft.procedure).online_filing:
        return ""
    for name, args in (
        ("dossiers:from_draft", [draft.public_id]),
        ("dossiers:start", [draft.procedure.code]),
    ):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def _fill_page(request, *, procedure, version, data, errors, draft=None, status=200):
    return render(
        request,
        "eforms/fill.html",
        {
            "procedure": procedure,
            "version": version,
            "definition": version.definition,
            "draft": draft,
            "fields_html": services.form_render(form_version=version, data=data, errors=errors),
            "error_links": services.error_links(form_version=version, errors=errors or []),
            "expires_soon": draft is not None and selectors.expires_soon(draft),
            # The first save carries a one-time token (``services.draft_start_once``); the page shown
            # again keeps the one it was sent with.
            "page_token": "" if draft is not None else page_token_for(request),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def start(request, code: str):
    """The form of a procedure, prefilled; the first save creates a draft, once per page (the same
    page sent again leads to the draft the first save created)."""
    procedure, version = _procedure(code)
    if request.method == "GET":
        existing = (
            selectors.drafts_of(request.user)
            .filter(procedure=procedure, completed_at__isnull=True)
            .first()
        )
        if existing is not None and request.GET.get("moi") != "1":
            messages.info(request, _("Bạn đang có bản nháp của tờ khai này; tiếp tục từ bản nháp."))
            return redirect("eforms:draft", public_id=existing.public_id)
        data = services.prefill_for(
            user=request.user,
            procedure=procedure,
            previous=services.previous_data(user=request.user, procedure=procedure),
        )
        return _fill_page(request, procedure=procedure, version=version, data=data, errors=None)
    shown = services.form_row_action(form_version=version, post=request.POST)
    data = services.form_parse_post(form_version=version, post=request.POST)
    draft, errors, created = services.draft_start_once(
        user=request.user,
        procedure=procedure,
        token=request.POST.get("token", ""),
        data=data,
        request=request,
    )
    if not created:
        messages.info(
            request,
            _(
                "Tờ khai đã được lưu ở lần gửi trước; đây là bản đã lưu. "
                "Hãy kiểm tra lại thông tin trước khi tiếp tục."
            ),
        )
        return redirect("eforms:draft", public_id=draft.public_id)
    if shown is not None or "eforms-refresh" in request.POST:
        return _fill_page(
            request,
            procedure=procedure,
            version=version,
            data=shown or data,
            errors=None,
            draft=draft,
        )
    return _after_save(request, draft, data, errors)


def _after_save(request, draft, data, errors):
    version = draft.form_version
    if request.POST.get("action") == "finish":
        try:
            services.draft_complete(draft=draft, data=data, request=request)
        except services.FormValidationError as exc:
            return _fill_page(
                request,
                procedure=draft.procedure,
                version=version,
                data=data,
                errors=exc.errors,
                draft=draft,
            )
        return redirect("eforms:done", public_id=draft.public_id)
    if errors:
        return _fill_page(
            request,
            procedure=draft.procedure,
            version=version,
            data=data,
            errors=errors,
            draft=draft,
        )
    messages.success(request, _("Đã lưu bản nháp. Bạn có thể quay lại hoàn thành sau."))
    return redirect("eforms:draft", public_id=draft.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request, public_id):
    draft = selectors.draft_of(user=request.user, public_id=public_id)
    version = draft.form_version
    if draft.completed_at:
        # A second click on "Hoàn thành" or a save from an older tab: the completed form is changed
        # only after "Sửa lại tờ khai".
        if request.method == "POST":
            messages.info(
                request, _("Tờ khai đã hoàn thành; chọn “Sửa lại tờ khai” nếu cần thay đổi.")
            )
        return redirect("eforms:done", public_id=draft.public_id)
    if request.method == "GET":
        return _fill_page(
            request,
            procedure=draft.procedure,
            version=version,
            data=draft.data,
            errors=None,
            draft=draft,
        )
    shown = services.form_row_action(form_version=version, post=request.POST)
    data = services.form_parse_post(form_version=version, post=request.POST)
    if shown is not None or "eforms-refresh" in request.POST:
        services.draft_save(draft=draft, data=data)
        return _fill_page(
            request,
            procedure=draft.procedure,
            version=version,
            data=shown or data,
            errors=None,
            draft=draft,
        )
    errors = services.draft_save(draft=draft, data=data)
    return _after_save(request, draft, data, errors)


@login_required
@require_POST
def autosave(request, public_id):
    """htmx: save the valid values; answer with a status line for the live region."""
    draft = selectors.draft_of(user=request.user, public_id=public_id)
    if draft.completed_at:
        return HttpResponse(escape(_("Tờ khai đã hoàn thành; không tự động lưu.")))
    data = services.form_parse_post(form_version=draft.form_version, post=request.POST)
    errors = services.draft_save(draft=draft, data=data)
    at = timezone.localtime(draft.updated_at).strftime("%H:%M")
    if errors:
        text = ngettext(
            "Đã tự động lưu lúc %(at)s; %(n)s giá trị chưa hợp lệ chưa được lưu.",
            "Đã tự động lưu lúc %(at)s; %(n)s giá trị chưa hợp lệ chưa được lưu.",
            len(errors),
        ) % {
            "at": at,
            "n": len(errors),
        }
    else:
        text = _("Đã tự động lưu lúc %(at)s.") % {"at": at}
    return HttpResponse(escape(text))


@login_required
@require_GET
def done(request, public_id):
    draft = selectors.draft_of(user=request.user, public_id=public_id)
    if not draft.completed_at:
        return redirect("eforms:draft", public_id=draft.public_id)
    return render(
        request,
        "eforms/done.html",
        {
            "draft": draft,
            "procedure": draft.procedure,
            "version": draft.form_version,
            "sections": services.form_display_rows(
                form_version=draft.form_version, data=draft.data
            ),
            "dossier_url": _dossier_url(draft),
        },
    )


@login_required
@require_POST
def reopen(request, public_id):
    draft = selectors.draft_of(user=request.user, public_id=public_id)
    services.draft_reopen(draft=draft)
    return redirect("eforms:draft", public_id=draft.public_id)


@login_required
@require_POST
def draft_delete(request, public_id):
    draft = selectors.draft_of(user=request.user, public_id=public_id)
    services.draft_delete(draft=draft, actor=request.user, request=request)
    messages.success(request, _("Đã xóa bản nháp."))
    return redirect("eforms:drafts")


@login_required
@require_GET
def drafts(request):
    rows = [
        {"draft": d, "expires_soon": selectors.expires_soon(d)}
        for d in selectors.drafts_of(request.user)
    ]
    return render(
        request,
        "eforms/drafts.html",
        {
            "rows": rows,
            "lifetime_days": services.draft_lifetime().days,
        },
    )


@login_required
@require_GET
def draft_pdf(request, public_id):
    draft = selectors.draft_of(user=request.user, public_id=public_id)
    pdf = services.form_pdf(form_version=draft.form_version, data=draft.data)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="to-khai-{draft.procedure.code}.pdf"'
    return response


@require_GET
def blank_pdf(request, code: str):
    """Level 2: the e-form printed blank, to fill by hand."""
    procedure, version = _procedure(code)
    pdf = services.form_pdf(form_version=version, data=None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="to-khai-trong-{procedure.code}.pdf"'
    return response


@login_required
@require_GET
def ward_options(request):
    """htmx/JS: the ``<option>`` list of a province's wards."""
    return HttpResponse(ward_options_html(request.GET.get("tinh")))


# ---------------------------------------------------------------------------------------------
# Back office: builder
# ---------------------------------------------------------------------------------------------

ADMIN = [StaffRole.Role.ADMINISTRATOR]


def _parse_definition(text: str) -> tuple[object, list[dict[str, str]]]:
    if len(text.encode()) > MAX_DEFINITION_BYTES:
        return None, [{"path": "", "message": _("Định nghĩa quá lớn (tối đa 512 KB).")}]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [
            {
                "path": "",
                "message": _("JSON không hợp lệ ở dòng %(line)s, cột %(col)s: %(msg)s.")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            }
        ]


@backoffice_required(roles=ADMIN)
@require_GET
def builder_list(request):
    forms = [
        {
            "form": f,
            "latest": f.versions.all()[0] if f.versions.all() else None,
            "procedures": selectors.assignments_of(f).count(),
        }
        for f in selectors.definitions()
    ]
    return render(request, "eforms/builder_list.html", {"forms": forms})


@backoffice_required(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def builder_edit(request, key: str | None = None):
    form = get_object_or_404(FormDefinition, key=key) if key else None
    text = json.dumps(form.working_copy, ensure_ascii=False, indent=2) if form else ""
    new_key = key or ""
    problems: list[dict[str, str]] = []
    checked = False
    if request.method == "POST":
        text = request.POST.get("definition", "")
        new_key = key or request.POST.get("key", "").strip()
        action = request.POST.get("action", "check")
        definition, problems = _parse_definition(text)
        if not problems:
            problems = services.definition_check(definition=definition, key=new_key)
        if not key and not problems:
            if not KEY_RE.match(new_key.replace("-", "_")):
                problems = [
                    {
                        "path": "key",
                        "message": _("Mã biểu mẫu chỉ gồm chữ thường không dấu, số, gạch ngang."),
                    }
                ]
            elif FormDefinition.objects.filter(key=new_key).exists():
                problems = [{"path": "key", "message": _("Mã biểu mẫu đã có.")}]
        checked = True
        if not problems and action in ("save", "publish"):
            form = services.definition_save(
                key=new_key, definition=definition, actor=request.user, request=request
            )
            if action == "publish":
                version = services.definition_publish(
                    form=form, actor=request.user, request=request
                )
                messages.success(request, _("Đã công bố phiên bản %(n)s.") % {"n": version.number})
            else:
                messages.success(request, _("Đã lưu bản đang soạn (chưa công bố)."))
            return redirect("eforms:builder_edit", key=form.key)
    preview = ""
    definition, parse_problems = _parse_definition(text) if text else (None, [])
    if (
        definition is not None
        and not parse_problems
        and not services.definition_check(definition=definition, key=new_key)
    ):
        preview = render_fields(definition, None, None, prefix="pv-")
    return render(
        request,
        "eforms/builder_edit.html",
        {
            "form": form,
            "key": new_key,
            "text": text,
            "problems": problems,
            "checked": checked,
            "preview": preview,
            "kinds": sorted(KINDS.items()),
            "versions": form.versions.all() if form else [],
            "assignments": selectors.assignments_of(form) if form else [],
            "field_count": count_fields(definition)
            if isinstance(definition, dict)
            and not parse_problems
            and "sections" in definition
            and not problems
            else None,
        },
    )


@backoffice_required(roles=ADMIN)
@require_POST
def builder_preview(request):
    """htmx: live preview of the definition being edited, or its problems."""
    definition, problems = _parse_definition(request.POST.get("definition", ""))
    if not problems:
        problems = services.definition_check(definition=definition, key=request.POST.get("key", ""))
    preview = ""
    if not problems:
        preview = render_fields(definition, None, None, prefix="pv-")
    return render(
        request, "eforms/_builder_preview.html", {"problems": problems, "preview": preview}
    )


@backoffice_required(roles=ADMIN)
@require_GET
def builder_version(request, key: str, number: int):
    version = get_object_or_404(
        FormVersion.objects.select_related("form"), form__key=key, number=number
    )
    return render(
        request,
        "eforms/builder_version.html",
        {
            "version": version,
            "text": json.dumps(version.definition, ensure_ascii=False, indent=2),
            "drafts": version.drafts.count(),
        },
    )
