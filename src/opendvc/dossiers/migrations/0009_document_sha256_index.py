from django.db import migrations, models

from opendvc.core.migration_ops import AddIndexWithoutLocking


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction (docs/adr/0004-zero-downtime-deploys.md).
    atomic = False

    dependencies = [
        ("dossiers", "0008_alter_dossieraccess_action"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="dossierdocument",
            index=models.Index(fields=["sha256"], name="dossier_document_sha256"),
        ),
    ]
