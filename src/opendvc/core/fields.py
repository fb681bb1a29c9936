"""A text column kept encrypted at rest: the bodies peers send the portal (the one-stop software's
webhook, the payment gateways' confirmations) carry citizens' personal data and are kept for the ICT
department, so the database holds them only as Fernet tokens (AES-128-CBC with HMAC-SHA256:
authenticated), with the keys of ``FIELD_ENCRYPTION_KEYS`` (``accounts.crypto``: the first encrypts,
every one decrypts, ``manage.py rotate_encryption_keys`` re-encrypts with the newest).

Rows written before a column was encrypted hold plain text; they are read as they are until the
column's migration (``encrypted_column_seal``, in batches) or the rotation encrypts them.
"""

from __future__ import annotations

import base64
import binascii

from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast

from opendvc.accounts import crypto

# Every Fernet token starts so (version byte 0x80, then the time, in URL-safe base64).
TOKEN_PREFIX = "gAAAAA"


def revealed(stored: str | None) -> str | None:
    """The text of a stored value: a token decrypted with whichever configured key made it; a value
    that is not a token of ours (plain text of a row written before the column was encrypted) as it
    is."""
    if not stored or not stored.startswith(TOKEN_PREFIX):
        return stored
    try:
        return crypto.decrypt(stored)
    except crypto.InvalidToken:
        return stored


class EncryptedTextField(models.TextField):
    """A ``TextField`` whose value is encrypted when saved (insert, update, ``QuerySet.update``) and
    decrypted when read; empty stays empty. Lookups compare the stored text, and a token differs each
    time the same text is encrypted: the column is kept, shown and exported, never searched."""

    description = "Text (encrypted at rest)"

    def from_db_value(self, value, expression, connection):
        return revealed(value)

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        return crypto.encrypt(value) if isinstance(value, str) else value


def _stored(queryset, field: str):
    """(pk, stored text) of the rows of ``queryset`` whose ``field`` is not empty, by pk: the column as
    it is in the database, not decrypted."""
    return (
        queryset.exclude(**{field: ""})
        .exclude(**{f"{field}__isnull": True})
        .annotate(_stored=Cast(field, models.TextField()))
        .order_by("pk")
        .values_list("pk", "_stored")
    )


def _rewrite(queryset, field: str, *, change, batch_size: int, progress) -> int:
    """Write ``change(stored)`` over each row's stored text where it differs, ``batch_size`` rows read
    at a time; a row changed meanwhile (its text is no longer the one read) is left to its writer."""
    count, last = 0, 0
    while True:
        batch = list(_stored(queryset.filter(pk__gt=last), field)[:batch_size])
        if not batch:
            return count
        for pk, stored in batch:
            new = change(stored)
            if new is not None and new != stored:
                count += queryset.model._base_manager.filter(pk=pk, **{field: stored}).update(
                    **{field: Value(new, output_field=models.TextField())}
                )
        if progress is not None:
            progress(len(batch))
        last = batch[-1][0]


def _token_shaped(stored: str) -> bool:
    """Whether ``stored`` has the form of a Fernet token (URL-safe base64 of at least 73 bytes
    starting with the version byte 0x80), whichever key made it."""
    try:
        raw = base64.urlsafe_b64decode(stored.encode())
    except (binascii.Error, ValueError):
        return False
    return len(raw) >= 73 and raw[0] == 0x80


def _sealed(stored: str) -> str | None:
    """A stored value encrypted with the newest key: a token re-encrypted, plain text encrypted; a
    token no configured key opens is left as it is (``None``), not wrapped in another."""
    if stored.startswith(TOKEN_PREFIX):
        try:
            return crypto.rotate(stored)
        except crypto.InvalidToken:
            if _token_shaped(stored):
                return None
    return crypto.encrypt(stored)


def encrypted_column_seal(
    queryset, field: str, *, batch_size: int = 500, progress=None
) -> int:
    """Encrypt with the newest key every value of text column ``field`` in ``queryset``: plain text
    (rows written before the column was encrypted) is encrypted, a token re-encrypted (key rotation).
    A token no configured key opens is left as it is. Returns the number of rows written."""
    return _rewrite(queryset, field, change=_sealed, batch_size=batch_size, progress=progress)


def encrypted_column_open(queryset, field: str, *, batch_size: int = 500) -> int:
    """Write back the plain text of every token of ``field`` (the reverse of the column's migration)."""
    return _rewrite(queryset, field, change=revealed, batch_size=batch_size, progress=None)


__all__ = ["EncryptedTextField", "encrypted_column_open", "encrypted_column_seal", "revealed"]
