"""Agencies are listed in Vietnamese alphabetical order: ``sort_name`` holds the name's
``core.collation.sort_key`` (digits only, so that every collation orders it alike); the rows already
stored get theirs here (a few hundred agencies in a province)."""

from django.db import migrations, models

from opendvc.core.migration_ops import fill_sort_names


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_staffrole"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="sort_name",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(fill_sort_names("agencies", "Agency"), migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="agency",
            options={
                "ordering": ["tier__rank", "sort_name", "code"],
                "verbose_name": "cơ quan",
                "verbose_name_plural": "cơ quan",
            },
        ),
    ]
