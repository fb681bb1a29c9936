"""The form data column: identifiers sealed when saved, opened when read (see ``personal_data``)."""

from __future__ import annotations

from django.db import models


class EncryptedFormDataField(models.JSONField):
    """A JSON column whose identifier values are stored as ``{"$enc": token}``.

    ``pre_save`` knows the instance, so it seals the fields of the dossier's e-form whose kind is an
    identifier; ``get_prep_value`` also seals keys named like identifiers, so a queryset
    ``update(form_data=…)`` never writes one in clear. Reading opens every sealed value."""

    def pre_save(self, model_instance, add):
        from .personal_data import form_data_seal, identifier_keys

        value = super().pre_save(model_instance, add)
        if not value:
            return value
        return form_data_seal(
            value, keys=identifier_keys(getattr(model_instance, "form_version_id", None))
        )

    def get_prep_value(self, value):
        from .personal_data import IDENTIFIER_KEYS, form_data_seal

        if isinstance(value, dict | list) and value:
            value = form_data_seal(value, keys=IDENTIFIER_KEYS)
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        from .personal_data import form_data_open

        value = super().from_db_value(value, expression, connection)
        return form_data_open(value) if isinstance(value, dict | list) else value
