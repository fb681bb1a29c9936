"""The "my account" pages (/ca-nhan/…) and the back-office pages on persons and deletion requests.

Views stay thin: permissions from ``permissions``, reads from ``selectors``, writes via ``services``.
"""

from __future__ import annotations

import datetime as dt
import json

from allauth.account.views import ConfirmEmailView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from opendvc.api import services as api_services
from opendvc.api.models import ApiToken
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.params import row_id, row_uuid
from opendvc.core.problems import ProblemError

from . import selectors, services
from .forms import (
    AddMemberForm,
    ApiTokenForm,
    DeletionRequestForm,
    OrganisationForm,
    ProfileForm,
    RevealForm,
)
from .models import DeletionRequest, Membership
from .permissions import DELETION_ROLES, PERSON_LOOKUP_ROLES, can_manage_organisation


def _wire_ward_lists(form, request) -> None:
    """Province selects reload their ward list from this page (htmx); without JS the form still works."""
    for name, field in form.fields.items():
        if name.endswith("province_code"):
            field.widget.attrs["hx-get"] = request.path


def _profile_initial(user) -> dict:
    profile = selectors.profile_of(user)
    initial = {
        "full_name": user.full_name,
        "phone": user.phone,
        "cccd": profile.cccd,
        "date_of_birth": profile.date_of_birth.strftime("%d/%m/%Y")
        if profile.date_of_birth
        else "",
        "gender": profile.gender,
    }
    for kind in ("permanent", "current"):
        for part in ("province_code", "ward_code", "street"):
            initial[f"{kind}_{part}"] = getattr(profile, f"{kind}_{part}")
    return initial


def _form_status(form) -> int:
    """422 for a refused form (shown again with what was typed, each error at its field), else 200."""
    return 422 if form.is_bound and form.errors else 200


@login_required
def profile_edit(request):
    profile = selectors.profile_of(request.user)
    if request.method == "POST":
        form = ProfileForm(
            request.POST, verified_cccd=profile.cccd if profile.cccd_verified else ""
        )
        if form.is_valid():
            try:
                services.update_profile(
                    user=request.user, actor=request.user, data=form.cleaned_data, request=request
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Đã lưu thông tin cá nhân."))
                back = _safe_next(request)
                return redirect(back or "accounts:profile")
    else:
        initial = _profile_initial(request.user)
        # htmx asks for the wards of a newly chosen province.
        for key in ("permanent_province_code", "current_province_code"):
            if key in request.GET:
                initial[key] = request.GET[key]
        form = ProfileForm(
            initial=initial, verified_cccd=profile.cccd if profile.cccd_verified else ""
        )
    _wire_ward_lists(form, request)
    legacy = {
        kind: (getattr(profile, f"{kind}_legacy_district"), getattr(profile, f"{kind}_legacy_ward"))
        for kind in ("permanent", "current")
        if getattr(profile, f"{kind}_legacy_district")
    }
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": profile, "legacy": legacy, "next": _safe_next(request)},
        status=_form_status(form),
    )


def _safe_next(request) -> str:
    """The page to return to after saving the profile (e.g. the filing page that asked for it),
    only when it is a path on this site."""

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
def password(request):
    return redirect("account_change_password")


@login_required
def security(request):
    return redirect("mfa_index")


@login_required
def sessions(request):
    current = request.session.session_key
    if request.method == "POST":
        count = services.sign_out_other_sessions(
            user=request.user, keep_session_key=current, request=request
        )
        if count:
            done = ngettext(
                "Đã đăng xuất %(n)s phiên đăng nhập khác của bạn.",
                "Đã đăng xuất %(n)s phiên đăng nhập khác của bạn.",
                count,
            ) % {"n": count}
        else:
            done = _("Không có phiên đăng nhập nào khác để đăng xuất.")
        messages.success(request, done)
        return redirect("accounts:sessions")
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": selectors.sessions_of(request.user), "current": current},
    )


# The field each refusal of ``api_token_issue`` is about (the creation limit is about the whole form).
_TOKEN_PROBLEM_FIELDS = {
    "invalid_expiry": "expires_on",
    "validation_error": "expires_on",
    "invalid_scope": "scopes",
}


def _token_row(token):
    """The token with what the list shows: ``scope_names``, its permissions in words, and
    ``last_day``, the last whole day it works when it ends at midnight in Vietnam (as the page makes
    them: "đến hết ngày 31/12/2027" rather than "đến 00:00 01/01/2028")."""
    labels = api_services.KNOWN_SCOPES
    token.scope_names = [labels[s] for s in token.scopes if s in labels]
    token.last_day = None
    if token.expires_at is not None:
        local = timezone.localtime(token.expires_at)
        if local.time() == dt.time.min:
            token.last_day = local.date() - dt.timedelta(days=1)
    return token


@login_required
@never_cache
def api_tokens(request):
    """The person's API tokens: what each may do and whether it still works; a new one, whose secret
    this answer shows once (it is never stored and never put in a message); revoking is a button."""
    created = None
    form = ApiTokenForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_services.api_token_issue(
                owner=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data["expires_on"],
            )
        except ProblemError as exc:
            paths = {e.get("path") for e in exc.extra.get("errors", [])}
            field = "name" if "name" in paths else _TOKEN_PROBLEM_FIELDS.get(exc.code)
            form.add_error(field, exc.detail)
        else:
            created = {"token": token, "secret": raw}
            form = ApiTokenForm(owner=request.user)
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": [
                _token_row(t)
                for t in ApiToken.objects.filter(owner=request.user).order_by("-created_at")
            ],
            "now": timezone.now(),
        },
        status=_form_status(form),
    )


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=row_id(token_id) or 0, owner=request.user)
    try:
        api_services.api_token_revoke(token=token, actor=request.user)
    except ProblemError as exc:  # revoked before (another tab, the API)
        messages.info(request, exc.detail)
    else:
        messages.success(request, _("Đã thu hồi mã truy cập “%(name)s”.") % {"name": token.name})
    return redirect("accounts:api_tokens")


@login_required
def organisations(request):
    return render(
        request,
        "accounts/organisations.html",
        {"memberships": selectors.memberships_of(request.user)},
    )


@login_required
def organisation_create(request):
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                org = services.create_organisation(
                    user=request.user, data=dict(form.cleaned_data), request=request
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Đã thêm tổ chức %(name)s.") % {"name": org.name})
                return redirect("accounts:organisation", public_id=org.public_id)
    else:
        form = OrganisationForm(
            initial={"province_code": request.GET.get("province_code")}
            if "province_code" in request.GET
            else None
        )
    _wire_ward_lists(form, request)
    return render(
        request, "accounts/organisation_form.html", {"form": form}, status=_form_status(form)
    )


@login_required
def organisation_detail(request, public_id):
    org = selectors.organisation_for_member(user=request.user, public_id=public_id)
    manage = can_manage_organisation(request.user, org)
    form = AddMemberForm()
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        form = AddMemberForm(request.POST)
        if form.is_valid():
            try:
                services.add_member(
                    actor=request.user,
                    organisation=org,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Đã thêm thành viên."))
                return redirect("accounts:organisation", public_id=org.public_id)
    members = (
        Membership.objects.filter(organisation=org)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "org": org,
            "members": members,
            "form": form,
            "can_manage": manage,
            "roles": Membership.Role.choices,
            "no_representative": not any(m.role == Membership.Role.REPRESENTATIVE for m in members),
        },
        status=_form_status(form),
    )


@login_required
@require_POST
def organisation_representative_claim(request, public_id):
    org = selectors.organisation_for_member(user=request.user, public_id=public_id)
    try:
        services.claim_representative(user=request.user, organisation=org, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Bạn đã là người đại diện của tổ chức trên Cổng."))
    return redirect("accounts:organisation", public_id=org.public_id)


@login_required
@require_POST
def organisation_member_remove(request, public_id, member_id):
    org = selectors.organisation_for_member(user=request.user, public_id=public_id)
    membership = get_object_or_404(Membership, pk=member_id, organisation=org)
    try:
        services.remove_member(actor=request.user, membership=membership, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã gỡ thành viên khỏi tổ chức."))
    if membership.user_id == request.user.pk:
        return redirect("accounts:organisations")
    return redirect("accounts:organisation", public_id=org.public_id)


@login_required
@require_POST
def organisation_member_role(request, public_id, member_id):
    org = selectors.organisation_for_member(user=request.user, public_id=public_id)
    membership = get_object_or_404(Membership, pk=member_id, organisation=org)
    try:
        services.member_role_change(
            actor=request.user,
            membership=membership,
            role=request.POST.get("role", ""),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã đổi vai trò của thành viên."))
    return redirect("accounts:organisation", public_id=org.public_id)


@login_required
def data_export(request):
    data = selectors.export_personal_data(user=request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def deletion_request(request):
    pending = selectors.pending_deletion_request(request.user)
    form = DeletionRequestForm()
    if request.method == "POST" and pending is None:
        form = DeletionRequestForm(request.POST)
        if form.is_valid():
            try:
                services.request_account_deletion(
                    user=request.user, reason=form.cleaned_data["reason"], request=request
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _(
                        "Đã ghi nhận yêu cầu xóa tài khoản; quản trị viên sẽ xử lý và báo lại cho bạn."
                    ),
                )
                return redirect("accounts:deletion")
    return render(
        request,
        "accounts/deletion.html",
        {"form": form, "pending": pending},
        status=_form_status(form),
    )


# --- Back office ----------------------------------------------------------------------------------


@backoffice_required(roles=sorted(PERSON_LOOKUP_ROLES))
def person_detail(request, public_id):
    """A person's record for staff: masked, unless the officer gives a reason (audited)."""
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    revealed = None
    form = RevealForm()
    if request.method == "POST":
        form = RevealForm(request.POST)
        if form.is_valid():
            try:
                revealed = services.reveal_personal_data(
                    viewer=request.user,
                    profile=profile,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
    response = render(
        request,
        "accounts/backoffice_person.html",
        {"profile": profile, "form": form, "revealed": revealed},
    )
    response["Cache-Control"] = "no-store"
    return response


@backoffice_required(roles=sorted(PERSON_LOOKUP_ROLES))
def person_search(request):
    """Find a person by CCCD, phone or email (exact match only); results are shown masked."""
    query = request.GET.get("q", "").strip()
    results = (
        services.search_persons(actor=request.user, query=query, request=request) if query else []
    )
    response = render(
        request, "accounts/backoffice_person_search.html", {"query": query, "results": results}
    )
    response["Cache-Control"] = "no-store"
    return response


@backoffice_required(roles=sorted(DELETION_ROLES))
def deletion_requests(request):
    if request.method == "POST":
        public_id = row_uuid(request.POST.get("request"))
        if public_id is None:
            raise Http404
        dr = get_object_or_404(DeletionRequest, public_id=public_id)
        approve = request.POST.get("decision") == "approve"
        try:
            with transaction.atomic():
                services.handle_deletion_request(
                    actor=request.user,
                    deletion_request=dr,
                    approve=approve,
                    note=request.POST.get("note", ""),
                    request=request,
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã xử lý yêu cầu."))
        return redirect("accounts:deletion_requests")
    pending = DeletionRequest.objects.filter(status=DeletionRequest.Status.PENDING).select_related(
        "user"
    )
    done = DeletionRequest.objects.exclude(status=DeletionRequest.Status.PENDING).select_related(
        "user", "handled_by"
    )[:50]
    return render(request, "accounts/backoffice_deletions.html", {"pending": pending, "done": done})


class EmailConfirm(ConfirmEmailView):
    """allauth's email verification page. A link opened again once its address is verified (the
    second click on the link in the mail, the button pressed twice) said the link had expired and
    asked to log in and request another mail, or answered 404; it now says the address is verified
    and leads to signing in."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not self.object:
            ctx["verified_address"] = selectors.verified_address_of_key(self.kwargs["key"])
        return ctx

    def post(self, *args, **kwargs):
        try:
            return super().post(*args, **kwargs)
        except Http404:
            if selectors.verified_address_of_key(self.kwargs["key"]) is None:
                raise
            self.object = None
            return self.render_to_response(self.get_context_data())


def language_choose(request):
    """The page language switch (Django's ``set_language``: the cookie and the way back), which also
    keeps the choice of a signed-in person as the language of the messages the portal sends them."""
    response = set_language(request)
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
