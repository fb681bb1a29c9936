"""Organisations are listed in Vietnamese alphabetical order: ``sort_name`` holds the name's
``core.collation.sort_key``; the rows already stored get theirs here."""

from django.db import migrations, models

from opendvc.core.collation import sort_key


def fill(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    rows = list(Organisation.objects.only("id", "name"))
    for row in rows:
        row.sort_name = sort_key(row.name)
    Organisation.objects.bulk_update(rows, ["sort_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_organisation_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="sort_name",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="organisation",
            options={
                "ordering": ["sort_name", "pk"],
                "verbose_name": "tổ chức",
                "verbose_name_plural": "tổ chức",
            },
        ),
    ]
