"""SQLite only: an FTS5 index over the folded search text, kept in step by triggers.

``catalog_procedure_fts MATCH '"dang"* AND "ki"* AND "khai"* AND "si"*'`` finds the procedures where
each query word begins a word of the name, field or legal basis, from the index (prefix indexes for
1–4 characters). Where the SQLite library lacks FTS5 nothing is created and search falls back to
LIKE on the same column (see catalog.search).
"""

from django.db import migrations

STATEMENTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_procedure_fts USING fts5("
    "search_doc, content='catalog_procedure', content_rowid='id', prefix='1 2 3 4')",
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts) VALUES ('rebuild')",
    "CREATE TRIGGER IF NOT EXISTS catalog_procedure_fts_ai AFTER INSERT ON catalog_procedure BEGIN "
    "INSERT INTO catalog_procedure_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_procedure_fts_ad AFTER DELETE ON catalog_procedure BEGIN "
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts, rowid, search_doc) "
    "VALUES ('delete', old.id, old.search_doc); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_procedure_fts_au AFTER UPDATE OF search_doc ON catalog_procedure BEGIN "
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts, rowid, search_doc) "
    "VALUES ('delete', old.id, old.search_doc); "
    "INSERT INTO catalog_procedure_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END",
]
DROP = [
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_ai",
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_au",
    "DROP TABLE IF EXISTS catalog_procedure_fts",
]


def _has_fts5(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        return any(row[0] == "ENABLE_FTS5" for row in cursor.fetchall())


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite" or not _has_fts5(schema_editor.connection):
        return
    for statement in STATEMENTS:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_word_prefix_index")]
    operations = [migrations.RunPython(forwards, backwards)]
