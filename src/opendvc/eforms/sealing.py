"""Identifiers inside filled-in form data, sealed at rest (Regulation Art. 4.4, 13.3; Personal Data
Protection Law 91/2025/QH15: personal identifiers are encrypted where they are stored).

Which values are identifiers is an e-form matter: the fields whose kind is ``cccd``, ``phone`` or
``tax_code`` (group sub-fields too), and — for data without a form version — keys with those names
(``IDENTIFIER_KEYS``). At rest each such value is ``{"$enc": "<Fernet token>"}`` under the keys of
``FIELD_ENCRYPTION_KEYS`` (rotated by ``manage.py rotate_encryption_keys``). ``SealedFormDataField``
seals on save and opens on read, so code that needs a value sees it as typed. Dossiers store their
form data with it, and so do the applicant's unfinished drafts.
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import models

from opendvc.accounts import crypto

IDENTIFIER_KINDS = frozenset({"cccd", "phone", "tax_code"})
IDENTIFIER_KEYS = frozenset(
    {
        "cccd",
        "phone",
        "tax_code",
        "so_cccd",
        "so_dien_thoai",
        "dien_thoai",
        "ma_so_thue",
        "so_ho_chieu",
        "passport",
        "cmnd",
        "so_cmnd",
    }
)
ENC = "$enc"


def definition_identifier_keys(definition: dict | None) -> frozenset[str]:
    """The keys of a form definition's identifier fields, plus the usual identifier names."""
    keys = set(IDENTIFIER_KEYS)
    for section in (definition or {}).get("sections", []):
        for spec in section.get("fields", []):
            for field in [spec, *spec.get("fields", [])]:
                if field.get("kind") in IDENTIFIER_KINDS:
                    keys.add(field["key"])
    return frozenset(keys)


@lru_cache(maxsize=512)
def identifier_keys(form_version_id: int | None) -> frozenset[str]:
    """The identifier keys of a form version (published versions never change)."""
    if not form_version_id:
        return IDENTIFIER_KEYS
    definition = (
        apps.get_model("eforms", "FormVersion")
        .objects.filter(pk=form_version_id)
        .values_list("definition", flat=True)
        .first()
    )
    return definition_identifier_keys(definition)


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENC}


def _walk(value: Any, keys: frozenset[str], leaf) -> Any:
    if _is_sealed(value):
        return leaf(None, value)
    if isinstance(value, dict):
        return {
            k: leaf(k, v) if k in keys and not isinstance(v, dict | list) else _walk(v, keys, leaf)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v, keys, leaf) for v in value]
    return value


def form_data_seal(data: Any, *, keys: frozenset[str]) -> Any:
    """A copy with every identifier value replaced by ``{"$enc": token}`` (already sealed stay)."""

    def seal(_key, value):
        if _is_sealed(value) or value in (None, ""):
            return value
        return {ENC: crypto.encrypt(str(value))}

    return _walk(data, keys, seal)


def form_data_open(data: Any) -> Any:
    """A copy with every ``{"$enc": token}`` decrypted."""

    def open_(_key, value):
        return crypto.decrypt(value[ENC]) if _is_sealed(value) else value

    return _walk(data, frozenset(), open_)


def form_data_mask(data: Any, *, form_version_id: int | None) -> Any:
    """A copy of (opened) form data with identifiers masked: ``075090001234`` → ``075******234``."""
    keys = identifier_keys(form_version_id)
    return _walk(
        deepcopy(data or {}), keys, lambda _k, v: crypto.mask(str(v)) if v not in (None, "") else v
    )


def reseal_rows(queryset, field: str, *, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt the identifiers held in ``field`` of every row (key rotation) and seal any still in
    clear. The rows need a ``form_version_id``. ``progress(n)`` is told of each row read. Returns the
    number of rows rewritten."""
    count = 0
    rows = queryset.exclude(**{field: {}}).order_by("pk").only("pk", field, "form_version_id")
    for row in rows.iterator(chunk_size=batch_size):
        value = getattr(row, field)
        sealed = form_data_seal(value, keys=identifier_keys(row.form_version_id))
        if sealed != value:
            queryset.model.objects.filter(pk=row.pk).update(**{field: sealed})
            count += 1
        if progress is not None:
            progress(1)
    return count


class SealedFormDataField(models.JSONField):
    """A JSON column whose identifier values are stored as ``{"$enc": token}``.

    ``pre_save`` knows the instance, so it seals the fields of the row's e-form whose kind is an
    identifier; ``get_prep_value`` also seals keys named like identifiers, so a queryset
    ``update(field=…)`` never writes one in clear. Reading opens every sealed value."""

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if not value:
            return value
        return form_data_seal(
            value, keys=identifier_keys(getattr(model_instance, "form_version_id", None))
        )

    def get_prep_value(self, value):
        if isinstance(value, dict | list) and value:
            value = form_data_seal(value, keys=IDENTIFIER_KEYS)
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        return form_data_open(value) if isinstance(value, dict | list) else value
