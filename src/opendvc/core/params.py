"""Row identifiers read from a form or a query string: a value that cannot name a row is ``None`` (the
caller answers 404 or its own message), never an exception from the database or from ``int()``."""

from __future__ import annotations

import uuid

# bigint holds 19 digits; a longer number cannot be a row's key.
_MAX_DIGITS = 18


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
