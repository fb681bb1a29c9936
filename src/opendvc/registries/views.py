"""The applicant's prefill page: consent, the identifier, the fetch; back to the dossier's form. The
representative's verification of an organisation's tax code against the business registry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opendvc.accounts.selectors import organisation_for_member
from opendvc.core.problems import ProblemError
from opendvc.dossiers import eforms_bridge
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services import dossier_update_draft
from opendvc.eforms.engine import own_words

from .client import registry_sources
from .models import RegistryFetch
from .services import (
    CONSENT_TEXT,
    IDENTIFIER_SOURCE,
    UNVERIFIED_CCCD,
    iter_form_fields,
    organisation_verify,
    population_prefill_ready,
    registry_prefill,
)

EDITABLE = (State.DRAFT, State.RETURNED_FOR_COMPLETION)


def _profile_identifier(user, registry: str, dossier) -> str:
    if registry == RegistryFetch.Registry.BUSINESS:
        return getattr(dossier.acting_for, "tax_code", "") or ""
    from opendvc.accounts.selectors import profile_of

    return getattr(profile_of(user), "cccd", "") or ""


@login_required
def prefill(request, public_id, registry: str):
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "acting_for"), public_id=public_id
    )
    if dossier.applicant_id != request.user.pk or dossier.status not in EDITABLE:
        raise Http404
    if registry not in RegistryFetch.Registry.values:
        raise Http404
    form_version = eforms_bridge.version_of(dossier)
    definition = getattr(form_version, "definition", None) or {}
    # The fields this registry fills, as the form names them in the page's language: the form's
    # other prefilled fields (the account's phone and email, another registry's) are not promised.
    held = registry_sources(registry)
    sources = [
        own_words(spec, "label") for spec in iter_form_fields(definition) if spec.get("prefill") in held
    ]
    context = {
        "dossier": dossier,
        "registry": registry,
        "registry_label": RegistryFetch.Registry(registry).label,
        "consent_text": CONSENT_TEXT[registry],
        "fields": sources,
        "identifier": _profile_identifier(request.user, registry, dossier),
        "identifier_label": _("Số CCCD")
        if registry == RegistryFetch.Registry.POPULATION
        else _("Mã số thuế"),
        # Only the applicant's own record (``services._check_own``).
        "identifier_help": _(
            "Số CCCD trên tài khoản của ông/bà; không lấy được thông tin của người khác."
        )
        if registry == RegistryFetch.Registry.POPULATION
        else _("Mã số thuế của tổ chức mà ông/bà nhân danh trong hồ sơ này."),
        "errors": [],
        "note": "",
        # The population database is asked only for a CCCD verified through the electronic
        # identity: otherwise the page says why, and offers no button that can only fail.
        "unverified": registry == RegistryFetch.Registry.POPULATION
        and not population_prefill_ready(request.user),
        "unverified_text": UNVERIFIED_CCCD,
    }
    if request.method == "POST":
        identifier = request.POST.get("identifier", "").strip()
        context["identifier"] = identifier
        try:
            result = registry_prefill(
                dossier=dossier,
                user=request.user,
                registry=registry,
                identifier=identifier,
                consent=request.POST.get("consent") == "yes",
                definition=definition,
                request=request,
            )
        except ProblemError as exc:
            context["errors"] = exc.extra.get("errors") or [{"path": "", "message": str(exc)}]
            return render(request, "registries/prefill.html", context, status=422)
        if result.outcome != RegistryFetch.Outcome.FOUND:
            context["note"] = result.note
            context["outcome"] = result.outcome
            return render(request, "registries/prefill.html", context)
        data = {**(dossier.form_data or {}), **result.values}
        dossier_update_draft(dossier=dossier, actor=request.user, form_data=data, request=request)
        messages.success(
            request,
            _(
                "Đã điền %(count)d thông tin từ %(registry)s. Ông/bà vẫn có thể sửa nếu thông tin "
                "không đúng; cán bộ sẽ thấy chỗ khác biệt."
            )
            % {"count": len(result.values), "registry": RegistryFetch.Registry(registry).label},
        )
        target = "dossiers:edit" if dossier.status == State.DRAFT else "dossiers:edit"
        return redirect(target, public_id=dossier.public_id)
    return render(request, "registries/prefill.html", context)


__all__ = ["IDENTIFIER_SOURCE", "prefill"]


@login_required
@require_POST
def organisation_verification(request, public_id):
    """'Xác thực với CSDL đăng ký doanh nghiệp' on the organisation's page: the outcome as a message,
    back to the page."""
    organisation = organisation_for_member(user=request.user, public_id=public_id)
    try:
        organisation = organisation_verify(user=request.user, organisation=organisation, request=request)
    except ProblemError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Đã xác thực mã số thuế %(tax_code)s của %(name)s với Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp.")
            % {"tax_code": organisation.tax_code, "name": organisation.name},
        )
    return redirect("accounts:organisation", public_id=organisation.public_id)
