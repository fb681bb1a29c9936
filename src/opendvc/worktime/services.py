"""Changes to the calendar. Each one is audited and bumps the calendar version in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record

from .calendar import KINDS, MAX_YEAR, MIN_YEAR, WorktimeError, rule_days
from .models import CalendarDay, CalendarVersion, SeededYear
from .selectors import invalidate_cache

NAME_MAX = 200
REASON_MAX = 500


def bump_version() -> int:
    """Increase the calendar version (inside the caller's transaction) and drop the cached calendars,
    now and again once the transaction commits."""
    CalendarVersion.objects.get_or_create(id=1)
    CalendarVersion.objects.filter(id=1).update(version=F("version") + 1, changed_at=timezone.now())
    invalidate_cache()
    transaction.on_commit(invalidate_cache)
    return CalendarVersion.objects.get(id=1).version


def _check_day(day: Any) -> date:
    if not isinstance(day, date):
        raise WorktimeError("invalid_date", _("Ngày không hợp lệ."))
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise WorktimeError(
            "date_out_of_range",
            _("Ngày phải nằm trong các năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    return day


def seed_years(*, years: range | list[int], actor: Any = None) -> list[int]:
    """Write the days off and make-up working days of each year not seeded yet from the ``holidays``
    package (observed and substituted days and ``weekend_workdays`` included). Days an administrator
    already set for that year are kept. Returns the years seeded now; idempotent.

    Side effects: ``CalendarDay`` and ``SeededYear`` rows, one audit entry per year, one version bump.
    """
    # Imported on first use: the holiday rules load every country's tables.
    import holidays

    done: list[int] = []
    # Checked before any query: a year past the calendar's range may not fit a database integer.
    if any(not MIN_YEAR <= year <= MAX_YEAR for year in years):
        raise WorktimeError(
            "date_out_of_range",
            _("Năm phải nằm trong khoảng %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    with transaction.atomic():
        existing = set(
            SeededYear.objects.filter(year__in=list(years)).values_list("year", flat=True)
        )
        for year in years:
            if year in existing:
                continue
            taken = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
            created = []
            for rule in rule_days(year):
                if rule.day in taken:
                    continue
                created.append(
                    CalendarDay(
                        date=rule.day,
                        kind=rule.kind,
                        name=rule.name[:NAME_MAX],
                        reason=f"Theo quy định ngày lễ (gói holidays {holidays.__version__})",
                        source=CalendarDay.Source.SEED,
                    )
                )
            CalendarDay.objects.bulk_create(created)
            SeededYear.objects.create(year=year, package_version=holidays.__version__)
            audit_record(
                actor=actor,
                action="worktime.calendar.seed_year",
                target=("worktime.seededyear", str(year)),
                changes={
                    "year": year,
                    "days": [
                        {"date": c.date.isoformat(), "kind": c.kind, "name": c.name}
                        for c in created
                    ],
                    "kept_existing": sorted(d.isoformat() for d in taken),
                },
            )
            done.append(year)
        if done:
            bump_version()
    return done


def _row_dict(row: CalendarDay | None) -> dict[str, str] | None:
    if row is None:
        return None
    return {"kind": row.kind, "name": row.name, "reason": row.reason, "source": row.source}


def _checked_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise WorktimeError("reason_too_long", _("Lý do tối đa %(n)s ký tự.") % {"n": REASON_MAX})
    return reason


def _day_changed(verb: str, *, day: date, before, after, actor: Any, request: Any, **extra) -> None:
    """After a day's row changed (inside the caller's transaction): the version bump and the audit
    entry with the values before and after."""
    version = bump_version()
    audit_record(
        actor=actor,
        action=f"worktime.calendar.{verb}",
        target=("worktime.calendarday", day.isoformat()),
        changes={
            "date": day.isoformat(),
            "before": before,
            "after": after,
            **extra,
            "version": version,
        },
        request=request,
    )


def set_day(
    *, day: date, kind: str, name: str, reason: str = "", actor: Any = None, request: Any = None
) -> CalendarDay:
    """Declare ``day`` a day off or a (make-up) working day, with its name and reason.

    Creates or replaces the day's row (marked as edited by an administrator). Side effects: the row,
    an audit entry with the previous and new values, a version bump. Raises :class:`WorktimeError`.
    """
    day = _check_day(day)
    if kind not in KINDS:
        raise WorktimeError(
            "invalid_kind",
            _("Loại ngày phải là ngày nghỉ (day_off) hoặc ngày làm việc (working_day)."),
        )
    name = (name or "").strip()
    reason = _checked_reason(reason)
    if not name:
        raise WorktimeError("name_required", _("Cần nhập tên ngày (ví dụ: Nghỉ bù Quốc khánh)."))
    if len(name) > NAME_MAX:
        raise WorktimeError("name_too_long", _("Tên ngày tối đa %(n)s ký tự.") % {"n": NAME_MAX})
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(date=day).first()
        before = _row_dict(row)
        if row is None:
            row = CalendarDay(date=day)
        row.kind, row.name, row.reason = kind, name, reason
        row.source = CalendarDay.Source.ADMIN
        row.updated_by = user
        row.save()
        _day_changed(
            "set_day", day=day, before=before, after=_row_dict(row), actor=actor, request=request
        )
    return row


def remove_day(*, day: date, reason: str = "", actor: Any = None, request: Any = None) -> None:
    """Remove the day's row: the day becomes what the week (or, in a year never seeded, the holidays
    rules) make it. Side effects: the deletion, an audit entry keeping the old values, a version bump.
    Raises :class:`WorktimeError` ``day_not_found`` when the day has no row."""
    day = _check_day(day)
    reason = _checked_reason(reason)
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(date=day).first()
        if row is None:
            raise WorktimeError(
                "day_not_found",
                _("Ngày %(day)s không có trong danh sách ngày đặc biệt.")
                % {"day": day.strftime("%d/%m/%Y")},
            )
        before = _row_dict(row)
        row.delete()
        _day_changed(
            "remove_day",
            day=day,
            before=before,
            after=None,
            actor=actor,
            request=request,
            reason=reason,
        )
