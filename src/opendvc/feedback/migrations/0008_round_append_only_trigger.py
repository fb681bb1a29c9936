"""Regulation Art. 4.2: the ended forwardings (``FeedbackRound``) are only ever appended, like the history
they are kept beside — the reports as of a past cut-off read them. On PostgreSQL the database itself
refuses UPDATE and DELETE of their rows (TRUNCATE is left to the table owner, as for the audit log)."""

from django.db import migrations

from opendvc.core.append_only import trigger_sql

UP, DOWN = trigger_sql("feedback_feedbackround")


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0007_kept_instants_for_reports")]
    operations = [migrations.RunPython(up, down)]
