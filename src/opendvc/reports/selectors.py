"""Reads of the reports app: the figures of a period, the drill-down lists, the oversight views and the
public transparency figures (no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from opendvc.agencies.models import StaffRole
from opendvc.agencies.permissions import scope_to_visible_agencies
from opendvc.agencies.selectors import has_any_role
from opendvc.core.collation import sort_key
from opendvc.feedback.timing import THEN, late_since
from opendvc.linked.selectors import linked_figures
from opendvc.worktime import VN_TZ

from . import figures as F
from .facts import facts_refresh_if_stale
from .indicators import current_set, evaluate
from .models import DossierFact, Report
from .periods import Period, parse_as_of

OVERSIGHT_ROLES = [
    StaffRole.Role.PROVINCE_OFFICE,
    StaffRole.Role.ICT_DEPARTMENT,
    StaffRole.Role.ADMINISTRATOR,
]
REPORT_ROLES = [
    StaffRole.Role.LEADER,
    StaffRole.Role.HEAD,
    StaffRole.Role.PROVINCE_OFFICE,
    StaffRole.Role.ICT_DEPARTMENT,
    StaffRole.Role.ADMINISTRATOR,
]


def fresh() -> None:
    """Bring the facts up to date before a page or an API answer counts them (at most once a minute)."""

    facts_refresh_if_stale()


def window_for(period: Period, as_of: str | None = None) -> F.Window:
    return F.Window(start=period.start_at, cutoff=parse_as_of(as_of, period))


def period_figures(
    *,
    period: Period,
    as_of: str | None = None,
    dimension: str = "agency",
    agency_ids: list[int] | None = None,
    indicator_set=None,
) -> dict[str, Any]:
    """Every table of a period: dossiers by ``dimension``, feedback per agency and per channel, surveys
    per agency, and the indicators of the set in force (or ``indicator_set``), with display labels."""
    w = window_for(period, as_of)
    dossiers = F.dossier_table(window=w, dimension=dimension, agency_ids=agency_ids)
    feedback = F.feedback_table(window=w, agency_ids=agency_ids)
    feedback_channels = F.feedback_table(window=w, agency_ids=agency_ids, dimension="channel")
    surveys = F.survey_table(window=w, agency_ids=agency_ids)
    iset = indicator_set or current_set(period.end)
    totals = {**dossiers.total, **feedback.total, **surveys.total}
    labels = F.labels_for(dimension, [r["key"] for r in dossiers.rows])
    agency_labels = F.labels_for("agency", [r["key"] for r in feedback.rows + surveys.rows])
    channel_labels = F.labels_for("channel", [r["key"] for r in feedback_channels.rows])
    return {
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "as_of": w.cutoff.astimezone(VN_TZ).isoformat(),
        },
        "dimension": dimension,
        "dossiers": {
            "rows": [
                {**r, "label": labels.get(r["key"], "—") if dimension else "Toàn tỉnh"}
                for r in dossiers.rows
            ],
            "total": dossiers.total,
        },
        "feedback": {
            "rows": [{**r, "label": agency_labels.get(r["key"], "—")} for r in feedback.rows],
            "total": feedback.total,
        },
        "feedback_channels": {
            "rows": [
                {**r, "label": channel_labels.get(r["key"], r["key"])}
                for r in feedback_channels.rows
            ],
            "total": feedback_channels.total,
        },
        "surveys": {
            "rows": [{**r, "label": agency_labels.get(r["key"], "—")} for r in surveys.rows],
            "total": surveys.total,
        },
        "indicators": evaluate(iset.definitions, totals),
        "indicator_set": {"version": iset.version, "title": iset.title},
    }


def dossier_rows(
    *, period: Period, dimension: str, agency_ids: list[int] | None = None, as_of: str | None = None
) -> dict[str, Any]:
    """Only the dossier table of a period by ``dimension``, with display labels."""
    table = F.dossier_table(
        window=window_for(period, as_of), dimension=dimension, agency_ids=agency_ids
    )
    labels = F.labels_for(dimension, [r["key"] for r in table.rows])
    return {
        "rows": [{**r, "label": labels.get(r["key"], "—")} for r in table.rows],
        "total": table.total,
    }


def drilldown_dossiers(
    *,
    name: str,
    period: Period,
    as_of: str | None = None,
    dimension: str = "",
    key: str = "",
    agency_ids: list[int] | None = None,
) -> QuerySet[DossierFact]:
    """The dossiers behind one number (same filter as the count)."""
    w = window_for(period, as_of)
    qs = DossierFact.objects.filter(F.dossier_filter(name, w))
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    column = F.DIMENSIONS.get(dimension, (None,))[0]
    if column and key != "":
        qs = qs.filter(**{column: key})
    return qs.order_by("received_at", "submitted_at", "dossier_id")


def drilldown_feedback(
    *,
    name: str,
    period: Period,
    as_of: str | None = None,
    key: str = "",
    dimension: str = "agency",
    agency_ids: list[int] | None = None,
) -> QuerySet:

    w = window_for(period, as_of)
    qs = F.feedback_at(w).filter(F.feedback_filter(name, w))
    if agency_ids is not None:
        qs = qs.filter(then_agency_id__in=agency_ids)
    if key != "":
        qs = qs.filter(**{"channel" if dimension == "channel" else "then_agency_id": key})
    # When each item became late, as the figures count it at the cut-off (empty when it was not late
    # then, even if it became late afterwards). The rows carry the item's state at the cut-off
    # (``then_agency_id``, ``then_forwarded_at``, ``then_answered_at``), which the list shows.
    return qs.annotate(late_since=late_since(w.cutoff, THEN)).order_by("then_forwarded_at", "pk")


def longest_overdue_dossiers(
    *, limit: int = 20, now: datetime | None = None
) -> QuerySet[DossierFact]:
    """The open dossiers past their due instant now (the figure ``in_progress_overdue``), the longest
    overdue first."""
    now = now or timezone.now()
    overdue_now = F.dossier_filter("in_progress_overdue", F.Window(start=now, cutoff=now))
    return DossierFact.objects.filter(overdue_now).order_by("overdue_since")[:limit]


def longest_overdue_feedback(*, limit: int = 20, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    w = F.Window(start=now, cutoff=now)
    return (
        F.feedback_at(w)
        .filter(F.feedback_filter("fb_overdue", w))
        .select_related("agency")
        # Late since the recorded instant, or since the deadline the periodic job has yet to record.
        .annotate(late_since=late_since(now, THEN))
        .order_by("late_since")[:limit]
    )


def monthly_trend(
    *, months: int = 12, now: datetime | None = None, agency_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Handled and late per month (by the month the dossier finished), the last ``months`` months."""

    now = now or timezone.now()
    local = now.astimezone(VN_TZ)
    y, m = local.year, local.month - months + 1
    while m <= 0:
        y, m = y - 1, m + 12
    start = datetime(y, m, 1, tzinfo=VN_TZ)
    # The figures "handled" and "handled_late" of each month (up to now for the current one).
    w = F.Window(start=start, cutoff=now)
    qs = DossierFact.objects.filter(F.dossier_filter("handled", w))
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = (
        qs.annotate(month=TruncMonth("finished_at", tzinfo=VN_TZ))
        .values("month")
        .annotate(handled=Count("pk"), late=Count("pk", filter=F.dossier_filter("handled_late", w)))
        .order_by("month")
    )
    return [
        {
            "month": r["month"].strftime("%m/%Y"),
            "handled": r["handled"],
            "late": r["late"],
            "on_time_rate": F.rate(r["handled"] - r["late"], r["handled"]),
        }
        for r in rows
    ]


def reports_visible(user) -> QuerySet[Report]:
    """Reports the user may see: province-wide ones and their agencies' (oversight roles see all)."""

    qs = Report.objects.select_related("agency", "generated_by", "indicator_set")
    if user.is_superuser or has_any_role(user, OVERSIGHT_ROLES):
        return qs
    scoped = scope_to_visible_agencies(qs.filter(agency__isnull=False), user, field="agency")
    return qs.filter(pk__in=scoped.values("pk"))


def transparency(*, period: Period) -> list[dict[str, Any]]:
    """Per agency: on-time rate, online share (levels 3–4) and satisfaction for ``period`` — counts and
    rates only, no personal data (Regulation Art. 4.8)."""
    w = window_for(period)
    dossiers = F.dossier_table(window=w, dimension="agency")
    surveys = {r["key"]: r for r in F.survey_table(window=w).rows}
    labels = F.labels_for("agency", [r["key"] for r in dossiers.rows] + list(surveys))
    out = []
    for r in dossiers.rows:
        sv = surveys.get(r["key"], {})
        late = F.late_dossiers(r)
        out.append(
            {
                "agency": labels.get(r["key"], "—"),
                "agency_id": r["key"],
                "to_handle": r["to_handle"],
                "late": late,
                "on_time_rate": F.rate(r["to_handle"] - late, r["to_handle"]),
                "received_l34": r["received_l34"],
                "received_online_l34": r["received_online_l34"],
                "online_rate": F.rate(r["received_online_l34"], r["received_l34"]),
                "survey_answers": sv.get("sv_answers", 0),
                "satisfied": sv.get("sv_satisfied", 0),
                "satisfaction_rate": F.rate(sv.get("sv_satisfied", 0), sv.get("sv_answers", 0)),
            }
        )
    return sorted(out, key=lambda row: (sort_key(row["agency"]), row["agency_id"]))


def linked_period_figures(*, period: Period, agency_ids: list[int] | None = None) -> dict[str, Any]:
    """Linked dossiers (Decree 61/2018/NĐ-CP Art. 4) whose parts opened in ``period``: on time per
    member agency, each counting only its own allotment (its clock from the hand-off it accepted to its
    result), and overall against the one appointment of the dossier."""
    return linked_figures(since=period.start_at, until=period.end_at, agency_ids=agency_ids)
