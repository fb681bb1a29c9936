"""Tokens created with an expiry beyond year 9999 in UTC (PostgreSQL stored it, Python cannot read it:
the owner's token list, the revocation and the token itself answered 500) get the longest expiry now
allowed (``api.services.MAX_TOKEN_YEARS`` from today). SQLite could not store such a value."""

from django.db import migrations


def cap(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("api", "ApiToken")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {schema_editor.quote_name(table)} SET expires_at = now() + interval '5 years' "
            "WHERE expires_at >= '10000-01-01T00:00:00+00:00'::timestamptz"
        )


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(cap, migrations.RunPython.noop, elidable=True)]
