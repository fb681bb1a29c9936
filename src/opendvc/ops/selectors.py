"""Reading incidents: what is open now, the last days for the status page, one quarter for the
quarterly report (Regulation Art. 10.3, 13.10)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Incident, Severity


def incidents_current() -> QuerySet[Incident]:
    return Incident.objects.filter(resolved_at__isnull=True).prefetch_related("updates")


def incidents_recent(*, days: int = 90, now: dt.datetime | None = None) -> QuerySet[Incident]:
    """Incidents open at any moment of the last ``days`` days, newest first."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    return Incident.objects.filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=since)
    ).prefetch_related("updates")


@dataclass(frozen=True)
class QuarterIncidents:
    year: int
    quarter: int
    total: int
    by_severity: dict[str, int]
    downtime_minutes: int  # summed over incidents, clipped to the quarter
    incidents: list[Incident]


def _quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1..4")
    tz = timezone.get_default_timezone()
    start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = dt.datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=tz)
    return start, end


def incidents_per_quarter(
    *, year: int, quarter: int, now: dt.datetime | None = None
) -> QuarterIncidents:
    """The incidents that overlap the quarter (Vietnam time), counted by severity, with their total
    duration inside the quarter (an incident still open counts until ``now``)."""
    start, end = _quarter_bounds(year, quarter)
    now = now or timezone.now()
    rows = list(
        Incident.objects.filter(started_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
        .order_by("started_at")
    )
    by_severity = dict.fromkeys(Severity.values, 0)
    minutes = 0
    for incident in rows:
        by_severity[incident.severity] += 1
        until = min(incident.resolved_at or now, end)
        minutes += max(0, int((until - max(incident.started_at, start)).total_seconds() // 60))
    return QuarterIncidents(year, quarter, len(rows), by_severity, minutes, rows)
