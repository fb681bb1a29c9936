"""Migration operations that keep deploys free of downtime on every engine (docs/adr/0004)."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

from .collation import sort_key
from .fields import encrypted_column_open, encrypted_column_seal


class AddIndexWithoutLocking(AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL (writes go on while the index is built); a plain
    ``CREATE INDEX`` on the embedded SQLite, which has no such thing and no concurrent writers to
    block. The migration must say ``atomic = False``."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def fill_sort_names(app_label: str, *model_names: str):
    """A ``RunPython`` function writing ``sort_name`` (``core.collation.sort_key`` of ``name``) on the
    rows already stored of ``model_names`` (models of ``core.models.SortedByName``), for the
    migration that adds the column."""
    def fill(apps, schema_editor):
        for model_name in model_names:
            model = apps.get_model(app_label, model_name)
            rows = list(model.objects.only("id", "name"))
            for row in rows:
                row.sort_name = sort_key(row.name)
            model.objects.bulk_update(rows, ["sort_name"], batch_size=500)

    return fill


def encrypt_column(app_label: str, model_name: str, field: str) -> migrations.RunPython:
    """The data step of a migration that makes ``field`` an ``EncryptedTextField``: the rows already
    stored are encrypted in batches of 500 (each committed when the migration says ``atomic = False``,
    so a long table is not held under one transaction); backwards, they are written back in clear.
    The old release, still serving during the deploy, writes plain text the new one reads as it is;
    ``manage.py rotate_encryption_keys`` encrypts what it wrote."""
    def forwards(apps, schema_editor):
        encrypted_column_seal(apps.get_model(app_label, model_name).objects.all(), field)

    def backwards(apps, schema_editor):
        encrypted_column_open(apps.get_model(app_label, model_name).objects.all(), field)

    return migrations.RunPython(forwards, backwards, elidable=False)
