"""Pages of part 2: the applicant's supplement, the public results (Regulation Art. 4.8)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opendvc.core.problems import ProblemError

from . import results, selectors, services
from .lifecycle import Action, State
from .uploads import UploadError, check_file, read_limited

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
    if request.method == "POST":
        files = []
        for f in request.FILES.getlist("tep"):
            try:
                files.append((None, check_file(name=f.name, content=read_limited(f))))
            except UploadError as exc:
                errors.append(f"{f.name}: {exc.message}")
        if not files and not errors:
            errors.append(_("Hãy đính kèm ít nhất một tệp giấy tờ bổ sung."))
        if not errors:
            try:
                results.supplement_add_files(dossier=dossier, actor=request.user, files=files, request=request)
                note = request.POST.get("ghi-chu", "").strip()
                services.dossier_transition(dossier=dossier, action=Action.SUPPLY, actor=request.user,
                                            request=request, **({"note": note} if note else {}))
            except ProblemError as exc:
                errors = [exc.detail] + [e.get("message", "") for e in exc.extra.get("errors") or []]
            else:
                messages.success(request, _("Đã nộp bổ sung; hồ sơ tiếp tục được xử lý."))
                return redirect("dossiers:mine_detail", public_id=dossier.public_id)
    return render(request, "dossiers/supplement.html", {"dossier": dossier, "errors": errors},
                  status=422 if errors else 200)


def public_results(request):
    from opendvc.agencies.models import Agency

    g = request.GET
    agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
    agency = next((a for a in agencies if a.code == g.get("co-quan")), None)
    date_from, date_to = _day(g.get("tu-ngay", "")), _day(g.get("den-ngay", ""))
    errors = []
    for key, value in (("tu-ngay", date_from), ("den-ngay", date_to)):
        if g.get(key, "").strip() and value is None:
            errors.append(_("Ngày không hợp lệ: %(v)s (dùng dd/mm/yyyy).") % {"v": g.get(key)[:20]})
    errors += [e["message"] for e in results.check_period(date_from, date_to)]
    try:
        page = max(1, int(g.get("trang", "1")))
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
