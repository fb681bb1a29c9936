"""Pages of the linked procedures: the catalog pages, the applicant's progress (every agency, every
result), each member agency's back office and the figures. Thin: each calls one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.problems import ProblemError, errors_at_inputs
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.selectors import dossier_for_applicant
from opendvc.dossiers.services import staff_roles_at

from .bundles import critical_path
from .forms import combined_components, combined_form, member_sections
from .models import LinkedProcedure, Part, PartResultFile
from .selectors import (
    dossier_progress,
    is_applicant,
    linked_figures,
    part_opens_for,
    parts_for_officer,
)
from .services import (
    ACTION_LABELS,
    ACTIONS,
    MACHINE,
    PartAction,
    bundle_of,
    linked_dossier_finish,
    part_act,
    part_result_file_add,
)

STAFF_ROLES = ["receiving_officer", "processing_officer", "leader"]
FIGURES_ROLES = ["leader", "head", "province_office", "ict_department"]


def catalog(request):
    bundles = LinkedProcedure.objects.filter(is_active=True).prefetch_related("members")
    return render(request, "linked/catalog.html", {"bundles": bundles})


def bundle_detail(request, key: str):
    bundle = get_object_or_404(
        LinkedProcedure.objects.select_related("procedure"), key=key, is_active=True
    )
    members = list(bundle.members.select_related("procedure", "agency").order_by("position"))
    definition, _mapping = combined_form(bundle=bundle)
    return render(
        request,
        "linked/bundle.html",
        {
            "bundle": bundle,
            "members": members,
            "components": combined_components(bundle=bundle),
            "critical_path": critical_path(bundle),
            "form_sections": definition["sections"],
            "names": {m.key: m.name for m in members},
        },
    )


def _own_dossier(request, public_id) -> Dossier:
    """The user's linked dossier (filed by them or for an organisation they act for), or 404."""
    dossier = dossier_for_applicant(user=request.user, public_id=public_id)
    if bundle_of(dossier) is None:
        raise Http404
    return dossier


@login_required
def dossier_page(request, public_id):
    dossier = _own_dossier(request, public_id)
    return render(
        request,
        "linked/dossier.html",
        {"dossier": dossier, "bundle": bundle_of(dossier), **dossier_progress(dossier=dossier)},
    )


@login_required
@require_POST
def supply(request, public_id, part_id: int):
    dossier = _own_dossier(request, public_id)
    part = get_object_or_404(Part, pk=part_id, dossier=dossier)
    try:
        part_act(
            part=part,
            action=PartAction.SUPPLY,
            actor=request.user,
            request=request,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Đã báo cơ quan là ông/bà đã bổ sung."))
    except ProblemError as exc:
        messages.error(request, str(exc))
    return redirect("linked:dossier", public_id=dossier.public_id)


@backoffice_required(roles=STAFF_ROLES)
def inbox(request):
    return render(
        request, "linked/inbox.html", {"parts": parts_for_officer(user=request.user)[:200]}
    )


def _part_for_staff(request, part_id: int) -> Part:
    part = get_object_or_404(
        Part.objects.select_related("dossier", "member", "member__bundle", "agency"), pk=part_id
    )
    if not part_opens_for(request.user, part):
        raise Http404
    return part


# The inputs of the result file's form, by the path its errors name.
UPLOAD_INPUTS = {"file": "result-file", "title": "result-title"}


@backoffice_required(roles=STAFF_ROLES)
def part_page(request, part_id: int, errors=None, status=200, field_errors=None):
    """An agency's page of its part (also shown again with the errors of a refused form: ``errors``
    the summary's entries, ``field_errors`` the message at each input by id, what was typed kept)."""
    field_errors = field_errors or {}
    part = _part_for_staff(request, part_id)
    from opendvc.dossiers.personal_data import dossier_access_record, form_data_for_staff

    dossier_access_record(
        dossier=part.dossier,
        user=request.user,
        reason=_("Giải quyết phần liên thông"),
        request=request,
    )
    bundle = part.member.bundle
    definition, mapping = combined_form(bundle=bundle)
    roles = set(staff_roles_at(request.user, part.agency_id))
    # A refused action's form keeps what was typed in it, each error at its input.
    post = request.POST if errors and request.method == "POST" else {}
    actions = [
        (
            s.action,
            ACTION_LABELS[s.action],
            [
                {
                    "name": name,
                    "id": f"{s.action}-{name}",
                    "value": post.get(name, "") if post.get("action") == s.action else "",
                    "error": field_errors.get(f"{s.action}-{name}", ""),
                }
                for name in s.inputs
            ],
        )
        for s in MACHINE.allowed(part.status, roles)
    ]
    progress = dossier_progress(dossier=part.dossier)
    return render(
        request,
        "linked/part.html",
        {
            "part": part,
            "dossier": part.dossier,
            "actions": actions,
            "error_links": errors or [],
            "upload_errors": {
                key.replace("-", "_"): message
                for key, message in field_errors.items()
                if key in UPLOAD_INPUTS.values()
            },
            "typed_title": post.get("title") if "title" in post else None,
            # Identifiers masked, as on every officer's page of a dossier.
            "form_sections": member_sections(
                member=part.member,
                definition=definition,
                mapping=mapping,
                data=form_data_for_staff(dossier=part.dossier, user=request.user) or {},
            ),
            "can_upload": "leader" in roles and part.status in ("processing", "done"),
            "can_finish": progress["all_ended"]
            and "leader" in staff_roles_at(request.user, part.dossier.receiving_agency_id)
            and part.dossier.status == "processing",
            **progress,
        },
        status=status,
    )


@backoffice_required(roles=STAFF_ROLES)
@require_POST
def part_action(request, part_id: int):
    part = _part_for_staff(request, part_id)
    action = request.POST.get("action", "")
    spec = next((s for s in ACTIONS if s.action == action), None)
    if spec is None:
        raise Http404
    inputs = {name: request.POST.get(name, "") for name in spec.inputs if name in request.POST}
    try:
        part_act(part=part, action=action, actor=request.user, request=request, **inputs)
    except ProblemError as exc:
        fields, links = errors_at_inputs(
            exc,
            lambda path: (
                f"{action}-{path.split('.')[0]}" if path.split(".")[0] in spec.inputs else None
            ),
        )
        return part_page(request, part_id, errors=links, field_errors=fields, status=exc.status)
    messages.success(request, _("Đã ghi nhận: %(action)s.") % {"action": ACTION_LABELS[action]})
    return redirect("linked:part", part_id=part.pk)


@backoffice_required(roles=["leader"])
@require_POST
def result_file_upload(request, part_id: int):
    """The part's leader uploads a result document of the agency (the portal's upload check first)."""
    from opendvc.core.uploads import upload_problem
    from opendvc.dossiers.uploads import UploadError, check_file, read_limited

    part = _part_for_staff(request, part_id)
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise ProblemError(
                "validation_error",
                _("Hãy chọn tệp kết quả."),
                extra={"errors": [{"path": "file", "message": _("Hãy chọn tệp kết quả.")}]},
            )
        try:
            checked = check_file(name=uploaded.name or "", content=read_limited(uploaded))
        except UploadError as exc:
            raise upload_problem(
                exc, extra={"errors": [{"path": "file", "message": exc.message}]}
            ) from exc
        part_result_file_add(
            part=part,
            checked=checked,
            actor=request.user,
            title=request.POST.get("title", ""),
            request=request,
        )
    except ProblemError as exc:
        fields, links = errors_at_inputs(exc, lambda path: UPLOAD_INPUTS.get(path))
        return part_page(request, part_id, errors=links, field_errors=fields, status=exc.status)
    messages.success(request, _("Đã tải lên tệp kết quả."))
    return redirect("linked:part", part_id=part.pk)


@login_required
def result_file_download(request, file_id: int):
    """A part's result file: for the applicant of the dossier (or a member of the organisation it was
    filed for) and the staff of the part's agency or of
    the receiving agency."""
    from opendvc.core.files import stored_file_response

    row = get_object_or_404(
        PartResultFile.objects.select_related("part", "part__dossier"), pk=file_id
    )
    dossier = row.part.dossier
    allowed = is_applicant(request.user, dossier) or bool(
        staff_roles_at(request.user, row.part.agency_id)
        or staff_roles_at(request.user, dossier.receiving_agency_id)
    )
    if not allowed:
        raise Http404
    return stored_file_response(
        request, row.file, filename=row.original_name, content_type=row.content_type
    )


@backoffice_required(roles=["leader"])
@require_POST
def finish(request, part_id: int):
    part = _part_for_staff(request, part_id)
    try:
        linked_dossier_finish(dossier=part.dossier, actor=request.user, request=request)
        messages.success(request, _("Hồ sơ đã có đủ kết quả, chuyển bộ phận một cửa trả kết quả."))
    except ProblemError as exc:
        messages.error(request, str(exc))
    return redirect("linked:part", part_id=part.pk)


@backoffice_required(roles=FIGURES_ROLES)
def figures(request):
    return render(request, "linked/figures.html", linked_figures())


__all__ = ["PartAction"]
