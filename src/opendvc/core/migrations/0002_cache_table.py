"""The table of the database cache (``CACHE_BACKEND=database``), created whether or not it is used
so that switching a deployment from Redis to the database cache needs no manual step."""

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "opendvc_cache"


def up(apps, schema_editor):
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def down(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_rate_counter")]
    operations = [migrations.RunPython(up, down)]
