"""The figures: counted from the facts table (dossiers), the feedback items' frozen instants and the
survey answers, for one period as of a cut-off instant. Never from the current status.

Each figure has a name (``FIGURES``), a label and a filter (``dossier_filter`` / ``feedback_filter``)
used both to count it and to list the items behind it (drill-down), so a number and its list cannot
disagree. Legal basis: Regulation Art. 10.3, 13.2, 13.10, 16.1; QĐ 766/QĐ-TTg (indicators).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from opendvc.agencies.models import Agency, Tier
from opendvc.catalog.models import Field, Procedure
from opendvc.dossiers.lifecycle import State as DossierState
from opendvc.dossiers.models import Channel
from opendvc.feedback.models import Channel as FeedbackChannel
from opendvc.feedback.models import Feedback
from opendvc.feedback.timing import THEN, late_at_q, state_at, withdrawn_q
from opendvc.surveys.models import SurveyResponse

from .models import DossierFact

ONLINE = ("online", "national_portal")
HANDLED = ("returned", "stopped")
DIMENSIONS = {
    "agency": ("agency_id", _("Cơ quan")),
    "field": ("field_id", _("Lĩnh vực")),
    "procedure": ("procedure_id", _("Thủ tục")),
    "tier": ("tier_id", _("Cấp")),
    "level": ("level", _("Mức độ")),
    "channel": ("channel", _("Hình thức nộp")),
    "": (None, _("Toàn tỉnh")),
}


@dataclass(frozen=True)
class Window:
    start: datetime  # first instant of the period
    cutoff: datetime  # exclusive: end of the period or the "as of" instant, never after now


def dossier_filter(name: str, w: Window) -> Q:
    """The facts counted by figure ``name`` in window ``w``."""
    s, c = w.start, w.cutoff
    received_in = Q(received_at__gte=s, received_at__lt=c)
    finished_in = Q(finished_at__gte=s, finished_at__lt=c)
    open_at_cutoff = Q(received_at__lt=c) & (Q(finished_at__isnull=True) | Q(finished_at__gte=c))
    overdue_at_cutoff = Q(overdue_since__lt=c)
    handled = finished_in & Q(outcome__in=HANDLED)
    table = {
        "submitted": Q(submitted_at__gte=s, submitted_at__lt=c),
        "carried_over": Q(received_at__lt=s)
        & (Q(finished_at__isnull=True) | Q(finished_at__gte=s)),
        "received_new": received_in,
        "to_handle": (Q(received_at__lt=s) & (Q(finished_at__isnull=True) | Q(finished_at__gte=s)))
        | received_in,
        "handled": handled,
        "handled_early": handled & Q(on_time_class="early"),
        "handled_on_time": handled & Q(on_time_class="on_time"),
        "handled_late": handled & Q(on_time_class="late"),
        "in_progress": open_at_cutoff,
        "in_progress_on_time": open_at_cutoff & ~overdue_at_cutoff,
        "in_progress_overdue": open_at_cutoff & overdue_at_cutoff,
        "withdrawn": finished_in & Q(outcome="withdrawn"),
        "refused": finished_in & Q(outcome="refused"),
        "returned_for_completion": Q(completion_returned_at__gte=s, completion_returned_at__lt=c),
        "received_l34": received_in & Q(level__in=(3, 4)),
        "received_online_l34": received_in & Q(level__in=(3, 4), channel__in=ONLINE),
        "received_online": received_in & Q(channel__in=ONLINE),
        "received_counter": received_in & Q(channel="counter"),
        "received_postal": received_in & Q(channel="postal"),
        "with_fee": finished_in & Q(fee_paid_online__isnull=False),
        "paid_online": finished_in & Q(fee_paid_online=True),
        "result_online": finished_in & Q(outcome="returned", return_method="online"),
        "result_postal": finished_in & Q(outcome="returned", return_method="postal"),
        "result_counter": finished_in & Q(outcome="returned", return_method="counter"),
        "apologies": Q(apology_at__gte=s, apology_at__lt=c),
    }
    if name not in table:
        raise KeyError(name)
    return table[name]


DOSSIER_FIGURES: dict[str, Any] = {
    "submitted": _("Hồ sơ nộp trong kỳ"),
    "carried_over": _("Tồn kỳ trước chuyển sang"),
    "received_new": _("Tiếp nhận mới trong kỳ"),
    "to_handle": _("Tổng số phải giải quyết"),
    "handled": _("Đã giải quyết"),
    "handled_early": _("Giải quyết trước hạn"),
    "handled_on_time": _("Giải quyết đúng hạn"),
    "handled_late": _("Giải quyết trễ hạn"),
    "in_progress": _("Đang giải quyết"),
    "in_progress_on_time": _("Đang giải quyết, trong hạn"),
    "in_progress_overdue": _("Đang giải quyết, quá hạn"),
    "withdrawn": _("Rút hồ sơ"),
    "refused": _("Từ chối tiếp nhận"),
    "returned_for_completion": _("Yêu cầu bổ sung, hoàn thiện"),
    "received_l34": _("Tiếp nhận mới, thủ tục mức độ 3–4"),
    "received_online_l34": _("Tiếp nhận trực tuyến, mức độ 3–4"),
    "received_online": _("Tiếp nhận trực tuyến"),
    "received_counter": _("Tiếp nhận trực tiếp"),
    "received_postal": _("Tiếp nhận qua bưu chính"),
    "with_fee": _("Hồ sơ có phí, lệ phí đã nộp"),
    "paid_online": _("Nộp phí, lệ phí trực tuyến"),
    "result_online": _("Trả kết quả trực tuyến"),
    "result_postal": _("Trả kết quả qua bưu chính"),
    "result_counter": _("Trả kết quả trực tiếp"),
    "apologies": _("Phiếu xin lỗi, hẹn lại"),
}

FEEDBACK_FIGURES: dict[str, Any] = {
    "fb_received": _("Phản ánh, kiến nghị nhận trong kỳ"),
    "fb_answered_focal": _("Trả lời đúng hạn (cán bộ đầu mối)"),
    "fb_answered_head": _("Trả lời đúng hạn (thủ trưởng)"),
    "fb_answered_late": _("Trả lời trễ hạn"),
    "fb_open": _("Đang xử lý, trong hạn"),
    "fb_overdue": _("Trễ hạn (đang chờ xử lý)"),
    "fb_rescheduled": _("Hẹn lại thời gian trả lời"),
}

SURVEY_FIGURES: dict[str, Any] = {
    "sv_answers": _("Phiếu khảo sát đã trả lời"),
    "sv_satisfied": _("Hài lòng"),
    "sv_not_satisfied": _("Không hài lòng"),
}

DERIVED: dict[str, Any] = {
    "avg_days": _("Thời gian giải quyết trung bình (ngày làm việc)"),
    "p90_days": _("Thời gian giải quyết, phân vị 90 (ngày làm việc)"),
}

FIGURES = {**DOSSIER_FIGURES, **FEEDBACK_FIGURES, **SURVEY_FIGURES, **DERIVED}


def feedback_filter(name: str, w: Window) -> Q:
    """The feedback items counted by ``name``, on ``feedback_at(w)``: read from the frozen instants of
    the forwarding that held each item at the cut-off (``feedback.timing.state_at``: forwarded,
    escalated, answered, rescheduled, ``overdue_since`` which is never cleared; an ended forwarding as
    it stood when a send-back or a reopening ended it) and the instant of the withdrawal.
    So the figures and lists of a past cut-off count each item as it was then, whatever it did
    afterwards. Items withdrawn before the cut-off leave the open counts (``timing.withdrawn_q``); a
    rejected item is never at an agency (the switchboard rejects it), so it counts only through a
    forwarding that ended after the cut-off, as it was then."""
    s, c = w.start, w.cutoff
    forwarded = Q(then_agency_id__isnull=False, then_forwarded_at__lt=c)
    answered_in = Q(then_answered_at__gte=s, then_answered_at__lt=c)
    # Late by the feedback app's one rule (``feedback.timing.late_at_q``): an answer is late when the
    # item was late at the instant of the answer; an open item when it was late at the cut-off.
    not_late = ~late_at_q(F("then_answered_at"), THEN)
    by_focal = Q(then_escalated_at__isnull=True) | Q(then_escalated_at__gt=F("then_answered_at"))
    open_at = (
        forwarded
        & (Q(then_answered_at__isnull=True) | Q(then_answered_at__gte=c))
        & ~withdrawn_q(c)
    )
    late_at = late_at_q(c, THEN)
    table = {
        "fb_received": forwarded & Q(then_forwarded_at__gte=s),
        "fb_answered_focal": forwarded & answered_in & not_late & by_focal,
        "fb_answered_head": forwarded & answered_in & not_late & ~by_focal,
        "fb_answered_late": forwarded & answered_in & ~not_late,
        "fb_open": open_at & ~late_at,
        "fb_overdue": open_at & late_at,
        # The reschedule of the forwarding that held the item at the cut-off (one per forwarding,
        # Regulation Art. 8.3; a send-back or a reopening since keeps it in ``FeedbackRound``).
        "fb_rescheduled": Q(
            then_agency_id__isnull=False, then_rescheduled_at__gte=s, then_rescheduled_at__lt=c
        ),
    }
    return table[name]


def feedback_at(w: Window) -> QuerySet:
    """The items at an agency at the cut-off of ``w`` (``feedback.timing.state_at``), each with its
    state then: what ``feedback_filter`` reads."""
    return Feedback.objects.annotate(**state_at(w.cutoff)).filter(then_agency_id__isnull=False)


@dataclass
class Table:
    dimension: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)


def _p90(histogram: dict[int, int]) -> float | None:
    n = sum(histogram.values())
    if not n:
        return None
    rank = 0.9 * n
    seen = 0
    for tenths in sorted(histogram):
        seen += histogram[tenths]
        if seen >= rank:
            return tenths / 10
    return max(histogram) / 10


def dossier_table(
    *,
    window: Window,
    dimension: str = "agency",
    agency_ids: list[int] | None = None,
    base: Q | None = None,
    names: list[str] | None = None,
    with_days: bool = True,
) -> Table:
    """One row per value of ``dimension`` (and the total), every dossier figure plus the average and
    p90 processing time in working days (from a histogram by tenth of a day, counted in SQL)."""
    column = DIMENSIONS[dimension][0]
    qs = DossierFact.objects.all()
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    if base is not None:
        qs = qs.filter(base)
    # Only facts that can count in the window: received, filed or finished before its cut-off and
    # not finished before it started.
    qs = qs.filter(
        Q(submitted_at__lt=window.cutoff)
        & (
            Q(finished_at__isnull=True)
            | Q(finished_at__gte=window.start)
            | Q(completion_returned_at__gte=window.start)
            | Q(apology_at__gte=window.start)
        )
    )
    names = list(names or DOSSIER_FIGURES)
    aggregates = {name: Count("pk", filter=dossier_filter(name, window)) for name in names}
    handled = dossier_filter("handled", window) & Q(processing_tenths__isnull=False)
    if with_days:
        aggregates["_days_sum"] = Sum("processing_tenths", filter=handled)
        aggregates["_days_n"] = Count("pk", filter=handled)
    group = [column] if column else []
    rows = (
        list(qs.values(*group).annotate(**aggregates).order_by(*group))
        if group
        else [qs.aggregate(**aggregates)]
    )
    hist: dict[Any, dict[int, int]] = defaultdict(dict)
    if with_days:
        for row in (
            qs.filter(handled)
            .values(*group, "processing_tenths")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            hist[row[column] if column else None][row["processing_tenths"]] = row["n"]
    total_hist: dict[int, int] = defaultdict(int)
    for h in hist.values():
        for k, v in h.items():
            total_hist[k] += v
    table = Table(dimension=dimension)
    totals: dict[str, Any] = dict.fromkeys(names, 0)
    for row in rows:
        key = row.get(column) if column else None
        out = {"key": key, **{name: row[name] or 0 for name in names}}
        out["avg_days"] = (
            round(row["_days_sum"] / row["_days_n"] / 10, 1) if row.get("_days_n") else None
        )
        out["p90_days"] = _p90(hist.get(key, {}))
        for name in names:
            totals[name] += out[name]
        if column is None or any(out[name] for name in names):
            table.rows.append(out)
    n = sum(total_hist.values())
    totals["avg_days"] = round(sum(k * v for k, v in total_hist.items()) / n / 10, 1) if n else None
    totals["p90_days"] = _p90(total_hist)
    table.total = totals
    return table


def feedback_table(
    *, window: Window, agency_ids: list[int] | None = None, dimension: str = "agency"
) -> Table:
    """Feedback figures per agency (or per ``channel``)."""

    column = {"agency": "then_agency_id", "channel": "channel"}.get(dimension, "then_agency_id")
    qs = feedback_at(window)
    if agency_ids is not None:
        qs = qs.filter(then_agency_id__in=agency_ids)
    aggregates = {
        name: Count("pk", filter=feedback_filter(name, window)) for name in FEEDBACK_FIGURES
    }
    rows = qs.values(column).annotate(**aggregates).order_by(column)
    table = Table(dimension=dimension if dimension == "channel" else "agency")
    table.total = dict.fromkeys(FEEDBACK_FIGURES, 0)
    for row in rows:
        out = {"key": row[column], **{k: row[k] for k in FEEDBACK_FIGURES}}
        if any(out[k] for k in FEEDBACK_FIGURES):
            table.rows.append(out)
            for k in FEEDBACK_FIGURES:
                table.total[k] += out[k]
    return table


def survey_table(*, window: Window, agency_ids: list[int] | None = None) -> Table:
    """Survey answers per agency: answered, satisfied, not satisfied (Regulation Art. 7.4)."""

    qs = SurveyResponse.objects.filter(created_at__gte=window.start, created_at__lt=window.cutoff)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = (
        qs.values("agency_id")
        .annotate(
            sv_answers=Count("pk"),
            sv_satisfied=Count("pk", filter=Q(satisfied=True)),
            sv_not_satisfied=Count("pk", filter=Q(satisfied=False)),
        )
        .order_by("agency_id")
    )
    table = Table(dimension="agency", total=dict.fromkeys(SURVEY_FIGURES, 0))
    for row in rows:
        out = {"key": row["agency_id"], **{k: row[k] for k in SURVEY_FIGURES}}
        table.rows.append(out)
        for k in SURVEY_FIGURES:
            table.total[k] += out[k]
    return table


def labels_for(dimension: str, keys: list[Any]) -> dict[Any, str]:
    """Display names of the keys of a dimension."""

    keys = [k for k in keys if k is not None]
    if dimension == "agency":
        return {
            pk: (short or name)
            for pk, short, name in Agency.objects.filter(pk__in=keys).values_list(
                "pk", "short_name", "name"
            )
        }
    if dimension == "field":
        return dict(Field.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "procedure":
        return {
            pk: f"{code} – {name}"
            for pk, code, name in Procedure.objects.filter(pk__in=keys).values_list(
                "pk", "code", "name"
            )
        }
    if dimension == "tier":
        return dict(Tier.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "level":
        return {k: str(_("Mức độ %(n)s") % {"n": k}) for k in keys}
    if dimension == "channel":
        names = {**dict(FeedbackChannel.choices), **dict(Channel.choices)}
        return {k: str(names.get(k, k)) for k in keys}
    return {}


ON_TIME_CLASSES = {"early": _("Trước hạn"), "on_time": _("Đúng hạn"), "late": _("Trễ hạn")}


def fact_labels(fact: DossierFact) -> dict[str, str]:
    """What a row of the facts table shows on a page: the channel, the finishing state and the
    on-time class in words (the table keeps their keys)."""
    outcome = str(dict(DossierState.choices).get(fact.outcome, fact.outcome)) if fact.outcome else ""
    on_time = ON_TIME_CLASSES.get(fact.on_time_class)
    return {
        "channel": str(dict(Channel.choices).get(fact.channel, fact.channel)),
        "outcome": f"{outcome} ({on_time})" if outcome and on_time else outcome,
    }


def late_dossiers(row: dict[str, Any]) -> int:
    """The late dossiers of a row of dossier figures: handled late plus still open past the due
    instant, what the on-time rate leaves out (QĐ 766/QĐ-TTg; the indicator ``on_time_rate``)."""
    return row["handled_late"] + row["in_progress_overdue"]


def rate(numerator: float, denominator: float) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None
