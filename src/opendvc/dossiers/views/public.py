"""Public pages: the lookup of a dossier's status by code and key, the finished dossiers (Regulation
Art. 4.8)."""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.agencies.models import Agency
from opendvc.api.params import MAX_PAGE
from opendvc.core.ratelimit import client_ip, ratelimit_hit

from .. import results, selectors


def lookup(request):
    code = (request.GET.get("ma") or "").strip()
    key = (request.GET.get("khoa") or "").strip()
    context = {"code": code, "key": key, "result": None, "not_found": False, "labels": selectors.ON_TIME_LABELS}
    # Only one of the two codes typed: the other is asked for at its input, rather than "not found".
    missing = {
        name: message
        for name, typed, message in (
            ("ma", code, _("Nhập mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.")),
            ("khoa", key, _("Nhập mã tra cứu in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.")),
        )
        if not typed
    }
    if (code or key) and missing:
        context["errors"] = missing
        return render(request, "dossiers/lookup.html", context, status=422)
    if code or key:
        if not ratelimit_hit(name="lookup", ident=client_ip(request)).allowed:
            context["rate_limited"] = True
            return render(request, "dossiers/lookup.html", context, status=429)
        result = selectors.public_status(code=code, key=key)
        context["result"] = result
        context["not_found"] = result is None
    return render(request, "dossiers/lookup.html", context)


PAGE = 50


CLASS_LABELS = {"early": gettext_lazy("Trước hạn"), "on_time": gettext_lazy("Đúng hạn"), "late": gettext_lazy("Trễ hạn")}


def _day(value: str) -> date | None:
    value = (value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def public_results(request):
    g = request.GET
    agencies = list(Agency.objects.filter(is_active=True).order_by("sort_name", "code"))
    agency = next((a for a in agencies if a.code == g.get("co-quan")), None)
    date_from, date_to = _day(g.get("tu-ngay", "")), _day(g.get("den-ngay", ""))
    errors = []
    for key, value in (("tu-ngay", date_from), ("den-ngay", date_to)):
        if g.get(key, "").strip() and value is None:
            errors.append(_("Ngày không hợp lệ: %(v)s (dùng dd/mm/yyyy).") % {"v": g.get(key)[:20]})
    errors += [e["message"] for e in results.check_period(date_from, date_to)]
    try:
        page = min(max(1, int(g.get("trang", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    rows = []
    if not errors:
        start = (page - 1) * PAGE
        rows = list(results.public_results(agency=agency, date_from=date_from, date_to=date_to)[start:start + PAGE + 1])
    params = g.copy()
    params.pop("trang", None)
    return render(request, "dossiers/public_results.html", {
        "agencies": agencies, "agency": agency, "date_from": date_from, "date_to": date_to, "errors": errors,
        "rows": rows[:PAGE], "has_next": len(rows) > PAGE, "page": page, "query": params.urlencode(),
        "labels": CLASS_LABELS, "raw": g,
    }, status=422 if errors else 200)

