"""Data: online returns counted at issuance, not at the first download (see ``vault.backfill``)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from opendvc.vault import backfill

    backfill.run(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0001_initial"),
        ("dossiers", "0007_merge_parallel_changes"),
        ("workflow", "0003_job_mark"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
