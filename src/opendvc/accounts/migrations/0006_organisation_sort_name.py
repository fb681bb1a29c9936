"""Organisations are listed in Vietnamese alphabetical order: ``sort_name`` holds the name's
``core.collation.sort_key``; the rows already stored get theirs here."""

from django.db import migrations, models

from opendvc.core.migration_ops import fill_sort_names


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
        migrations.RunPython(
            fill_sort_names("accounts", "Organisation"), migrations.RunPython.noop
        ),
        migrations.AlterModelOptions(
            name="organisation",
            options={
                "ordering": ["sort_name", "pk"],
                "verbose_name": "tổ chức",
                "verbose_name_plural": "tổ chức",
            },
        ),
    ]
