"""Back-office pages of the agencies app (routed from ``opendvc.accounts.urls``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from opendvc.accounts.models import User
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.params import row_id

from . import selectors, services
from .forms import GrantRoleForm
from .models import Agency, StaffRole
from .permissions import (
    STAFF_LIST_ROLES,
    can_manage_agency_staff,
    can_view_agency_staff,
    grantable_roles,
)


@backoffice_required(roles=sorted(STAFF_LIST_ROLES))
def agency_staff(request, code):
    """Who works in an agency and in which roles; heads and administrators grant and revoke roles."""
    agency = get_object_or_404(Agency, code=code)
    if not can_view_agency_staff(request.user, agency):
        raise PermissionDenied
    manage = can_manage_agency_staff(request.user, agency)
    # A head staffs the agency's own work; a province-wide role is an administrator's to give.
    grantable = grantable_roles(request.user, agency) if manage else []
    form = GrantRoleForm(roles=grantable)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if "revoke" in request.POST:
            sr = get_object_or_404(
                StaffRole, pk=row_id(request.POST.get("revoke")) or 0, agency=agency
            )
            if sr.role not in grantable:
                messages.error(request, _("Chỉ quản trị hệ thống được thu hồi vai trò này."))
                return redirect("accounts:agency_staff", code=agency.code)
            services.revoke_role(actor=request.user, staff_role=sr, request=request)
            messages.success(request, _("Đã thu hồi vai trò."))
            return redirect("accounts:agency_staff", code=agency.code)
        form = GrantRoleForm(request.POST, roles=grantable)
        if form.is_valid():
            user = User.objects.filter(
                email__iexact=form.cleaned_data["email"], is_active=True
            ).first()
            if user is None:
                form.add_error("email", _("Không có tài khoản nào dùng email này."))
            else:
                services.grant_role(
                    actor=request.user,
                    user=user,
                    agency=agency,
                    role=form.cleaned_data["role"],
                    request=request,
                )
                messages.success(request, _("Đã cấp vai trò."))
                return redirect("accounts:agency_staff", code=agency.code)
    return render(
        request,
        "agencies/staff.html",
        {
            "agency": agency,
            "roles": selectors.staff_of(agency),
            "form": form,
            "can_manage": manage,
            "grantable": grantable,
            "sub_agencies": selectors.sub_agencies(agency).order_by("sort_name", "code"),
        },
    )
