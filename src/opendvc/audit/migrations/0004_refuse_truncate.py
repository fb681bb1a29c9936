"""On PostgreSQL, refuse TRUNCATE of the audit table (a statement-level BEFORE TRUNCATE trigger).

A session may only empty it after ``SET opendvc.audit_truncate = 'allow'``; the test suite sets it on
its own test database (conftest.py) because test teardown empties every table. A database superuser
can still drop the trigger: the signed checkpoints kept outside the database (``AUDIT_CHECKPOINT_DIR``)
are what reveals an emptied chain then.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('opendvc.audit_truncate', true), '') = 'allow' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit_auditentry is append-only (TRUNCATE refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_truncate();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_refuse_truncate();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_mac_key_id")]
    operations = [migrations.RunPython(up, down)]
