"""Pages of the reports app: figures with drill-down, reports (request, progress, download, send,
receive), the oversight dashboard with urging, and the public transparency page ``/minh-bach/``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import has_any_role, visible_agency_ids
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.files import stored_file_response
from opendvc.core.params import row_id
from opendvc.core.problems import ProblemError

from . import figures as F
from . import selectors, services
from .exports import bar_chart_svg, transparency_csv
from .models import Report, Urge
from .periods import current_quarter, period_between, period_of


def _agency_scope(user) -> list[int] | None:
    """Agencies whose figures the user may see (None = all: oversight roles)."""

    if user.is_superuser or has_any_role(user, selectors.OVERSIGHT_ROLES):
        return None
    return sorted(visible_agency_ids(user) or [])


# The query's field of each path a period problem names (``periods._bad``).
PERIOD_FIELDS = {"period": "ky", "from": "tu", "to": "den", "as_of": "ngay_chot"}


def _field_errors(exc: ProblemError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.extra.get("errors", []) or [{"path": "period", "message": exc.detail}]:
        out.setdefault(PERIOD_FIELDS.get(e.get("path"), "ky"), e.get("message") or exc.detail)
    return out


def _period_from(request):
    """The period of the query (``ky`` or ``tu``/``den``), the current quarter by default; errors as
    Vietnamese messages by the query's field (never a 500)."""
    data = request.GET
    errors: dict[str, str] = {}
    period = None
    try:
        if data.get("tu") or data.get("den"):
            period = period_between(data.get("tu", ""), data.get("den", ""))
        elif data.get("ky"):
            period = period_of(data["ky"])
    except ProblemError as exc:
        errors = _field_errors(exc)
    return period or current_quarter(), errors


@backoffice_required(roles=selectors.REPORT_ROLES)
def index(request):
    selectors.fresh()
    period, errors = _period_from(request)
    dimension = request.GET.get("theo", "agency")
    if dimension not in F.DIMENSIONS or dimension == "":
        errors["theo"] = _("Chọn cách nhóm số liệu trong danh sách.")
        dimension = "agency"
    as_of = request.GET.get("ngay_chot") or None
    data = None
    try:
        data = selectors.period_figures(
            period=period, as_of=as_of, dimension=dimension, agency_ids=_agency_scope(request.user)
        )
    except ProblemError as exc:
        errors.update(_field_errors(exc))
        data = selectors.period_figures(
            period=period, dimension=dimension, agency_ids=_agency_scope(request.user)
        )
    return render(
        request,
        "reports/index.html",
        {
            "period_query": _period_query(period, as_of),
            "period": period,
            "dimension": dimension,
            "as_of": as_of or "",
            # What was typed in the period fields, shown again (a refused date is corrected, not retyped).
            "typed": {k: request.GET.get(k, "")[:40] for k in ("ky", "tu", "den")},
            "data": data,
            "errors": errors,
            "dimensions": [(k, v[1]) for k, v in F.DIMENSIONS.items() if k],
            "dossier_columns": [
                (k, F.FIGURES[k]) for k in (*F.DOSSIER_FIGURES, "avg_days", "p90_days")
            ],
            "feedback_columns": list(F.FEEDBACK_FIGURES.items()),
            "survey_columns": list(F.SURVEY_FIGURES.items()),
            "reports": selectors.reports_visible(request.user)[:20],
            "kinds": Report.Kind.choices,
            "request_errors": request.session.pop(REQUEST_ERRORS, {}),
            "agencies": _agencies_for(request.user),
            "linked": selectors.linked_period_figures(
                period=period, agency_ids=_agency_scope(request.user)
            ),
        },
        # A refused period is a refused form: the figures shown are the current quarter's.
        status=422 if errors else 200,
    )


def _period_query(period, as_of) -> str:
    if ".." in period.label:
        params = {"tu": period.start.isoformat(), "den": period.end.isoformat()}
    else:
        params = {"ky": period.label}
    if as_of:
        params["ngay_chot"] = as_of
    return urlencode(params)


def _agencies_for(user):
    scope = _agency_scope(user)
    qs = Agency.objects.filter(is_active=True).order_by("sort_name", "code")
    return qs if scope is None else qs.filter(pk__in=scope)


@backoffice_required(roles=selectors.REPORT_ROLES)
def drilldown(request):
    """The dossiers or feedback items behind one number of the figures page."""
    period, errors = _period_from(request)
    name = request.GET.get("so_lieu", "")
    if errors or name not in F.DOSSIER_FIGURES and name not in F.FEEDBACK_FIGURES:
        raise Http404
    dimension = request.GET.get("theo", "")
    key = request.GET.get("gia_tri", "")
    scope = _agency_scope(request.user)
    try:
        kind = "dossiers" if name in F.DOSSIER_FIGURES else "feedback"
        drilldown = (
            selectors.drilldown_dossiers if kind == "dossiers" else selectors.drilldown_feedback
        )
        rows = drilldown(
            name=name,
            period=period,
            as_of=request.GET.get("ngay_chot"),
            dimension=dimension,
            key=key,
            agency_ids=scope,
        )
        items = list(rows[:500])
    except (ProblemError, ValueError) as exc:
        raise Http404 from exc
    if kind == "dossiers":
        for fact in items:
            fact.labels = F.fact_labels(fact)
    else:
        # The agency that held each item at the cut-off (it may have been sent back since).
        names = F.labels_for("agency", [fb.then_agency_id for fb in items])
        for fb in items:
            fb.then_agency = names.get(fb.then_agency_id, "")
    return render(
        request,
        "reports/drilldown.html",
        {
            "items": items,
            "kind": kind,
            "label": F.FIGURES[name],
            "period": period,
            "capped": len(items) == 500,
        },
    )


# The form's fields of the errors ``services.report_request`` names, and where a refused request
# leaves them for the form it returns to.
REQUEST_FIELDS = {"kind": "kind", "period": "ky", "agency": "agency"}
REQUEST_ERRORS = "reports_request_errors"


@backoffice_required(roles=selectors.REPORT_ROLES)
@require_POST
def request_report(request):
    # A refused request returns to the form with what was chosen and typed still in it.
    typed = {
        "lap_loai": request.POST.get("kind", "")[:40],
        "lap_ky": request.POST.get("ky", "")[:40],
        "lap_co_quan": request.POST.get("agency", "")[:20],
    }
    back = f"{reverse('reports:index')}?{urlencode(typed)}#lap-bao-cao"
    agency = None
    if request.POST.get("agency"):
        agency = Agency.objects.filter(pk=row_id(request.POST["agency"])).first()
        if agency is None:
            messages.error(request, _("Cơ quan đã chọn không tồn tại."))
            return redirect(back)
    try:
        report = services.report_request(
            kind=request.POST.get("kind", ""),
            period_label=request.POST.get("ky", ""),
            agency=agency,
            actor=request.user,
            request=request,
        )
    except ProblemError as exc:
        messages.error(request, " ".join(exc.messages()))
        # Each error is also shown at its field of the form the request returns to.
        request.session[REQUEST_ERRORS] = {
            REQUEST_FIELDS[e["path"]]: e["message"]
            for e in exc.extra.get("errors", [])
            if isinstance(e, dict) and e.get("path") in REQUEST_FIELDS
        }
        return redirect(back)
    return redirect("reports:detail", public_id=report.public_id)


def _report_for(user, public_id) -> Report:
    return get_object_or_404(selectors.reports_visible(user), public_id=public_id)


@backoffice_required(roles=selectors.REPORT_ROLES)
def detail(request, public_id):
    report = _report_for(request.user, public_id)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "events": report.events.select_related("actor"),
            "running": report.status in (Report.Status.QUEUED, Report.Status.RUNNING),
        },
    )


@backoffice_required(roles=selectors.REPORT_ROLES)
def progress(request, public_id):
    """The progress fragment the report page polls (htmx), also readable alone."""
    report = _report_for(request.user, public_id)
    response = render(
        request,
        "reports/_progress.html",
        {"report": report, "running": report.status in ("queued", "running")},
    )
    if report.status not in ("queued", "running") and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@backoffice_required(roles=selectors.REPORT_ROLES)
def download(request, public_id, fmt):
    report = _report_for(request.user, public_id)
    file = {"xlsx": report.xlsx, "pdf": report.pdf}.get(fmt)
    if not file:
        raise Http404
    name = f"bao-cao-{report.kind}-{report.period_label}{'-' + report.agency.code if report.agency else ''}.{fmt}"
    return stored_file_response(request, file, filename=name)


@backoffice_required(roles=selectors.REPORT_ROLES)
@require_POST
def submission(request, public_id):
    report = _report_for(request.user, public_id)
    action = request.POST.get("action")
    try:
        if action == "send":
            services.report_send(
                report=report,
                actor=request.user,
                note=request.POST.get("note", ""),
                request=request,
            )
            messages.success(request, _("Đã gửi báo cáo đến Văn phòng UBND tỉnh."))
        elif action == "receive":
            services.report_receive(
                report=report,
                actor=request.user,
                note=request.POST.get("note", ""),
                request=request,
            )
            messages.success(request, _("Đã xác nhận nhận báo cáo."))
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except ProblemError as exc:
        messages.error(request, exc.detail)
    return redirect("reports:detail", public_id=report.public_id)


OVERSIGHT_PAGE_ROLES = [
    StaffRole.Role.PROVINCE_OFFICE,
    StaffRole.Role.ICT_DEPARTMENT,
    StaffRole.Role.ADMINISTRATOR,
]


@backoffice_required(roles=OVERSIGHT_PAGE_ROLES)
def oversight(request):
    """Province office and ICT department: on time and overdue per agency this quarter, the longest
    overdue dossiers and feedback items, the trend per month, the table per district or ward
    (agencies of the lower tiers), and the urge form (Regulation Art. 9.3–9.5)."""

    selectors.fresh()
    period = current_quarter()
    data = selectors.period_figures(period=period, dimension="agency")
    rows = data["dossiers"]["rows"]
    for r in rows:
        r["on_time_rate"] = F.rate(r["to_handle"] - F.late_dossiers(r), r["to_handle"])
    tiers = selectors.period_figures(period=period, dimension="tier")["dossiers"]["rows"]
    agency_names = F.labels_for(
        "agency", [f.agency_id for f in selectors.longest_overdue_dossiers()]
    )
    lower = Agency.objects.filter(tier__rank__gt=0).values_list("pk", flat=True)
    local_rows = [r for r in rows if r["key"] in set(lower)]
    trend = selectors.monthly_trend()
    return render(
        request,
        "reports/oversight.html",
        {
            "period": period,
            "rows": rows,
            "tiers": tiers,
            "local_rows": local_rows,
            "overdue_dossiers": [
                (f, agency_names.get(f.agency_id, "")) for f in selectors.longest_overdue_dossiers()
            ],
            "overdue_feedback": selectors.longest_overdue_feedback(),
            "trend": trend,
            "trend_chart": bar_chart_svg(
                [(t["month"], t["on_time_rate"]) for t in trend],
                title=_("Tỷ lệ đúng hạn theo tháng"),
            ),
            "agencies": Agency.objects.filter(is_active=True).order_by("sort_name", "code"),
            "urges": Urge.objects.select_related("agency", "sent_by")[:10],
        },
    )


@backoffice_required(roles=[StaffRole.Role.PROVINCE_OFFICE, StaffRole.Role.ICT_DEPARTMENT])
@require_POST
def urge(request):
    value = request.POST.get("agency", "")
    agency = Agency.objects.filter(pk=pk).first() if (pk := row_id(value)) is not None else None
    if agency is None:
        messages.error(request, _("Chọn cơ quan cần đôn đốc."))
        return redirect("reports:oversight")
    try:
        services.agency_urge(
            agency=agency,
            actor=request.user,
            message=request.POST.get("message", ""),
            request=request,
        )
        messages.success(
            request, _("Đã gửi đôn đốc đến lãnh đạo %(agency)s.") % {"agency": agency.name}
        )
    except ProblemError as exc:
        messages.error(request, exc.detail)
    return redirect("reports:oversight")


def _transparency_period(request):
    label = request.GET.get("ky", "")
    if not label:
        return current_quarter(), None
    try:
        return period_of(label), None
    except ProblemError as exc:
        return current_quarter(), exc.extra["errors"][0]["message"]


def transparency(request):
    """Anyone: per agency the on-time rate, the online share and the satisfaction of the current and
    the previous quarter (counts and rates only, no personal data; Regulation Art. 4.8)."""
    period, error = _transparency_period(request)
    selectors.fresh()
    current = selectors.transparency(period=period)
    previous_period = period.previous()
    previous = {r["agency_id"]: r for r in selectors.transparency(period=previous_period)}
    rows = [{**r, "previous": previous.get(r["agency_id"], {})} for r in current]
    charts = {
        "on_time": bar_chart_svg(
            [(r["agency"], r["on_time_rate"]) for r in rows], title=_("Tỷ lệ đúng hạn")
        ),
        "online": bar_chart_svg(
            [(r["agency"], r["online_rate"]) for r in rows],
            title=_("Tỷ lệ hồ sơ trực tuyến (mức độ 3–4)"),
        ),
        "satisfaction": bar_chart_svg(
            [(r["agency"], r["satisfaction_rate"]) for r in rows], title=_("Tỷ lệ hài lòng")
        ),
    }
    response = render(
        request,
        "reports/transparency.html",
        {
            "period": period,
            "previous_period": previous_period,
            "rows": rows,
            "charts": charts,
            "error": error,
            "typed_period": request.GET.get("ky", "")[:40] if error else period.label,
            "csv_url": reverse("reports:transparency_csv") + f"?ky={period.label}",
            "api_url": f"/api/v1/transparency?period={period.label}",
        },
        status=422 if error else 200,
    )
    return response


def transparency_csv_view(request):
    period, error = _transparency_period(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    body = transparency_csv(selectors.transparency(period=period), period_label=period.label)
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="minh-bach-{period.label}.csv"'
    return response
