"""PostgreSQL only: the pg_trgm extension and trigram GIN indexes on the folded search columns.

On SQLite this migration does nothing; search there uses LIKE on the same folded columns.
"""

from django.db import migrations

INDEXES = [
    ("catalog_procedure_search_doc_trgm", "search_doc"),
    ("catalog_procedure_search_name_trgm", "search_name"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON catalog_procedure USING gin ({column} gin_trgm_ops)"
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_procedure_name_field_trgm ON catalog_procedure "
        "USING gin ((search_name || ' ' || search_field) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_procedure_name_field_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
