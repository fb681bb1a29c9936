"""Reads of the step engine: the officer's work queue, a dossier's steps, the leader's agency view."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from opendvc.agencies.models import StaffRole
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.worktime import add_working_time, default_calendar

from .models import StepRun

VIEWS = ("mine", "queue", "due_soon", "overdue")
# The labels of ``step_state``.
STATE_LABELS = {"early": gettext_lazy("Trước hạn"), "on_time": gettext_lazy("Trong hạn"), "late": gettext_lazy("Trễ hạn"), "overdue": gettext_lazy("Quá hạn"),
                "due_soon": gettext_lazy("Sắp đến hạn"), "paused": gettext_lazy("Tạm dừng (chờ người nộp)")}


def due_soon_threshold(now: datetime) -> datetime:
    """Due instants up to this one are "due soon", for dossiers and their steps alike:
    ``DOSSIER_DUE_SOON_HOURS`` working hours (one working day by default, configurable) after ``now`` on
    the portal calendar."""
    return add_working_time(now, settings.DOSSIER_DUE_SOON_HOURS, "working_hours", calendar=default_calendar())


def held_roles(user) -> list[tuple[int, str]]:
    """(agency id, role) pairs the user holds, active."""
    return list(StaffRole.objects.filter(user=user, is_active=True).values_list("agency_id", "role"))


def _queue_q(user) -> Q:
    q = Q(pk__in=[])
    for agency_id, role in held_roles(user):
        q |= Q(department_id=agency_id, role=role)
    return q


def work_queue(*, user, view: str = "mine", now: datetime | None = None, department_id: int | None = None,
               position: int | None = None) -> QuerySet[StepRun]:
    """Open steps for ``user``: ``mine`` (assigned to them), ``queue`` (unclaimed in their departments for
    their roles), ``due_soon`` and ``overdue`` (either of those, by the stored due instant). Leaders of a
    department also see its steps filtered by ``department_id``/``position`` (links from the agency
    view). Soonest due first."""
    now = now or timezone.now()
    open_runs = StepRun.objects.filter(left_at__isnull=True)
    mine = Q(assignee=user)
    queue = Q(assignee__isnull=True) & _queue_q(user)
    if department_id is not None:
        ids = visible_agency_ids(user, roles={StaffRole.Role.LEADER, StaffRole.Role.HEAD})
        scope = Q(department_id=department_id) if ids is None or department_id in ids else mine & Q(
            department_id=department_id)
        qs = open_runs.filter(scope)
        if position is not None:
            qs = qs.filter(position=position)
    elif view == "queue":
        qs = open_runs.filter(queue)
    elif view in ("due_soon", "overdue"):
        qs = open_runs.filter(mine | queue)
    else:
        qs = open_runs.filter(mine)
    if view == "due_soon":
        qs = qs.filter(due_at__gte=now, due_at__lte=due_soon_threshold(now), paused_at__isnull=True)
    elif view == "overdue":
        qs = qs.filter(due_at__lt=now, paused_at__isnull=True)
    return (qs.select_related("dossier", "dossier__procedure", "assignee", "department")
            .only(*LIST_FIELDS).order_by("due_at", "pk"))


# What the lists show (the rows are read without the dossiers' form data and the procedures' texts).
LIST_FIELDS = ("id", "position", "name", "role", "entered_at", "due_at", "paused_at", "left_at", "timing",
               "outcome", "assignee_id", "department_id", "dossier_id", "dossier__code", "dossier__procedure_id",
               "dossier__procedure__name", "dossier__procedure__code", "assignee__full_name",
               "department__name", "department__short_name")


def queue_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    """The four list sizes: one aggregate over the user's steps and one over their queues (each on its
    partial index)."""
    now = now or timezone.now()
    soon = due_soon_threshold(now)
    running = Q(paused_at__isnull=True)
    counts = {
        "due_soon": Count("id", filter=running & Q(due_at__gte=now, due_at__lte=soon)),
        "overdue": Count("id", filter=running & Q(due_at__lt=now)),
        "n": Count("id"),
    }
    open_runs = StepRun.objects.filter(left_at__isnull=True)
    mine = open_runs.filter(assignee=user).aggregate(**counts)
    queue = open_runs.filter(Q(assignee__isnull=True) & _queue_q(user)).aggregate(**counts)
    return {"mine": mine["n"], "queue": queue["n"], "due_soon": mine["due_soon"] + queue["due_soon"],
            "overdue": mine["overdue"] + queue["overdue"]}


def step_runs(dossier) -> list[StepRun]:
    return list(StepRun.objects.filter(dossier=dossier).select_related("assignee", "department", "left_by")
                .order_by("entered_at", "pk"))


def step_state(run: StepRun, *, now: datetime | None = None) -> str:
    """early/on_time/late once left; paused, overdue, due_soon or on_time while open."""
    now = now or timezone.now()
    if run.left_at is not None:
        return run.timing
    if run.paused_at is not None:
        return "paused"
    if now > run.due_at:
        return "overdue"
    if run.due_at <= due_soon_threshold(now):
        return "due_soon"
    return "on_time"


def agency_open_steps(*, agency, now: datetime | None = None) -> list[tuple[int, str, int, int]]:
    """The open steps of the agency's dossiers per step: (position, name, open, overdue)."""
    now = now or timezone.now()
    steps = (StepRun.objects.filter(left_at__isnull=True, dossier__receiving_agency=agency)
             .values("position", "name").annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now)))
             .order_by("position", "name"))
    return [(s["position"], s["name"], s["n"], s["late"]) for s in steps]


def bar_chart_svg(*, bars: list[tuple[str, int]], title: str, width: int = 640) -> str:
    """A horizontal bar chart as an SVG string (no script, no inline style attributes): one labelled
    bar per row, value printed after the bar. The text is escaped."""
    row, label_w, pad = 28, 230, 8
    height = row * len(bars) + 2 * pad
    top = max((v for _, v in bars), default=0) or 1
    room = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="chart-title" class="chart"><title id="chart-title">{escape(title)}</title>']
    for i, (label, value) in enumerate(bars):
        y = pad + i * row
        w = round(room * value / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end" font-size="13" fill="#1a1a1a">'
                     f'{escape(label[:34])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="18" fill="#0b5394"></rect>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 18}" font-size="13" fill="#1a1a1a">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
