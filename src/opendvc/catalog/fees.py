"""The period a fee item applies in, and the items that apply to a filing.

The national portal publishes some fee amounts for a period only, stated in the item's words: a
reduced online fee "(01/12/2023–31/12/2025)" beside the general amount. A fee is charged at the amount
in force on the day the dossier is filed (each circular states the days its amount applies): an item
out of its period is not charged, and where a method has no other item the amount is not stated.

A text that states a temporary rate of the item's amount ("Từ 01/7/2025 đến hết 31/12/2026 mức thu
bằng 50% (Thông tư 64/2025/TT-BTC)") gives no period: its dates bound the reduction, not the item, whose
amount applies before and after them. The reduction itself stays in the item's note for the officer.

``fee_period`` reads the period from the text; only an unambiguous statement gives dates:

- a bracketed range ``(dd/mm/yyyy–dd/mm/yyyy)`` (en dash, em dash or hyphen);
- ``[Kể] từ [ngày] d/m/yyyy đến hết [ngày] d/m/yyyy`` (both ends inclusive);
- ``… đến hết ngày d/m/yyyy`` alone (the end only).

A date of issue ("Thông tư số 281/2016/TT-BTC ngày 14/11/2016"), "đến ngày" without "hết" (whether
the day itself is included is not said), an impossible date, an end before the start or two different
periods in one item give no dates, nor does a text stating a rate ("mức thu bằng 50%", "giảm 50%").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_RANGE = re.compile(r"\(\s*" + _DATE + r"\s*[–—-]\s*" + _DATE + r"\s*\)")
_FROM_TO = re.compile(
    r"(?:kể\s+)?từ\s+(?:ngày\s+)?" + _DATE + r"\s+đến\s+hết\s+(?:ngày\s+)?" + _DATE, re.IGNORECASE
)
_UNTIL = re.compile(r"đến\s+hết\s+(?:ngày\s+)?" + _DATE, re.IGNORECASE)
# "đến ngày d/m/yyyy" or "đến d/m/yyyy" without "hết": the end is not stated unambiguously.
_UNTIL_UNCLEAR = re.compile(r"đến\s+(?!hết)(?:ngày\s+)?" + _DATE, re.IGNORECASE)
# A temporary rate of the item's amount: its dates are the reduction's, not the item's.
_RATE = re.compile(r"(?:mức\s+thu\s+bằng|giảm)\s*\d+(?:[.,]\d+)?\s*%", re.IGNORECASE)

Period = tuple[dt.date | None, dt.date | None]
NO_PERIOD: Period = (None, None)


def _date(day: str, month: str, year: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _periods(text: str) -> list[Period] | None:
    """Every period stated in ``text``; None when a statement is there but unclear."""
    found: list[Period] = []
    rest = text
    for pattern in (_RANGE, _FROM_TO):
        for match in pattern.finditer(rest):
            start, end = _date(*match.groups()[:3]), _date(*match.groups()[3:])
            if start is None or end is None or end < start:
                return None
            found.append((start, end))
        rest = pattern.sub(" ", rest)
    for match in _UNTIL.finditer(rest):
        end = _date(*match.groups())
        if end is None:
            return None
        found.append((None, end))
    if _UNTIL_UNCLEAR.search(rest):
        return None
    return found


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


def in_force(item, on: dt.date) -> bool:
    """Whether the fee item applies on the day ``on`` (its period's ends included)."""
    return (item.valid_from is None or item.valid_from <= on) and (
        item.valid_to is None or on <= item.valid_to
    )


def expired(item, on: dt.date) -> bool:
    """Whether the item's period ended before ``on``."""
    return item.valid_to is not None and item.valid_to < on


def amount_on(item, on: dt.date) -> int | None:
    """The item's amount for a dossier filed on ``on``: None (not stated, as for an item the source
    does not price) outside the item's period."""
    return item.amount_vnd if in_force(item, on) else None


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
