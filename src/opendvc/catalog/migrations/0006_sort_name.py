"""Sectors, fields and procedures are listed in Vietnamese alphabetical order: ``sort_name`` holds
the name's ``catalog.text.sort_key`` (digits only, so that every collation orders it alike); the
rows already stored get theirs here.

On SQLite, adding a column rebuilds the procedure table, which drops the triggers that keep the FTS5
index in step (migration 0004): they are created again and the index rebuilt.
"""

from importlib import import_module

from django.db import migrations, models

from opendvc.core.migration_ops import fill_sort_names

fts5 = import_module("opendvc.catalog.migrations.0004_sqlite_fts5")
fill = fill_sort_names("catalog", "Sector", "Field", "Procedure")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_working_day_rule_auto_receive"),
    ]

    operations = [
        migrations.AddField(
            model_name="field",
            name="sort_name",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="procedure",
            name="sort_name",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="sector",
            name="sort_name",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(fts5.forwards, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="field",
            options={
                "ordering": ["sort_name", "code"],
                "verbose_name": "lĩnh vực",
                "verbose_name_plural": "lĩnh vực",
            },
        ),
        migrations.AlterModelOptions(
            name="procedure",
            options={
                "ordering": ["sort_name", "code"],
                "verbose_name": "thủ tục hành chính",
                "verbose_name_plural": "thủ tục hành chính",
            },
        ),
        migrations.AlterModelOptions(
            name="sector",
            options={
                "ordering": ["sort_name", "code"],
                "verbose_name": "ngành",
                "verbose_name_plural": "ngành",
            },
        ),
    ]
