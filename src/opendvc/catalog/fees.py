"""The period a fee item applies in, and the items that apply to a filing.

The national portal publishes some fee amounts for a period only, stated in the item's words: a
reduced online fee "(01/12/2023–31/12/2025)" beside the general amount. A fee is charged at the amount
in force on the day the dossier is filed (each circular states the days its amount applies): an item
out of its period is not charged, and where a method has no other item the amount is not stated.

A text that states a temporary rate of the item's amount ("Từ 01/7/2025 đến hết 31/12/2026 mức thu
bằng 50% (Thông tư 64/2025/TT-BTC)") gives no period: its dates bound the reduction, not the item, whose
amount applies before and after them. ``fee_rate`` reads that reduction instead (the item's reduced-rate
period, ``FeeItem.rate_percent``/``rate_from``/``rate_to``/``rate_basis``), and ``amount_on`` charges it
on the days it covers.

``fee_period`` reads the period from the text; only an unambiguous statement gives dates:

- a bracketed range ``(dd/mm/yyyy–dd/mm/yyyy)`` (en dash, em dash or hyphen);
- ``[Kể] từ [ngày] d/m/yyyy đến hết [ngày] d/m/yyyy`` (both ends inclusive);
- ``… đến hết ngày d/m/yyyy`` alone (the end only).

A date of issue ("Thông tư số 281/2016/TT-BTC ngày 14/11/2016"), "đến ngày" without "hết" (whether
the day itself is included is not said), an impossible date, an end before the start or two different
periods in one item give no dates, nor does a text stating a rate ("mức thu bằng 50%", "giảm 50%").

``fee_rate`` reads a reduced rate only where the same text states both the rate and when it applies:

- the rate: ``mức thu bằng N%`` or ``bằng N% mức thu`` (N% of the stated amount is charged), ``giảm N%``
  (the amount less N%); N may have a decimal comma (``37,5%``), and 0 ≤ N ≤ 100;
- its days: ``[Kể] từ [ngày] D đến hết [ngày] D`` or ``từ [ngày] D đến [ngày] D`` (both days included:
  a time limit counted in days ends at the end of its last day, Bộ luật Dân sự 2015, Art. 148.1),
  ``[kể] từ [ngày] D`` (open-ended) or ``đến hết [ngày] D`` (the end only); D is ``d/m/yyyy`` or
  ``d tháng m năm yyyy``;
- its legal basis: the document number it cites (``Thông tư 64/2025/TT-BTC``), when there is one.

A rate without days ("Bằng 50% mức thu lệ phí quy định tại điểm 1 Biểu phí …", where the source states
no amount) is not a reduction of the item's amount but the way the source words it: nothing is read, and
an amount the source does not state stays not stated. Two different rates or periods give nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import NamedTuple

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opendvc.core.money import format_vnd

_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_RANGE = re.compile(r"\(\s*" + _DATE + r"\s*[–—-]\s*" + _DATE + r"\s*\)")
_FROM_TO = re.compile(
    r"(?:kể\s+)?từ\s+(?:ngày\s+)?" + _DATE + r"\s+đến\s+hết\s+(?:ngày\s+)?" + _DATE, re.IGNORECASE
)
_UNTIL = re.compile(r"đến\s+hết\s+(?:ngày\s+)?" + _DATE, re.IGNORECASE)
# "đến ngày d/m/yyyy" or "đến d/m/yyyy" without "hết": the end is not stated unambiguously.
_UNTIL_UNCLEAR = re.compile(r"đến\s+(?!hết)(?:ngày\s+)?" + _DATE, re.IGNORECASE)
# A temporary rate of the item's amount: its dates are the reduction's, not the item's.
_PERCENT = r"(\d{1,3}(?:[.,]\d{1,2})?)\s*%"
_RATE_EQUAL = re.compile(r"(?:mức\s+thu\s+)?bằng\s*" + _PERCENT, re.IGNORECASE)
_RATE_CUT = re.compile(r"giảm\s*" + _PERCENT, re.IGNORECASE)
_RATE = re.compile(r"(?:bằng|giảm)\s*" + _PERCENT, re.IGNORECASE)
# The days of a rate: "từ [ngày] D đến [hết] [ngày] D", "từ [ngày] D", "đến hết [ngày] D".
_RATE_FROM_TO = re.compile(
    r"(?:kể\s+)?từ\s+(?:ngày\s+)?" + _DATE + r"\s*,?\s+đến\s+(?:hết\s+)?(?:ngày\s+)?" + _DATE,
    re.IGNORECASE,
)
_RATE_FROM = re.compile(r"(?:kể\s+)?từ\s+(?:ngày\s+)?" + _DATE, re.IGNORECASE)
_LONG_DATE = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
# The document a rate is set by: "Thông tư 64/2025/TT-BTC", "Nghị định số 70/2024/NĐ-CP".
_BASIS = re.compile(
    r"(Thông\s+tư|Nghị\s+định|Nghị\s+quyết|Quyết\s+định)\s+(?:số\s+)?(\d+/\d{4}/[A-ZĐ0-9][A-ZĐ0-9-]*)"
)

Period = tuple[dt.date | None, dt.date | None]
NO_PERIOD: Period = (None, None)


def _date(day: str, month: str, year: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _spans(pattern: re.Pattern, text: str) -> list[Period] | None:
    """``(start, end)`` of each match of a two-date ``pattern`` in ``text``; None when one of them is
    an impossible date or ends before it starts."""
    found: list[Period] = []
    for match in pattern.finditer(text):
        start, end = _date(*match.groups()[:3]), _date(*match.groups()[3:])
        if start is None or end is None or end < start:
            return None
        found.append((start, end))
    return found


def _days(pattern: re.Pattern, text: str) -> list[dt.date] | None:
    """The date of each match of a one-date ``pattern`` in ``text``; None when one is impossible."""
    found = [_date(*match.groups()) for match in pattern.finditer(text)]
    return None if None in found else found


def _periods(text: str) -> list[Period] | None:
    """Every period stated in ``text``; None when a statement is there but unclear."""
    found: list[Period] = []
    rest = text
    for pattern in (_RANGE, _FROM_TO):
        spans = _spans(pattern, rest)
        if spans is None:
            return None
        found += spans
        rest = pattern.sub(" ", rest)
    ends = _days(_UNTIL, rest)
    if ends is None or _UNTIL_UNCLEAR.search(rest):
        return None
    return found + [(None, end) for end in ends]


def fee_period(*texts: str | None) -> Period:
    """``(valid_from, valid_to)`` stated in ``texts`` (an item's name and note), both inclusive;
    ``(None, None)`` when none is stated or the statement is ambiguous."""
    found: set[Period] = set()
    for text in texts:
        if _RATE.search(text or ""):
            continue
        periods = _periods(text or "")
        if periods is None:
            return NO_PERIOD
        found.update(periods)
    return found.pop() if len(found) == 1 else NO_PERIOD


class Rate(NamedTuple):
    """A reduced rate of an item's amount: ``percent`` of it is charged from ``start`` to ``end``
    (both included; None = not limited on that side), as ``basis`` sets it."""

    percent: Decimal
    start: dt.date | None
    end: dt.date | None
    basis: str


def _percent(number: str) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", "."))
    except InvalidOperation:
        return None
    return value if 0 <= value <= 100 else None


def _rate_in(text: str) -> Rate | None | bool:
    """The rate ``text`` states; False when it states none, None when what it states is unclear."""
    equal = [_percent(m.group(1)) for m in _RATE_EQUAL.finditer(text)]
    cut = [_percent(m.group(1)) for m in _RATE_CUT.finditer(text)]
    if not equal and not cut:
        return False
    if None in equal or None in cut:
        return None
    percents = set(equal) | {100 - c for c in cut}
    if len(percents) != 1:
        return None
    text = _LONG_DATE.sub(r"\1/\2/\3", text)
    spans = _spans(_RATE_FROM_TO, text)
    rest = _RATE_FROM_TO.sub(" ", text)
    starts, ends = _days(_RATE_FROM, rest), _days(_UNTIL, rest)
    if spans is None or starts is None or ends is None:
        return None
    windows = {*spans, *((start, None) for start in starts), *((None, end) for end in ends)}
    if len(windows) != 1:
        return None  # no days (not a reduction of this amount) or several periods
    bases = list(
        dict.fromkeys(f"{' '.join(kind.split())} {number}" for kind, number in _BASIS.findall(text))
    )
    start, end = windows.pop()
    return Rate(percents.pop(), start, end, bases[0] if len(bases) == 1 else "")


def fee_rate(*texts: str | None) -> Rate | None:
    """The reduced rate of the item's amount stated in ``texts`` (its name and note); None when none is
    stated, a rate is stated without its days, or the statement is ambiguous."""
    found: set[tuple] = set()
    bases: set[str] = set()
    for text in texts:
        rate = _rate_in(text or "")
        if rate is None:
            return None
        if rate:
            found.add(rate[:3])
            bases.add(rate.basis)
    bases.discard("")
    if len(found) != 1:
        return None
    return Rate(*found.pop(), bases.pop() if len(bases) == 1 else "")


def rate_applies(item, on: dt.date) -> bool:
    """Whether the item's reduced rate covers the day ``on`` (its period's ends included)."""
    return (
        item.rate_percent is not None
        and (item.rate_from is None or item.rate_from <= on)
        and (item.rate_to is None or on <= item.rate_to)
    )


def reduced_amount(amount: int, percent: Decimal) -> int:
    """``percent`` of ``amount`` in whole đồng, rounded down: fees are collected in whole đồng and the
    amount charged never exceeds the rate the legal basis sets (50% of 50.000 đồng = 25.000 đồng;
    33,33% of 1.000 đồng = 333 đồng)."""
    return int((Decimal(amount) * Decimal(percent) / 100).to_integral_value(rounding=ROUND_FLOOR))


def in_force(item, on: dt.date) -> bool:
    """Whether the fee item applies on the day ``on`` (its period's ends included)."""
    return (item.valid_from is None or item.valid_from <= on) and (
        item.valid_to is None or on <= item.valid_to
    )


def expired(item, on: dt.date) -> bool:
    """Whether the item's period ended before ``on``."""
    return item.valid_to is not None and item.valid_to < on


def rated_amount(item, on: dt.date) -> int | None:
    """The item's stated amount at the rate of the day ``on``: reduced (``reduced_amount``) on the days
    its reduced rate covers, whatever the item's own period; None when the source states no amount."""
    if item.amount_vnd is not None and rate_applies(item, on):
        return reduced_amount(item.amount_vnd, item.rate_percent)
    return item.amount_vnd


def amount_on(item, on: dt.date) -> int | None:
    """The item's amount for a dossier filed on ``on``: None (not stated, as for an item the source
    does not price) outside the item's period; else ``rated_amount`` (the reduced rate on the days it
    covers; an amount the source does not state stays not stated)."""
    return rated_amount(item, on) if in_force(item, on) else None


def fee_items_in_force(items: Iterable, on: dt.date) -> list:
    """The items of ``items`` that apply on ``on``, in their order."""
    return [item for item in items if in_force(item, on)]


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def period_text(item) -> str:
    """The item's period in words ("áp dụng từ 01/07/2025 đến hết ngày 31/12/2026"); "" when none."""
    if item.valid_from and item.valid_to:
        return _("áp dụng từ %(start)s đến hết ngày %(end)s") % {
            "start": _day(item.valid_from),
            "end": _day(item.valid_to),
        }
    if item.valid_to:
        return _("áp dụng đến hết ngày %(end)s") % {"end": _day(item.valid_to)}
    if item.valid_from:
        return _("áp dụng từ %(start)s") % {"start": _day(item.valid_from)}
    return ""


def lapse_text(item, on: dt.date) -> str:
    """Why the item does not apply on ``on`` ("đã hết hiệu lực từ 01/01/2026"); "" when it does."""
    if expired(item, on):
        return _("đã hết hiệu lực từ %(day)s") % {"day": _day(item.valid_to + dt.timedelta(days=1))}
    if item.valid_from and on < item.valid_from:
        return _("chưa áp dụng, áp dụng từ %(day)s") % {"day": _day(item.valid_from)}
    return ""


def _percent_words(value: Decimal) -> str:
    """``Decimal("50.00")`` → ``50``; ``37.5`` → ``37,5`` (``37.5`` on English pages)."""
    text = format(Decimal(value).normalize(), "f")
    return text if (get_language() or "vi").startswith("en") else text.replace(".", ",")


def rate_text(item, on: dt.date) -> str:
    """The item's reduced rate in words, as it stands on ``on``: inside its period "giảm 50% đến hết
    31/12/2026 theo Thông tư 64/2025/TT-BTC; mức thu đầy đủ 50.000 đồng/lần"; before it "mức thu giảm
    50% từ 01/07/2025 đến hết 31/12/2026 theo …"; "" after it, or when the item has no rate or no
    stated amount."""
    if item.rate_percent is None or item.amount_vnd is None:
        return ""
    if item.rate_to is not None and item.rate_to < on:
        return ""
    words = {"cut": _percent_words(100 - Decimal(item.rate_percent))}
    basis = (" " + _("theo %(basis)s") % {"basis": item.rate_basis}) if item.rate_basis else ""
    if rate_applies(item, on):
        if item.rate_to:
            text = _("giảm %(cut)s%% đến hết %(end)s") % {**words, "end": _day(item.rate_to)}
        elif item.rate_from is None:
            text = _("giảm %(cut)s%%") % words
        else:
            text = _("giảm %(cut)s%% từ %(start)s") % {**words, "start": _day(item.rate_from)}
        full = format_vnd(item.amount_vnd) + (f"/{item.per}" if item.per else "")
        return text + basis + "; " + _("mức thu đầy đủ %(amount)s") % {"amount": full}
    if item.rate_to:
        text = _("mức thu giảm %(cut)s%% từ %(start)s đến hết %(end)s") % {
            **words,
            "start": _day(item.rate_from),
            "end": _day(item.rate_to),
        }
    else:
        text = _("mức thu giảm %(cut)s%% từ %(start)s") % {**words, "start": _day(item.rate_from)}
    return text + basis
