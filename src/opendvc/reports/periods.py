"""Reporting periods and due dates.

Periods are written ``2026-Q1``, ``2026-H1``, ``2026`` (year) or ``2026-03`` (month), or given as two
dates. By default a period follows the data cut-off of Decree 09/2019/NĐ-CP Art. 12 (quarter: from the
15th of the month before the quarter to the 14th of its last month; six months: 15/12 of the previous
year to 14/6; year: 15/12 to 14/12), which is what lets the six-monthly report be sent before 15/6 and
15/12 (Regulation Art. 13.10). ``REPORTS_PERIOD_RULE=calendar`` uses calendar quarters instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.core.problems import ProblemError
from opendvc.worktime import VN_TZ

PATTERN = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date  # first day
    end: date  # last day, inclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=VN_TZ)

    @property
    def end_at(self) -> datetime:
        """The instant just after the last day (exclusive bound)."""

        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=VN_TZ)

    def previous(self) -> Period:
        """The period before, for comparison: it may lie before the first year a period can be asked
        for (the first quarter of 2000 has the last of 1999 before it)."""
        kind, year, n = _split(self.label)
        if kind == "Q":
            return _built(f"{year - 1}-Q4" if n == 1 else f"{year}-Q{n - 1}")
        if kind == "H":
            return _built(f"{year - 1}-H2" if n == 1 else f"{year}-H1")
        if kind == "Y":
            return _built(str(year - 1))
        if kind == "M":
            return _built(f"{year - 1}-12" if n == 1 else f"{year}-{n - 1:02d}")
        length = self.end - self.start
        return Period(
            label="",
            start=self.start - length - timedelta(days=1),
            end=self.start - timedelta(days=1),
        )


def rule() -> str:
    return getattr(settings, "REPORTS_PERIOD_RULE", "nd09")


def _split(label: str) -> tuple[str, int, int]:
    m = PATTERN.match(label or "")
    if not m:
        return "", 0, 0
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        return "Y", year, 0
    if part[0] in "QH":
        return part[0], year, int(part[1])
    return "M", year, int(part)


def _bad(path: str, message: str) -> ProblemError:
    # A refused cut-off is not a refused period: its own message is the problem's detail.
    return ProblemError(
        "validation_error",
        message if path == "as_of" else _("Kỳ báo cáo không hợp lệ."),
        extra={"errors": [{"path": path, "message": message}]},
    )


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


# The years a period may be asked for, and the days a custom period or a cut-off may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


def period_of(label: str) -> Period:
    """The period named ``label``; ProblemError 422 (``validation_error``, path ``period``) otherwise."""
    label = (label or "").strip().upper()
    kind, year, n = _split(label)
    if not kind or not FIRST_YEAR <= year <= LAST_YEAR or (kind == "M" and not 1 <= n <= 12):
        raise _bad(
            "period",
            _(
                "Viết kỳ báo cáo dạng 2026-Q1 (quý), 2026-H1 (6 tháng), 2026 (năm) hoặc 2026-03 "
                "(tháng)."
            ),
        )
    return _built(label)


def _built(label: str) -> Period:
    kind, year, n = _split(label)
    nd09 = rule() == "nd09"
    if kind == "M":
        return Period(label, date(year, n, 1), _month_end(year, n))
    if kind == "Q":
        if nd09:
            first = date(year - 1, 12, 15) if n == 1 else date(year, 3 * n - 3, 15)
            return Period(label, first, date(year, 3 * n, 14))
        return Period(label, date(year, 3 * n - 2, 1), _month_end(year, 3 * n))
    if kind == "H":
        if nd09:
            return Period(
                label,
                date(year - 1, 12, 15) if n == 1 else date(year, 6, 15),
                date(year, 6, 14) if n == 1 else date(year, 12, 14),
            )
        return Period(
            label,
            date(year, 1, 1) if n == 1 else date(year, 7, 1),
            date(year, 6, 30) if n == 1 else date(year, 12, 31),
        )
    if nd09:
        return Period(label, date(year - 1, 12, 15), date(year, 12, 14))
    return Period(label, date(year, 1, 1), date(year, 12, 31))


def period_between(date_from: str, date_to: str) -> Period:
    """A custom period from two dates (dd/mm/yyyy or ISO); 422 on bad or reversed dates."""
    parsed = []
    for path, text in (("from", date_from), ("to", date_to)):
        value = None
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                value = datetime.strptime((text or "").strip(), fmt).date()
                break
            except ValueError:
                continue
        if value is None:
            raise _bad(path, _("Ngày không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)."))
        if not FIRST_DAY <= value <= LAST_DAY:
            raise _bad(path, _out_of_range())
        parsed.append(value)
    if parsed[1] < parsed[0]:
        raise _bad("to", _("Ngày kết thúc phải sau ngày bắt đầu."))
    if (parsed[1] - parsed[0]).days > 3 * 366:
        raise _bad("to", _("Kỳ báo cáo dài tối đa 3 năm."))
    return Period(f"{parsed[0]:%Y-%m-%d}..{parsed[1]:%Y-%m-%d}", parsed[0], parsed[1])


def _out_of_range() -> str:
    return _("Ngày phải từ %(first)s đến %(last)s.") % {
        "first": f"{FIRST_DAY:%d/%m/%Y}",
        "last": f"{LAST_DAY:%d/%m/%Y}",
    }


def current_quarter(today: date | None = None) -> Period:
    """The quarter whose period contains ``today``."""
    today = today or timezone.localdate()
    for year in (today.year, today.year + 1):
        for n in range(1, 5):
            p = period_of(f"{year}-Q{n}")
            if p.start <= today <= p.end:
                return p
    return period_of(f"{today.year}-Q4")


def parse_as_of(text: str | None, period: Period) -> datetime:
    """The cut-off instant: the end of ``period``, an earlier date given as ``as_of``, and never later
    than now (an open period counts up to the present)."""

    end = period.end_at
    if text:
        value = None
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                value = datetime.strptime(text.strip(), fmt).date()
                break
            except ValueError:
                continue
        if value is None:
            raise _bad("as_of", _("Ngày chốt số liệu không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)."))
        if value < period.start:
            raise _bad("as_of", _("Ngày chốt số liệu phải trong kỳ báo cáo."))
        # A cut-off after the period counts up to its end (31/12/9999 included).
        value = min(value, period.end)
        end = min(end, datetime.combine(value + timedelta(days=1), time.min, tzinfo=VN_TZ))
    return min(end, timezone.now())


# Six-monthly agency reports are due before 15 June and 15 December (Regulation Art. 13.10).
HALF_YEAR_DUE = ((6, 15), (12, 15))


def due_dates(year: int) -> list[tuple[date, str]]:
    return [(date(year, m, d), f"{year}-H{i + 1}") for i, (m, d) in enumerate(HALF_YEAR_DUE)]
