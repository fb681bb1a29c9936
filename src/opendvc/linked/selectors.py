"""Reads of linked dossiers: the applicant's progress view, an agency's inbox and the figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.utils import timezone

from opendvc.accounts.permissions import can_act_for
from opendvc.agencies.selectors import visible_agency_ids
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services import staff_roles_at
from opendvc.worktime import timeliness

from .models import TERMINAL_PART_STATES, Handoff, Part, PartState


def is_applicant(user, dossier: Dossier) -> bool:
    """Whether ``user`` holds ``dossier`` as its applicant: the person who filed it, or a member of the
    organisation it was filed for (the representative and the authorised staff act in its name, as
    for every other dossier: ``dossiers.services.actor_roles``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if dossier.applicant_id == user.pk:
        return True
    return bool(dossier.acting_for_id) and can_act_for(user, dossier.acting_for)


def part_opens_for(user, part: Part) -> bool:
    """Whether ``user`` may open ``part`` in the back office: a lifecycle role over the part's agency
    (the page's check; the dossier's page links only such parts)."""
    return bool(staff_roles_at(user, part.agency_id))


def part_timeliness(part: Part, *, now: datetime | None = None) -> str:
    """early / on_time / late of a finished part (frozen), "late" for an open part past its due instant,
    "" otherwise. Only the agency's own allotment counts (its clock starts when it accepts the file)."""
    if part.on_time_class:
        return part.on_time_class
    if part.status in TERMINAL_PART_STATES or part.due_at is None:
        return ""
    now = now or timezone.now()
    return "late" if part.paused_at is None and now > part.due_at else ""


def dossier_progress(*, dossier: Dossier) -> dict[str, Any]:
    """Every part of the dossier with its agency, state, clock, result or reason, and the hand-offs."""
    parts = list(
        Part.objects.filter(dossier=dossier)
        .select_related("member", "agency", "officer")
        .prefetch_related("events", "result_files")
    )
    handoffs = list(
        Handoff.objects.filter(dossier=dossier).select_related(
            "from_part__member", "to_part__member", "from_part__agency", "to_part__agency"
        )
    )
    return {
        "parts": [
            {
                "part": p,
                "timeliness": part_timeliness(p),
                "events": list(p.events.all()),
                "files": list(p.result_files.all()),
            }
            for p in parts
        ],
        "handoffs": [
            {
                "handoff": h,
                "timeliness": h.on_time_class
                or ("late" if h.accepted_at is None and timezone.now() > h.due_at else ""),
            }
            for h in handoffs
        ],
        "all_ended": bool(parts) and all(p.status in TERMINAL_PART_STATES for p in parts),
        "results": [p for p in parts if p.status == PartState.DONE],
    }


def parts_for_officer(*, user, open_only: bool = True):
    ids = visible_agency_ids(user, roles={"receiving_officer", "processing_officer", "leader"})
    qs = Part.objects.select_related("dossier", "member", "member__bundle", "agency").order_by(
        "due_at", "pk"
    )
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    if open_only:
        qs = qs.exclude(status__in=TERMINAL_PART_STATES).exclude(status=PartState.WAITING)
    return qs


def linked_figures(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    agency_ids: list[int] | None = None,
) -> dict[str, Any]:
    """On-time figures per agency (each counts only its own allotment: parts it finished, early / on
    time / late against its due instant, and open parts already late), per hand-off receiver, and
    overall (the linked dossiers' own class against the one appointment)."""
    now = timezone.now()
    parts = Part.objects.select_related("agency", "member__bundle")
    if since:
        parts = parts.filter(created_at__gte=since)
    if until:
        parts = parts.filter(created_at__lt=until)
    if agency_ids is not None:
        parts = parts.filter(agency_id__in=agency_ids)
    agencies: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "early": 0,
            "on_time": 0,
            "late": 0,
            "open_late": 0,
            "open": 0,
            "refused": 0,
            "cancelled": 0,
        }
    )
    names: dict[int, str] = {}
    dossier_ids = set()
    for p in parts:
        row = agencies[p.agency_id]
        names[p.agency_id] = p.agency.name
        dossier_ids.add(p.dossier_id)
        if p.status == PartState.CANCELLED:
            row["cancelled"] += 1
        elif p.status in TERMINAL_PART_STATES:
            if p.status == PartState.REFUSED:
                row["refused"] += 1
            if p.on_time_class:
                row[p.on_time_class] += 1
        elif p.status != PartState.WAITING:
            row["open"] += 1
            if part_timeliness(p, now=now) == "late":
                row["open_late"] += 1
    handoffs: dict[int, dict[str, int]] = defaultdict(
        lambda: {"on_time": 0, "late": 0, "open_late": 0}
    )
    for h in Handoff.objects.filter(dossier_id__in=dossier_ids).select_related("to_part"):
        row = handoffs[h.to_part.agency_id]
        if h.accepted_at:
            row["late" if h.on_time_class == "late" else "on_time"] += 1
        elif now > h.due_at:
            row["open_late"] += 1
    rows = []
    for agency_id, row in agencies.items():
        counted = row["early"] + row["on_time"] + row["late"] + row["open_late"]
        rate = (
            round(100 * (counted - row["late"] - row["open_late"]) / counted, 1)
            if counted
            else None
        )
        rows.append(
            {
                "agency": names[agency_id],
                "agency_id": agency_id,
                **row,
                "on_time_rate": rate,
                "handoffs": dict(
                    handoffs.get(agency_id, {"on_time": 0, "late": 0, "open_late": 0})
                ),
            }
        )
    overall = {"early": 0, "on_time": 0, "late": 0, "open_late": 0}
    for d in Dossier.objects.filter(pk__in=dossier_ids).only(
        "on_time_class", "due_at", "finished_at", "status"
    ):
        if d.on_time_class:
            overall[d.on_time_class] += 1
        elif d.finished_at and d.due_at:
            overall[timeliness(done_at=d.finished_at, due_at=d.due_at)] += 1
        elif d.due_at and now > d.due_at:
            overall["open_late"] += 1
    counted = sum(overall.values())
    overall["on_time_rate"] = (
        round(100 * (counted - overall["late"] - overall["open_late"]) / counted, 1)
        if counted
        else None
    )
    return {
        "agencies": sorted(rows, key=lambda r: r["agency"]),
        "overall": overall,
        "dossiers": len(dossier_ids),
    }
