"""The public status page and the back-office pages where ICT staff open, update and resolve
incidents (Regulation Art. 10.7, 13.5)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opendvc.agencies.models import StaffRole
from opendvc.agencies.selectors import has_any_role
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.problems import ProblemError

from . import selectors, services
from .forms import IncidentOpenForm, IncidentUpdateForm
from .models import Incident

STAFF_ROLES = [
    StaffRole.Role.ICT_DEPARTMENT,
    StaffRole.Role.PROVINCE_OFFICE,
    StaffRole.Role.ADMINISTRATOR,
]


def _problem_to_form(form, exc: ProblemError) -> None:
    errors = (exc.extra or {}).get("errors") or []
    field = errors[0]["path"] if errors else None
    form.add_error(field if field in form.fields else None, exc.detail)


def status_page(request):
    """Anyone: what is disrupted now and the incidents of the last 90 days."""
    current = list(selectors.incidents_current())
    recent = [i for i in selectors.incidents_recent(days=90) if not i.is_open]
    return render(request, "ops/status.html", {"current": current, "recent": recent})


@backoffice_required(roles=STAFF_ROLES)
def staff_list(request):
    return render(
        request,
        "ops/staff_list.html",
        {
            "current": selectors.incidents_current(),
            "recent": selectors.incidents_recent(days=90),
        },
    )


@backoffice_required(roles=[StaffRole.Role.ICT_DEPARTMENT, StaffRole.Role.ADMINISTRATOR])
@require_http_methods(["GET", "POST"])
def staff_open(request):
    form = IncidentOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_open(
                title=data["title"],
                severity=data["severity"],
                message=data["message"],
                actor=request.user,
                affected_services=data["affected_services"].split(","),
                started_at=data["started_at"],
                request=request,
            )
            messages.success(request, _("Đã ghi nhận sự cố."))
            return redirect("ops:staff_detail", public_id=incident.public_id)
        except ProblemError as exc:
            _problem_to_form(form, exc)
    return render(
        request,
        "ops/staff_open.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@backoffice_required(roles=STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_detail(request, public_id):
    incident = get_object_or_404(Incident, public_id=public_id)
    form = IncidentUpdateForm(request.POST or None)
    status = 200
    # The province office follows incidents; the ICT department and administrators update them.
    may_update = request.user.is_superuser or has_any_role(
        request.user, [StaffRole.Role.ICT_DEPARTMENT, StaffRole.Role.ADMINISTRATOR]
    )
    if request.method == "POST":
        if not may_update:
            messages.error(
                request,
                _("Chỉ Sở Khoa học và Công nghệ hoặc quản trị hệ thống được cập nhật sự cố."),
            )
            return redirect("ops:staff_detail", public_id=incident.public_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.incident_transition(
                    incident=incident,
                    status=data["status"],
                    message=data["message"],
                    severity=data["severity"] or None,
                    actor=request.user,
                    request=request,
                )
                messages.success(request, _("Đã cập nhật sự cố."))
                return redirect("ops:staff_detail", public_id=incident.public_id)
            except ProblemError as exc:
                _problem_to_form(form, exc)
        status = 422
    return render(
        request,
        "ops/staff_detail.html",
        {
            "incident": incident,
            "updates": incident.updates.select_related("author"),
            "form": form,
            "may_update": may_update,
        },
        status=status,
    )
