"""Values read from a form or a query string. Row identifiers: a value that cannot name a row is
``None`` (the caller answers 404 or its own message), never an exception from the database or from
``int()``. Days of a page's filter: a day outside the years the pages count is refused with a message,
never carried into a query (31/12/9999 plus one day, or 01/01/0001 in UTC, is not a date)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils.translation import gettext as _

# bigint holds 19 digits; a longer number cannot be a row's key.
_MAX_DIGITS = 18
# A query's integers are compared with 64-bit columns: past that range SQLite cannot bind them.
_INT_RANGE = range(-(2**63), 2**63)


def int_param(value, default=None):
    """An integer of a form or a query string, or ``default`` when it is not one a column can hold."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number in _INT_RANGE else default


def row_id(value) -> int | None:
    """A row's integer key from ASCII digits ("²" and "١" are digits to ``str.isdigit`` but not keys)."""
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS:
        return None
    return int(text)


def row_uuid(value) -> uuid.UUID | None:
    """A row's public UUID, or ``None`` when the text is not one."""
    try:
        return uuid.UUID(str(value if value is not None else "").strip())
    except ValueError:
        return None


# The days a page's date filter may name (a typing slip such as 31/12/9999 is refused, not computed).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def day_param(value: str | None, default, errors: list[str], label: str):
    """The day given (yyyy-mm-dd from the date picker, or dd/mm/yyyy), else ``default`` with an error
    in ``errors`` when something unreadable or out of range was given."""
    value = (value or "").strip()
    if not value:
        return default
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if FIRST_DAY <= day <= LAST_DAY:
            return day
        break
    errors.append(
        _("%(label)s không hợp lệ: nhập một ngày từ %(first)s đến %(last)s.")
        % {"label": label, "first": f"{FIRST_DAY:%d/%m/%Y}", "last": f"{LAST_DAY:%d/%m/%Y}"}
    )
    return default
