"""Back-office pages of the step engine: the officer's work queue and the process editor (a dossier's
processing page and the leader's agency view are the dossiers' pages, ``dossiers.views.processing``).

Thin: reads in ``selectors``, writes through ``services``; a ``ProblemError`` is shown on the page in
Vietnamese and nothing is lost."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.backoffice.decorators import backoffice_required
from opendvc.catalog.models import Procedure
from opendvc.core.params import int_param
from opendvc.core.problems import ProblemError

from . import selectors, services
from .models import ClockOnWait, Process, StepRole

SR = StaffRole.Role
# Postal workers see only postal work (their queue: ``opendvc.postal``), not the dossiers' processing.
STAFF_ROLES = [SR.RECEIVING_OFFICER, SR.PROCESSING_OFFICER, SR.LEADER, SR.HEAD, SR.PROVINCE_OFFICE]
VIEW_LABELS = {"mine": gettext_lazy("Việc của tôi"), "queue": gettext_lazy("Chờ nhận trong phòng"), "due_soon": gettext_lazy("Sắp đến hạn"),
               "overdue": gettext_lazy("Quá hạn")}


def _messages(exc: ProblemError) -> list[str]:
    return exc.messages()


# The editor's rows: a process has a handful of steps; a tampered count does not make the page loop.
ROWS_MAX = 100


@backoffice_required(roles=STAFF_ROLES)
def work_queue(request):
    now = timezone.now()
    counts = selectors.queue_counts(user=request.user, now=now)
    view = request.GET.get("xem")
    if view not in selectors.VIEWS:
        # Opened without a choice: the officer's own steps, or the department's waiting ones when the
        # officer has none (a leader's approvals wait there until one is taken).
        view = "queue" if not counts["mine"] and counts["queue"] else "mine"
    department = int_param(request.GET.get("co-quan"))
    position = int_param(request.GET.get("buoc"))
    runs = list(selectors.work_queue(user=request.user, view=view, now=now, department_id=department,
                                     position=position)[:200])
    return render(request, "workflow/queue.html", {
        "view": view, "views": [(k, VIEW_LABELS[k], n) for k, n in counts.items()],
        "rows": [(r, selectors.step_state(r, now=now)) for r in runs], "labels": selectors.STATE_LABELS,
        "filtered": department is not None,
    })


@backoffice_required(roles=[SR.LEADER, SR.HEAD, SR.ADMINISTRATOR])
def process_edit(request, code: str):
    procedure = get_object_or_404(Procedure, code=code)
    ids = visible_agency_ids(request.user, roles={SR.LEADER, SR.HEAD, SR.ADMINISTRATOR})
    agencies = list((Agency.objects.all() if ids is None else Agency.objects.filter(pk__in=ids)).order_by("sort_name", "code"))
    agency = next((a for a in agencies if a.pk == int_param(request.POST.get("agency") or request.GET.get("co-quan"))), None)
    errors: list[str] = []
    steps: list[dict] = []
    clock = ClockOnWait.PAUSE
    if request.method == "POST":
        clock = request.POST.get("clock_on_wait", "")
        for i in range(min(max(int_param(request.POST.get("rows"), 0), 0), ROWS_MAX)):
            row = {k: request.POST.get(f"{k}-{i}", "").strip() for k in ("name", "role", "hours", "share")}
            if any(row.values()):
                row["department_id"] = int_param(request.POST.get(f"department-{i}"))
                steps.append(row)
        try:
            services.process_save(procedure=procedure, agency=agency, steps=steps, clock_on_wait=clock,
                                  actor=request.user, request=request)
        except ProblemError as exc:
            errors = _messages(exc)
        else:
            messages.success(request, _("Đã lưu phiên bản mới của quy trình."))
            return redirect(reverse("workflow:process_edit", args=[procedure.code]) +
                            (f"?co-quan={agency.pk}" if agency else ""))
    else:
        spec = services.process_for(procedure=procedure, agency=agency)
        clock = spec.clock_on_wait
        steps = [{"name": s.name, "role": s.role, "hours": s.hours or "", "share": s.share or "",
                  "department_id": s.department_id} for s in spec.steps]
    rows = steps + [{"name": "", "role": "", "hours": "", "share": ""}] * 2
    return render(request, "workflow/process_edit.html", {
        "procedure": procedure, "agency": agency, "agencies": agencies, "rows": rows, "errors": errors,
        "roles": StepRole.choices, "clocks": ClockOnWait.choices, "clock": clock,
        "total": services.statutory_hours(procedure=procedure),
        "versions": Process.objects.filter(procedure=procedure, agency=agency).order_by("-version")[:10],
    }, status=422 if errors else 200)
