"""The back-office yearly calendar: review the days off and make-up working days, add and remove days."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opendvc.agencies.models import StaffRole
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.middleware import error_response

from .calendar import MAX_YEAR, MIN_YEAR, WorktimeError
from .forms import RemoveDayForm, SetDayForm
from .selectors import year_overview
from .services import remove_day, seed_years, set_day

ADMIN_ROLES = [StaffRole.Role.ADMINISTRATOR]


def _render_year(request, year: int, *, form=None, status: int = 200):
    overview = year_overview(year)
    context = {
        **overview,
        "form": form or SetDayForm(initial={"kind": "day_off"}),
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
    }
    return render(request, "worktime/calendar_year.html", context, status=status)


@backoffice_required(roles=ADMIN_ROLES)
def calendar_current(request):
    return redirect("worktime:calendar_year", year=timezone.localdate().year)


@backoffice_required(roles=ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def calendar_year(request, year: int):
    if not MIN_YEAR <= year <= MAX_YEAR:
        # The portal's error page (a bare line of text was answered), with the way back to this year.
        return error_response(
            request,
            400,
            "date_out_of_range",
            _("Năm không hợp lệ"),
            _("Năm phải nằm trong khoảng %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
            back=reverse("worktime:calendar"),
        )
    if request.method == "GET":
        return _render_year(request, year)
    form = SetDayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            set_day(
                day=data["date"],
                kind=data["kind"],
                name=data["name"],
                reason=data["reason"],
                actor=request.user,
                request=request,
            )
        except WorktimeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Đã lưu ngày %(d)s.") % {"d": data["date"].strftime("%d/%m/%Y")}
            )
            return redirect("worktime:calendar_year", year=data["date"].year)
    return _render_year(request, year, form=form, status=422)


@backoffice_required(roles=ADMIN_ROLES)
@require_POST
def calendar_remove(request, year: int):
    form = RemoveDayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Không xóa được: ngày không hợp lệ."))
        return redirect("worktime:calendar_year", year=year)
    day = form.cleaned_data["date"]
    try:
        remove_day(day=day, reason=form.cleaned_data["reason"], actor=request.user, request=request)
    except WorktimeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã xóa ngày %(d)s khỏi danh sách ngày đặc biệt.") % {"d": day.strftime("%d/%m/%Y")},
        )
    return redirect("worktime:calendar_year", year=day.year)


@backoffice_required(roles=ADMIN_ROLES)
@require_POST
def calendar_seed(request, year: int):
    """Write the year's days from the holidays rules so that they can be reviewed and edited."""
    try:
        done = seed_years(years=[year], actor=request.user)
    except WorktimeError as exc:
        messages.error(request, exc.message)
        return redirect("worktime:calendar")
    if done:
        messages.success(
            request, _("Đã khởi tạo lịch năm %(y)s; hãy kiểm tra các ngày hoán đổi.") % {"y": year}
        )
    else:
        messages.info(request, _("Lịch năm %(y)s đã được khởi tạo trước đó.") % {"y": year})
    return redirect("worktime:calendar_year", year=year)
