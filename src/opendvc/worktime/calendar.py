"""Working-time arithmetic on the Vietnamese administrative calendar. Pure: no ORM, no request.

Sources of the rules:

* Working days are Monday–Friday minus public holidays and compensatory days off, plus make-up
  working days (a Saturday the government declares a working day) — Labour Code 2019 Art. 111–112,
  Regulation on the single-window mechanism Art. 13.4.
* Office hours default to 07:30–11:30 and 13:00–17:00 (8 hours); an agency may publish its own.
* ``working-hours`` rule: N working days = N × (working hours of one day) counted from the intake.
* ``end-of-day`` rule: Civil Code 2015 Art. 147 (the first day is not counted) and Art. 148 (the
  period ends at the end of the last day; the close of office hours for an administrative deadline).

How it is fast: a :class:`WorkCalendar` keeps, for every day of the span it covers, whether the day is
worked and how many working days precede it (``rank``), and the sorted list of working days. Every
instant maps to a *position* — working microseconds since the start of the span — so an addition
is ``position + amount`` followed by one index lookup and a :func:`bisect` inside the day's office
periods, whatever the length of the span. Nothing loops day by day.

Every instant is timezone-aware in Asia/Ho_Chi_Minh; naive input is read in that zone.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger("opendvc.worktime")

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Unit = Literal["working_hours", "working_days", "calendar_days"]
Rule = Literal["working-hours", "end-of-day"]
UNITS: tuple[str, ...] = ("working_hours", "working_days", "calendar_days")
RULES: tuple[str, ...] = ("working-hours", "end-of-day")

DAY_OFF = "day_off"
WORKING_DAY = "working_day"
KINDS = (DAY_OFF, WORKING_DAY)

# The span the engine accepts at all: the holidays package's lunar calendar covers it and the
# compensatory-day rules of Labour Code 1994 onwards apply.
MIN_YEAR = 1995
MAX_YEAR = 2099

# Beyond these an amount is a typing error, not a deadline (the longest statutory time limits of the
# catalogue are a few months).
MAX_WORKING_HOURS = 20_000
MAX_WORKING_DAYS = 2_500
MAX_CALENDAR_DAYS = 3_660

DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 0), time(17, 0)),
)

US_PER_HOUR = 3_600_000_000
_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 24 * US_PER_HOUR

WEEKDAY_NAMES_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class WorktimeError(ValueError):
    """Bad input to the engine: ``code`` is stable and machine-readable, the message is in the
    language of the request (written in Vietnamese, translated where it is raised)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class DayOverride:
    """One day that differs from a plain Monday–Friday week."""

    day: date
    kind: str  # DAY_OFF or WORKING_DAY
    name: str
    reason: str = ""
    source: str = "rules"  # "rules" (holidays package), "seed" (seeded rows), "admin" (edited)


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    working: bool
    name: str  # holiday or make-up name; "" for a plain weekday or weekend
    source: str  # "week" for a plain day, else the override's source

    @property
    def reason(self) -> str:
        """Why the day is (not) worked, in Vietnamese: the holiday name, or the weekday name."""
        weekday = self.day.weekday()
        if self.name:
            return f"{self.name} ({WEEKDAY_NAMES_VI[weekday]})" if weekday >= 5 else self.name
        return WEEKDAY_NAMES_VI[weekday]


# --------------------------------------------------------------------------------------------------
# The holidays package: rules for any year
# --------------------------------------------------------------------------------------------------

_SUBSTITUTED_FROM = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


@lru_cache(maxsize=256)
def rule_days(year: int) -> tuple[DayOverride, ...]:
    """Days off and make-up working days of ``year`` by the ``holidays`` package (VN, public category).

    Includes the observed (compensatory, "nghỉ bù") days, the government's substituted days off and
    the Saturdays declared working days (``weekend_workdays``) in exchange.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WorktimeError(
            "date_out_of_range",
            _("Năm %(year)s nằm ngoài phạm vi lịch hỗ trợ (%(lo)s–%(hi)s).")
            % {"year": year, "lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    # Imported on first use: the holiday rules load every country's tables.
    import holidays

    # Neighbouring years too: a swap decided for one year can move a day of the next one.
    hol = holidays.country_holidays(
        "VN", years=[year - 1, year, year + 1], language="vi", categories=("public",), observed=True
    )
    days: dict[date, DayOverride] = {}
    swapped_for: dict[date, date] = {}
    for day, name in sorted(hol.items()):
        match = _SUBSTITUTED_FROM.search(name)
        if match:
            dd, mm, yyyy = (int(x) for x in match.groups())
            swapped_for[date(yyyy, mm, dd)] = day
        if day.year == year:
            days[day] = DayOverride(day, DAY_OFF, name.replace("; ", ", "), source="rules")
    for day in sorted(getattr(hol, "weekend_workdays", ()) or ()):
        if day.year != year or day in days:
            continue
        off = swapped_for.get(day)
        name = f"Làm việc bù (cho ngày nghỉ {off:%d/%m/%Y})" if off else "Ngày làm việc bù"
        days[day] = DayOverride(day, WORKING_DAY, name, source="rules")
    return tuple(days[d] for d in sorted(days))


# --------------------------------------------------------------------------------------------------
# Office hours
# --------------------------------------------------------------------------------------------------


def _parse_clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hh, mm = (int(x) for x in value.strip().split(":"))
        if 0 <= hh <= 23 and 0 <= mm <= 59:
            return time(hh, mm)
        if hh == 24 and mm == 0:
            return time.max
    raise WorktimeError(
        "invalid_office_hours",
        _("Giờ làm việc không hợp lệ: %(value)s (dạng HH:MM).") % {"value": repr(value)},
    )


def parse_office_hours(value: Any) -> tuple[tuple[time, time], ...]:
    """``[["07:30","11:30"],["13:00","17:00"]]`` → periods; empty → the default office hours."""
    if not value:
        return DEFAULT_OFFICE_HOURS
    try:
        periods = tuple((_parse_clock(a), _parse_clock(b)) for a, b in value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, WorktimeError):
            raise
        raise WorktimeError(
            "invalid_office_hours", _("Giờ làm việc phải là danh sách các cặp [giờ mở, giờ đóng].")
        ) from exc
    previous_close = None
    for opening, closing in periods:
        if closing <= opening:
            raise WorktimeError(
                "invalid_office_hours",
                _("Giờ đóng cửa %(close)s phải sau giờ mở cửa %(open)s.")
                % {"close": closing.strftime("%H:%M"), "open": opening.strftime("%H:%M")},
            )
        if previous_close is not None and opening < previous_close:
            raise WorktimeError(
                "invalid_office_hours",
                _("Các khoảng giờ làm việc phải theo thứ tự và không chồng lên nhau."),
            )
        previous_close = closing
    return periods


def _clock_us(t: time) -> int:
    if t == time.max:
        return _US_PER_DAY
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


# --------------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    first: int  # ordinal of the first day covered
    working: bytes  # 1 per worked day, indexed by ordinal - first
    rank: list[int]  # working days strictly before each day (len = days + 1)
    ordinals: list[int]  # ordinals of the working days, ascending
    years: tuple[int, int]  # first and last year covered
    midnights: list[datetime]  # 00:00 (Asia/Ho_Chi_Minh) of each working day, parallel to ordinals


class WorkCalendar:
    """An immutable working calendar: which days are worked, and the office hours of a day.

    Build it from overrides (the database rows) on top of the plain week, for the ``seeded_years``;
    any other year needed by a computation is filled from the ``holidays`` package on the fly (with
    a warning in the log), then the overrides of that year are applied. That filling only caches
    what the rules already define, so the calendar's answers never change.
    """

    __slots__ = (
        "_overrides",
        "_seeded",
        "version",
        "periods",
        "_opens",
        "_cum",
        "_cum_end",
        "_lens",
        "day_us",
        "_last_close",
        "_state",
        "_lock",
        "_warned",
    )

    def __init__(
        self,
        *,
        overrides: Iterable[DayOverride] = (),
        seeded_years: Iterable[int] = (),
        office_hours: Any = None,
        version: int = 0,
        _share: WorkCalendar | None = None,
    ) -> None:
        self.version = version
        self.periods = parse_office_hours(office_hours)
        opens, lens, cum, cum_end = [], [], [], []
        total = 0
        for opening, closing in self.periods:
            o, c = _clock_us(opening), _clock_us(closing)
            opens.append(o)
            lens.append(c - o)
            cum.append(total)
            total += c - o
            cum_end.append(total)
        self._opens, self._lens, self._cum, self._cum_end = opens, lens, cum, cum_end
        self.day_us = total
        self._last_close = opens[-1] + lens[-1]
        self._lock = threading.Lock()
        if _share is not None:
            self._overrides = _share._overrides
            self._seeded = _share._seeded
            self._warned = _share._warned
            self._state = _share._state
            return
        self._overrides = {o.day: o for o in overrides}
        for o in self._overrides.values():
            if o.kind not in KINDS:
                raise WorktimeError(
                    "invalid_kind", _("Loại ngày không hợp lệ: %(kind)s.") % {"kind": repr(o.kind)}
                )
        self._seeded = frozenset(seeded_years)
        self._warned: set[int] = set()
        span = self._seeded or frozenset({date.today().year})
        self._state = self._build(min(span), max(span))

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_rules(
        cls,
        *,
        years: Iterable[int],
        overrides: Iterable[DayOverride] = (),
        office_hours: Any = None,
        version: int = 0,
    ) -> WorkCalendar:
        """A calendar straight from the ``holidays`` package for ``years`` (plus ``overrides``)."""
        years = list(years)
        rules = [o for y in years for o in rule_days(y)]
        merged = {o.day: o for o in rules}
        merged.update({o.day: o for o in overrides})
        return cls(
            overrides=merged.values(),
            seeded_years=years,
            office_hours=office_hours,
            version=version,
        )

    def with_office_hours(self, office_hours: Any) -> WorkCalendar:
        """The same days with other office hours (an agency's). Shares the day index."""
        return WorkCalendar(office_hours=office_hours, version=self.version, _share=self)

    def _day_kind(self, day: date) -> DayOverride | None:
        override = self._overrides.get(day)
        if override is not None:
            return override
        if day.year not in self._seeded:
            for rule in _rule_map(day.year).get(day, ()):
                return rule
        return None

    def _build(self, first_year: int, last_year: int) -> _Index:
        for year in range(first_year, last_year + 1):
            if year not in self._seeded and year not in self._warned:
                self._warned.add(year)
                logger.warning(
                    "Năm %s chưa có trong lịch làm việc đã khởi tạo; tính theo quy tắc ngày lễ của gói holidays.",
                    year,
                )
        first = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal() + 1
        working = bytearray(end - first)
        rank = [0] * (end - first + 1)
        ordinals: list[int] = []
        count = 0
        for i in range(end - first):
            ordinal = first + i
            day = date.fromordinal(ordinal)
            override = self._day_kind(day)
            is_working = override.kind == WORKING_DAY if override is not None else day.weekday() < 5
            rank[i] = count
            if is_working:
                working[i] = 1
                ordinals.append(ordinal)
                count += 1
        rank[end - first] = count
        midnights = []
        for ordinal in ordinals:
            d = date.fromordinal(ordinal)
            midnights.append(datetime(d.year, d.month, d.day, tzinfo=VN_TZ))
        return _Index(first, bytes(working), rank, ordinals, (first_year, last_year), midnights)

    def _extend(self, state: _Index, *, year: int) -> _Index:
        """Cover ``year`` too (and the year after, so that additions have room)."""
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise WorktimeError(
                "date_out_of_range",
                _("Ngày nằm ngoài phạm vi lịch hỗ trợ (năm %(lo)s–%(hi)s).")
                % {"lo": MIN_YEAR, "hi": MAX_YEAR},
            )
        with self._lock:
            current = self._state
            lo, hi = current.years
            if lo <= year <= hi:
                return current
            new = self._build(min(lo, year), min(max(hi, year + 1), MAX_YEAR))
            self._state = new
            return new

    def _index_for(self, ordinal: int) -> tuple[_Index, int]:
        state = self._state
        i = ordinal - state.first
        if i < 0 or i >= len(state.working):
            state = self._extend(state, year=date.fromordinal(ordinal).year)
            i = ordinal - state.first
        return state, i

    def _working_ordinal(self, state: _Index, k: int) -> tuple[_Index, int]:
        """The k-th working day (0-based from the start of ``state``), extending forward if needed."""
        while k >= len(state.ordinals):
            missing = k - len(state.ordinals)
            year = state.years[1] + 1 + missing // 240
            if year > MAX_YEAR:
                raise WorktimeError(
                    "date_out_of_range",
                    _("Kết quả vượt quá phạm vi lịch hỗ trợ (năm %(hi)s).") % {"hi": MAX_YEAR},
                )
            offset = state.first
            state = self._extend(state, year=year)
            k += state.rank[offset - state.first]  # re-base: the new index may start earlier
        return state, state.ordinals[k]

    # -- day questions ----------------------------------------------------------------------------

    @property
    def seeded_years(self) -> frozenset[int]:
        return self._seeded

    def is_working_day(self, day: date) -> bool:
        state, i = self._index_for(day.toordinal())
        return state.working[i] == 1

    def day_info(self, day: date) -> DayInfo:
        state, i = self._index_for(day.toordinal())
        override = self._day_kind(day)
        working = state.working[i] == 1
        if override is not None:
            return DayInfo(day, working, override.name, override.source)
        return DayInfo(day, working, "", "week")

    def overrides_in_year(self, year: int) -> list[DayOverride]:
        """Days off and make-up working days of ``year`` (stored ones, or the rules' on the fly)."""
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise WorktimeError(
                "date_out_of_range",
                _("Năm phải nằm trong khoảng %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
            )
        self._index_for(date(year, 1, 1).toordinal())
        result = []
        day = date(year, 1, 1)
        while day.year == year:
            override = self._day_kind(day)
            if override is not None:
                result.append(override)
            day += timedelta(days=1)
        return result

    # -- positions --------------------------------------------------------------------------------

    def _position(self, t: datetime) -> tuple[_Index, int]:
        """Working microseconds from the start of the index to ``t`` (an aware VN datetime)."""
        state, i = self._index_for(t.toordinal())
        base = state.rank[i] * self.day_us
        if state.working[i]:
            tod = ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond
            opens = self._opens
            p = bisect_right(opens, tod) - 1
            if p >= 0:
                into = tod - opens[p]
                length = self._lens[p]
                base += self._cum[p] + (into if into < length else length)
        return state, base

    def _instant_closing(self, state: _Index, position: int) -> datetime:
        """The earliest instant at ``position``: a boundary resolves to a period's close."""
        k, r = divmod(position, self.day_us)
        if r == 0:
            k -= 1
            r = self.day_us
        state, ordinal = self._working_ordinal(state, k)
        p = bisect_left(self._cum_end, r)
        return _at(ordinal, self._opens[p] + r - self._cum[p])

    def _instant_opening(self, state: _Index, position: int) -> datetime:
        """The latest instant at ``position``: a boundary resolves to the next opening."""
        k, r = divmod(position, self.day_us)
        state, ordinal = self._working_ordinal(state, k)
        p = bisect_right(self._cum, r) - 1
        return _at(ordinal, self._opens[p] + r - self._cum[p])

    def _close_of(self, ordinal: int) -> datetime:
        return _at(ordinal, self._last_close)

    def is_working_instant(self, t: datetime) -> bool:
        """True inside office hours of a working day, a period's close included."""
        state, i = self._index_for(t.toordinal())
        if not state.working[i]:
            return False
        tod = ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond
        p = bisect_right(self._opens, tod) - 1
        return p >= 0 and tod - self._opens[p] <= self._lens[p]

    def next_opening(self, t: datetime) -> datetime:
        state, position = self._position(t)
        return self._instant_opening(state, position)

    # -- arithmetic -------------------------------------------------------------------------------

    def add_positive_us(self, t: datetime, amount_us: int) -> datetime:
        """``t`` + ``amount_us`` (> 0) working microseconds: the hot path, inlined."""
        state = self._state
        i = t.toordinal() - state.first
        working = state.working
        if 0 <= i < len(working):
            day_us = self.day_us
            position = state.rank[i] * day_us
            if working[i]:
                tod = ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond
                opens = self._opens
                p = bisect_right(opens, tod) - 1
                if p >= 0:
                    into = tod - opens[p]
                    length = self._lens[p]
                    position += self._cum[p] + (into if into < length else length)
            k, r = divmod(position + amount_us, day_us)
            if r == 0:
                k -= 1
                r = day_us
            if k < len(state.midnights):
                p = bisect_left(self._cum_end, r)
                tod = self._opens[p] + r - self._cum[p]
                delta = _DELTAS.get(tod)
                if delta is None:
                    delta = _delta(tod)
                return state.midnights[k] + delta
        state, position = self._position(t)
        return self._instant_closing(state, position + amount_us)

    def add_working_us(self, t: datetime, amount_us: int) -> datetime:
        if amount_us > 0:
            return self.add_positive_us(t, amount_us)
        if amount_us == 0:
            return t if self.is_working_instant(t) else self.next_opening(t)
        state, position = self._position(t)
        return self._instant_closing(state, position + amount_us)

    def add_end_of_day(self, t: datetime, days: int) -> datetime:
        state, i = self._index_for(t.toordinal())
        if days == 0:
            ordinal = t.toordinal()
            if state.working[i]:
                return self._close_of(ordinal)
            state, ordinal = self._working_ordinal(state, state.rank[i])
            return self._close_of(ordinal)
        # Art. 147: the day of the start is not counted; the N-th working day after it.
        k = state.rank[i + 1] + days - 1
        state, ordinal = self._working_ordinal(state, k)
        return self._close_of(ordinal)

    def add_calendar_days(self, t: datetime, days: int) -> datetime:
        if not self.is_working_instant(t):
            t = self.next_opening(t)
        target = t + timedelta(days=days)
        ordinal = target.toordinal()
        state, i = self._index_for(ordinal)
        if state.working[i]:
            return target
        state, ordinal = self._working_ordinal(state, state.rank[i])
        return self._close_of(ordinal)

    def working_us_between(self, a: datetime, b: datetime) -> int:
        if b < a:
            return -self.working_us_between(b, a)
        # Cover both ends first so both positions are taken on the same index.
        self._index_for(a.toordinal())
        self._index_for(b.toordinal())
        state, pa = self._position(a)
        state_b, pb = self._position(b)
        if state_b is not state:
            state, pa = self._position(a)
            state_b, pb = self._position(b)
        return pb - pa

    def __repr__(self) -> str:
        lo, hi = self._state.years
        hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.periods)
        return f"<WorkCalendar v{self.version} {lo}–{hi} [{hours}]>"


@lru_cache(maxsize=256)
def _rule_map(year: int) -> dict[date, tuple[DayOverride, ...]]:
    return {o.day: (o,) for o in rule_days(year)}


_DELTAS: dict[int, timedelta] = {}


def _delta(tod_us: int) -> timedelta:
    """A time of day as a timedelta, memoised (deadlines mostly fall on a few thousand clock times)."""
    if len(_DELTAS) > 100_000:
        _DELTAS.clear()
    delta = _DELTAS[tod_us] = timedelta(0, 0, tod_us)
    return delta


def _at(ordinal: int, tod_us: int) -> datetime:
    d = date.fromordinal(ordinal)
    if tod_us >= _US_PER_DAY:  # a period closing at 24:00 ends at the next midnight
        d = d + timedelta(days=1)
        tod_us -= _US_PER_DAY
    seconds, micro = divmod(tod_us, _US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime(d.year, d.month, d.day, hour, minute, second, micro, tzinfo=VN_TZ)


# --------------------------------------------------------------------------------------------------
# Input normalisation
# --------------------------------------------------------------------------------------------------


def to_local(value: Any) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh. Naive input is read in that zone; a date is its 00:00."""
    if isinstance(value, datetime):
        tz = value.tzinfo
        if tz is VN_TZ:
            return value
        if tz is None:
            return value.replace(tzinfo=VN_TZ)
        try:
            return value.astimezone(VN_TZ)
        except OverflowError:
            # 0001-01-01T00:00+07:00 or 9999-12-31T23:00-05:00: Vietnam's time of it is outside the
            # years a datetime holds, and far outside the calendar's.
            raise _out_of_range() from None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=VN_TZ)
    if isinstance(value, str):
        return parse_instant(value)
    raise WorktimeError(
        "invalid_instant", _("Thời điểm không hợp lệ: %(value)s.") % {"value": repr(value)}
    )


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_instant(text: str) -> datetime:
    """ISO 8601 (``2027-02-10``, ``2027-02-10T08:00``, ``…+07:00``) or ``dd/mm/yyyy [HH:MM]``."""
    raw = (text or "").strip()
    try:
        match = _DMY.match(raw)
        if match:
            dd, mm, yyyy, hh, mi, ss = match.groups()
            value = datetime(int(yyyy), int(mm), int(dd), int(hh or 0), int(mi or 0), int(ss or 0))
        elif len(raw) == 10:
            d = date.fromisoformat(raw)
            value = datetime(d.year, d.month, d.day)
        else:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        value = None
    if value is None or not raw:
        raise WorktimeError(
            "invalid_instant",
            _(
                "Không đọc được thời điểm %(text)s; dùng dạng ISO 8601 (2027-02-10T08:00:00+07:00) "
                "hoặc dd/mm/yyyy HH:MM."
            )
            % {"text": repr(text)},
        )
    return to_local(value)


def _out_of_range() -> WorktimeError:
    return WorktimeError(
        "date_out_of_range",
        _("Ngày nằm ngoài phạm vi lịch hỗ trợ (năm %(lo)s–%(hi)s).")
        % {"lo": MIN_YEAR, "hi": MAX_YEAR},
    )


def check_year(t: datetime) -> None:
    """``date_out_of_range`` when ``t`` is outside the years the calendar supports."""
    if not MIN_YEAR <= t.year <= MAX_YEAR:
        raise _out_of_range()


def _amount_fraction(amount: Any) -> Fraction:
    if isinstance(amount, bool):
        raise WorktimeError("invalid_amount", _("Thời hạn phải là một số."))
    if isinstance(amount, int):
        return Fraction(amount)
    try:
        if isinstance(amount, float):
            if not math.isfinite(amount):
                raise WorktimeError("invalid_amount", _("Thời hạn phải là một số hữu hạn."))
            return Fraction(Decimal(repr(amount)))
        if isinstance(amount, Decimal):
            if not amount.is_finite():
                raise WorktimeError("invalid_amount", _("Thời hạn phải là một số hữu hạn."))
            return Fraction(amount)
        if isinstance(amount, Fraction):
            return amount
        if isinstance(amount, str):
            parsed = Decimal(amount.strip().replace(",", "."))
            if not parsed.is_finite():
                raise WorktimeError("invalid_amount", _("Thời hạn phải là một số hữu hạn."))
            return Fraction(parsed)
    except (InvalidOperation, ValueError) as exc:
        if isinstance(exc, WorktimeError):
            raise
        raise WorktimeError("invalid_amount", _not_a_number(amount)) from exc
    raise WorktimeError("invalid_amount", _not_a_number(amount))


def _not_a_number(amount: Any) -> str:
    return _("Thời hạn không phải là số: %(amount)s.") % {"amount": repr(amount)}


# Per unit: the largest amount and the refusal of one larger (translated where raised).
_LIMITS = {
    "working_hours": (
        MAX_WORKING_HOURS,
        gettext_noop("Thời hạn quá lớn: tối đa %(n)s giờ làm việc."),
    ),
    "working_days": (
        MAX_WORKING_DAYS,
        gettext_noop("Thời hạn quá lớn: tối đa %(n)s ngày làm việc."),
    ),
    "calendar_days": (MAX_CALENDAR_DAYS, gettext_noop("Thời hạn quá lớn: tối đa %(n)s ngày.")),
}
# The refusal of a fraction where whole days are counted (calendar days; working days by the
# end-of-day rule).
_NOT_WHOLE = {
    "working_days": gettext_noop(
        "Thời hạn tính theo ngày làm việc với cách tính này phải là số nguyên."
    ),
    "calendar_days": gettext_noop("Thời hạn tính theo ngày với cách tính này phải là số nguyên."),
}


def validate_amount(amount: Any, unit: str, rule: str = "working-hours") -> Fraction:
    """The amount as an exact fraction, or :class:`WorktimeError` for a bad unit, rule or amount."""
    if unit not in UNITS:
        raise WorktimeError(
            "invalid_unit",
            _("Đơn vị không hợp lệ: %(unit)s (working_hours, working_days, calendar_days).")
            % {"unit": repr(unit)},
        )
    if rule not in RULES:
        raise WorktimeError(
            "invalid_rule",
            _("Cách tính không hợp lệ: %(rule)s (working-hours hoặc end-of-day).")
            % {"rule": repr(rule)},
        )
    value = _amount_fraction(amount)
    limit, too_large = _LIMITS[unit]
    if value < 0:
        raise WorktimeError("invalid_amount", _("Thời hạn không được là số âm."))
    if value > limit:
        raise WorktimeError("invalid_amount", _(too_large) % {"n": limit})
    needs_whole = unit == "calendar_days" or (unit == "working_days" and rule == "end-of-day")
    if needs_whole and value.denominator != 1:
        raise WorktimeError("invalid_amount", _(_NOT_WHOLE[unit]))
    return value


def format_instant(t: datetime) -> str:
    """ISO 8601 with offset, seconds precision unless the instant has microseconds."""
    return t.isoformat(timespec="seconds" if t.microsecond == 0 else "microseconds")


def format_hours(value: Decimal) -> str:
    """A number of hours as a plain decimal: ``7.5``, ``8``, ``-2.25`` (rounded to the microhour)."""
    text = format(value.quantize(Decimal("0.000001")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# --------------------------------------------------------------------------------------------------
# The public functions
# --------------------------------------------------------------------------------------------------


def add_working_time(
    start: datetime | date,
    amount: int | float | Decimal | Fraction,
    unit: str,
    *,
    rule: str = "working-hours",
    calendar: WorkCalendar,
) -> datetime:
    """The deadline ``amount`` ``unit`` after ``start``.

    * ``working_hours``: counted inside office hours; a start outside them counts from the next
      opening; an end exactly on a period's close is that close.
    * ``working_days``: rule ``working-hours`` (default) = N × the working hours of one day;
      rule ``end-of-day`` (Civil Code Art. 147–148) = close of the N-th working day after the start day.
    * ``calendar_days``: same clock time N days after the (next-opening) start; if that day is not
      worked, the close of the next working day.

    Raises :class:`WorktimeError` for bad input. No side effects (a warning is logged when a year
    outside the seeded span is computed from the rules).
    """
    cal = calendar
    t = start if type(start) is datetime and start.tzinfo is VN_TZ else to_local(start)
    if t.year < MIN_YEAR or t.year > MAX_YEAR:
        check_year(t)
    # Fast path: whole working days by the default rule, the portal's most frequent question.
    if (
        unit == "working_days"
        and rule == "working-hours"
        and type(amount) is int
        and 0 < amount <= MAX_WORKING_DAYS
    ):
        return cal.add_positive_us(t, amount * cal.day_us)
    value = validate_amount(amount, unit, rule)
    if unit == "working_hours":
        us = value * US_PER_HOUR
        return cal.add_working_us(t, int(us) if us.denominator == 1 else round(us))
    if unit == "working_days":
        if rule == "end-of-day":
            return cal.add_end_of_day(t, int(value))
        us = value * cal.day_us
        return cal.add_working_us(t, int(us) if us.denominator == 1 else round(us))
    return cal.add_calendar_days(t, int(value))


def working_hours_between(
    a: datetime | date, b: datetime | date, *, calendar: WorkCalendar
) -> Decimal:
    """Working hours from ``a`` to ``b`` as an exact :class:`Decimal` (negative when ``b`` < ``a``)."""
    cal = calendar
    ta, tb = to_local(a), to_local(b)
    check_year(ta)
    check_year(tb)
    us = cal.working_us_between(ta, tb)
    return Decimal(us) / Decimal(US_PER_HOUR)


def working_day_count(a: date, b: date, *, calendar: WorkCalendar) -> int:
    """Working days d with ``a`` <= d < ``b``."""
    cal = calendar
    if b < a:
        return -working_day_count(b, a, calendar=cal)
    for d in (a, b):
        if not MIN_YEAR <= d.year <= MAX_YEAR:
            raise WorktimeError(
                "date_out_of_range",
                _("Ngày nằm ngoài phạm vi lịch hỗ trợ (năm %(lo)s–%(hi)s).")
                % {"lo": MIN_YEAR, "hi": MAX_YEAR},
            )
    cal._index_for(a.toordinal())
    state, j = cal._index_for(b.toordinal())
    return state.rank[j] - state.rank[a.toordinal() - state.first]


def is_working_day(day: date | datetime, *, calendar: WorkCalendar) -> bool:
    """True for a working day (a datetime is read as its local date)."""
    cal = calendar
    if isinstance(day, datetime):
        day = to_local(day)
    elif not isinstance(day, date):
        raise WorktimeError(
            "invalid_instant", _("Ngày không hợp lệ: %(value)s.") % {"value": repr(day)}
        )
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise WorktimeError(
            "date_out_of_range",
            _("Ngày nằm ngoài phạm vi lịch hỗ trợ (năm %(lo)s–%(hi)s).")
            % {"lo": MIN_YEAR, "hi": MAX_YEAR},
        )
    return cal.is_working_day(day if type(day) is date else date(day.year, day.month, day.day))


def next_opening(t: datetime | date, *, calendar: WorkCalendar) -> datetime:
    """The earliest instant at or after ``t`` when the office is open: ``t`` itself inside office
    hours, otherwise the next opening (after lunch, the next morning, after a weekend or holiday)."""
    cal = calendar
    tt = to_local(t)
    check_year(tt)
    return cal.next_opening(tt)


def same_day_due(
    received: datetime | date,
    *,
    cutoff: time | str = time(15, 0),
    calendar: WorkCalendar,
) -> datetime:
    """Deadline of a same-day procedure: received on a working day before ``cutoff`` → the close of
    that day; otherwise (after the cut-off, or on a day off) → the close of the next working day."""
    cal = calendar
    t = to_local(received)
    check_year(t)
    cut = _parse_clock(cutoff)
    ordinal = t.toordinal()
    state, i = cal._index_for(ordinal)
    if state.working[i] and t.time() < cut:
        return cal._close_of(ordinal)
    state, ordinal = cal._working_ordinal(state, state.rank[i + 1])
    return cal._close_of(ordinal)


# --------------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplanationItem:
    day: date
    # "start_moved" (counting begins at the next opening), "start_not_counted" (end-of-day rule),
    # "skipped" (a day not worked) or "make_up" (a weekend day worked).
    kind: str
    reason: str

    LABELS = {
        "start_moved": "bắt đầu tính",
        "start_not_counted": "không tính",
        "skipped": "không tính",
        "make_up": "có tính",
    }

    def as_dict(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "kind": self.kind, "reason": self.reason}

    def line(self) -> str:
        weekday = WEEKDAY_NAMES_VI[self.day.weekday()]
        return f"{self.day:%d/%m/%Y} ({weekday}): {self.LABELS[self.kind]} – {self.reason}"


@dataclass(frozen=True)
class Explanation:
    start: datetime
    due: datetime
    unit: str
    amount: Any
    rule: str
    counted_from: datetime  # the start, or the next opening when the start was outside office hours
    items: list[ExplanationItem] = field(default_factory=list)

    @property
    def skipped(self) -> list[ExplanationItem]:
        return [i for i in self.items if i.kind == "skipped"]

    def lines(self) -> list[str]:
        return [i.line() for i in self.items]


def explain_add(
    start: datetime | date,
    amount: int | float | Decimal | Fraction,
    unit: str,
    *,
    rule: str = "working-hours",
    calendar: WorkCalendar,
) -> Explanation:
    """:func:`add_working_time` with its reasons: where counting began and every day between the
    start and the deadline that was skipped (holiday, "nghỉ bù", Thứ Bảy, Chủ nhật) or counted
    although on a weekend (a make-up working day). No side effects."""
    cal = calendar
    t = to_local(start)
    due = add_working_time(t, amount, unit, rule=rule, calendar=cal)
    value = validate_amount(amount, unit, rule)
    items: list[ExplanationItem] = []
    counted_from = t
    if unit == "working_days" and rule == "end-of-day":
        if cal.is_working_day(t.date()):
            items.append(
                ExplanationItem(
                    t.date(),
                    "start_not_counted",
                    "ngày bắt đầu không được tính (Bộ luật Dân sự 2015, Điều 147)",
                )
            )
    elif value and not (unit == "calendar_days" and cal.is_working_instant(t)):
        counted_from = cal.next_opening(t)
        if counted_from != t:
            when = f"{counted_from:%H:%M %d/%m/%Y}"
            items.append(
                ExplanationItem(
                    counted_from.date(),
                    "start_moved",
                    f"ngoài giờ làm việc, tính từ giờ mở cửa tiếp theo {when}",
                )
            )
    day = t.date()
    end = due.date()
    while day <= end:
        info = cal.day_info(day)
        if not info.working:
            items.append(ExplanationItem(day, "skipped", info.reason))
        elif day.weekday() >= 5:
            items.append(ExplanationItem(day, "make_up", info.name or "Ngày làm việc bù"))
        day += timedelta(days=1)
    items.sort(key=lambda i: (i.day, not i.kind.startswith("start")))
    return Explanation(t, due, unit, amount, rule, counted_from, items)


__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DayInfo",
    "DayOverride",
    "Explanation",
    "ExplanationItem",
    "RULES",
    "UNITS",
    "VN_TZ",
    "WorkCalendar",
    "WorktimeError",
    "add_working_time",
    "explain_add",
    "is_working_day",
    "next_opening",
    "parse_instant",
    "parse_office_hours",
    "rule_days",
    "same_day_due",
    "to_local",
    "validate_amount",
    "working_day_count",
    "working_hours_between",
]
