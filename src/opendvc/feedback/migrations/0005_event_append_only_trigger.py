"""Regulation Art. 4.2: the history of feedback is only ever appended — on PostgreSQL the database itself
refuses UPDATE and DELETE of its rows (TRUNCATE is left to the table owner, as for the audit log)."""

from django.db import migrations

from opendvc.core.append_only import trigger_sql

UP, DOWN = trigger_sql("feedback_feedbackevent")


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_sender_phone_encrypted")]
    operations = [migrations.RunPython(up, down)]
