"""Dossier codes and lookup keys.

Code (DOMAIN.md "Codes"): ``<receiving agency code>-<YYMMDD>-<4-digit daily sequence>``, e.g.
``000.00.32.H19-210708-0032``; the format is the setting ``DOSSIER_CODE_FORMAT``. The sequence comes
from one counter row per (agency, local day), created or incremented by one upsert that keeps it locked
for the rest of the caller's transaction, so concurrent submissions to one agency get distinct numbers; a rolled-back submission
leaves a gap (codes are gap-tolerant).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from opendvc.worktime import to_local

from .models import DailyCounter

# No 0/O, 1/I/L: the key is read off paper and typed in.
KEY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
KEY_LENGTH = 8


def format_code(*, agency_code: str, day: date, seq: int) -> str:
    return settings.DOSSIER_CODE_FORMAT.format(agency=agency_code, date=day, seq=seq)


def next_sequence(*, agency, day: date) -> int:
    """Take the next number of ``agency``'s counter for ``day``. Must run inside a transaction.

    One statement: the day's row is created at 1 or incremented (``INSERT … ON CONFLICT DO UPDATE …
    RETURNING``, PostgreSQL and SQLite ≥ 3.35); the row stays locked until the caller's transaction ends,
    so concurrent submissions to one agency get distinct numbers."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_sequence must run inside transaction.atomic()")
    conn = transaction.get_connection()
    q = conn.ops.quote_name
    table = q(DailyCounter._meta.db_table)
    agency_col, day_col, last = q("agency_id"), q("day"), q("last")
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({agency_col}, {day_col}, {last}) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({agency_col}, {day_col}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            [getattr(agency, "pk", agency), conn.ops.adapt_datefield_value(day)],
        )
        return int(cursor.fetchone()[0])


def allocate_code(*, agency, at: datetime) -> str:
    """A new unique dossier code for ``agency`` on the local day of ``at``. Side effect: bumps the
    counter row (rolled back with the caller's transaction)."""
    day = to_local(at).date()
    return format_code(agency_code=agency.code, day=day, seq=next_sequence(agency=agency, day=day))


def new_lookup_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def normalise_key(key: str) -> str:
    return "".join(ch for ch in (key or "").upper() if ch.isalnum())


def hash_lookup_key(key: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), normalise_key(key).encode(), hashlib.sha256).hexdigest()


def key_matches(*, stored_hash: str, key: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(stored_hash, hash_lookup_key(key))
