"""Migrations that would lock a big table or break the release still running (zero-downtime rule,
docs/adr/0004-zero-downtime-deploys.md).

During a rolling deploy the old release keeps serving while the new one migrates: a migration must
leave a schema the old code still works with (expand now, contract one release later), and must not
hold a lock on a big table for longer than a request may wait. ``migration_findings`` lists every
operation of the project's migrations that does either; ``manage.py check_migrations_locking``
prints them and fails on any that the allow-list (``ALLOWED``) does not name with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.models import NOT_PROVIDED, Value

# Tables that grow with the province's traffic (millions of rows): a lock on one of them stops
# filing, processing or signing in for as long as it is held.
BIG_TABLES = frozenset(
    {
        "accounts.user",
        "accounts.usersession",
        "audit.auditentry",
        "dossiers.dossier",
        "dossiers.dossierfile",
        "dossiers.dossierevent",
        "dossiers.dossierdocument",
        "dossiers.dossieraccess",
        "dossiers.upload",
        "eforms.formdraft",
        "feedback.feedback",
        "feedback.feedbackevent",
        "feedback.attachment",
        "notifications.notification",
        "notifications.deliverylog",
        "workflow.steprun",
    }
)

# Existing migrations, reviewed: each ran once on tables that were small or empty at the time, or
# is a deliberate contract step. A new migration is never added here without the same review.
ALLOWED: dict[str, str] = {
    "audit.0003_mac_key_id": "first release: the audit table was empty",
    "dossiers.0002_processing": "first release: dossiers tables were empty",
    "dossiers.0003_inbox_indexes": "first release: dossiers tables were empty",
    "dossiers.0004_overdue_escalation": "first release: dossiers tables were empty",
    "dossiers.0005_open_due_window": "first release: dossiers tables were empty",
    "dossiers.0006_event_history_protected": "first release: dossiers tables were empty",
    "dossiers.0006_form_data_identifiers_access_log": "first release: dossiers tables were empty",
    "feedback.0002_feedback_dossier": "first release: feedback tables were empty",
    "feedback.0003_open_queue_indexes": "first release: feedback tables were empty",
    "feedback.0004_sender_phone_encrypted": "first release: feedback tables were empty",
    "feedback.0005_channels_of_art_7": "first release: feedback tables were empty",
    "accounts.0002_profiles_organisations_encrypted_phone": "first release: the accounts table was small",
    "workflow.0002_queue_index": "first release: workflow tables were empty",
    "eforms.0003_draft_identifiers_sealed": (
        "the column stays jsonb (only the Python field class changes, no DDL); the data step seals "
        "drafts row by row, and drafts expire after 30 days, so the table is small"
    ),
    "dossiers.0008_alter_dossieraccess_action": (
        "a new choice of the access log's action (registry fetches): the varchar(10) column is unchanged, "
        "no DDL (sqlmigrate prints no statement)"
    ),
    "dossiers.0012_alter_dossierevent_action": (
        "a new choice of the history's action (the applicant's choice of how to receive the result): "
        "the varchar(30) column is unchanged, no DDL (sqlmigrate prints no statement)"
    ),
}


@dataclass(frozen=True)
class Finding:
    migration: str  # "app_label.name"
    operation: str
    table: str
    reason: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.operation} on {self.table}: {self.reason}"


BREAKING = {
    migrations.RenameField: "renames a column the running release still reads (add the new one, copy, drop later)",
    migrations.RenameModel: "renames a table the running release still reads",
    migrations.AlterModelTable: "renames a table the running release still reads",
    migrations.RemoveField: "drops a column the running release may still read (contract one release later, after the code stopped using it)",
    migrations.DeleteModel: "drops a table the running release may still read (contract one release later)",
}
LOCK = "ACCESS EXCLUSIVE / SHARE lock on a big table"


def _model_label(app_label: str, op) -> str:
    name = (
        getattr(op, "model_name", None) or getattr(op, "name", None) or getattr(op, "old_name", "")
    )
    return f"{app_label}.{str(name).lower()}"


def _big_db_tables() -> dict[str, str]:
    out = {}
    for label in BIG_TABLES:
        try:
            out[apps.get_model(label)._meta.db_table] = label
        except LookupError:
            continue
    return out


def _database_operations(operations):
    """The operations that reach the database: those of a SeparateDatabaseAndState are its
    ``database_operations`` (its state operations run no SQL)."""
    for op in operations:
        if isinstance(op, migrations.SeparateDatabaseAndState):
            yield from _database_operations(op.database_operations)
        else:
            yield op


def _locking_statement(statement: str) -> bool:
    """An ALTER TABLE or an index build that holds a lock blocking writes for its whole run. The two
    steps docs/adr/0004 prescribes for a constraint are not: ``ADD CONSTRAINT … NOT VALID`` (a brief
    lock, no scan) and ``VALIDATE CONSTRAINT`` (scans without blocking writes)."""
    if re.search(r"\bALTER\s+TABLE\b", statement, re.I):
        return not (
            re.search(r"\bVALIDATE\s+CONSTRAINT\b", statement, re.I)
            or re.search(r"\bADD\s+CONSTRAINT\b.*\bNOT\s+VALID\b", statement, re.I | re.S)
        )
    return bool(
        re.search(r"\bCREATE\s+(UNIQUE\s+)?INDEX\b", statement, re.I)
        and not re.search(r"\bCONCURRENTLY\b", statement, re.I)
    )


def operation_findings(app_label: str, migration_name: str, operations) -> list[Finding]:
    """The findings of one migration's operations (tables created by the same migration are new and
    empty: nothing there can lock or break)."""
    # Imported on first use: django.contrib.postgres needs psycopg, absent from SQLite-only installs.
    from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently

    operations = list(_database_operations(operations))
    created = {
        f"{app_label}.{op.name.lower()}"
        for op in operations
        if isinstance(op, migrations.CreateModel)
    }
    label = f"{app_label}.{migration_name}"
    found: list[Finding] = []

    def add(op, table, reason):
        found.append(Finding(label, type(op).__name__, table, reason))

    for op in operations:
        if isinstance(op, migrations.RunSQL):
            sql = " ".join(
                s if isinstance(s, str) else str(s[0])
                for s in (op.sql if isinstance(op.sql, list | tuple) else [op.sql])
            )
            # Statement by statement: one built CONCURRENTLY does not excuse the next.
            statements = [s for s in sql.split(";") if s.strip()]
            for db_table, model in _big_db_tables().items():
                if any(
                    re.search(rf"\b{re.escape(db_table)}\b", statement)
                    and _locking_statement(statement)
                    for statement in statements
                ):
                    add(op, model, f"raw SQL altering or indexing a big table ({LOCK})")
            continue
        if isinstance(op, AddIndexConcurrently | RemoveIndexConcurrently):
            continue
        table = _model_label(app_label, op)
        if table in created:
            continue
        big = table in BIG_TABLES
        for kind, reason in BREAKING.items():
            if isinstance(op, kind):
                add(op, table, reason)
        if not big:
            continue
        if isinstance(op, migrations.AddField):
            field = op.field
            # NOT NULL with a constant database default (db_default) is written in the catalogue
            # only (PostgreSQL 11+), and the running release's inserts get the default; a Python
            # default is dropped from the column right after it is added, so those inserts fail.
            db_default = getattr(field, "db_default", NOT_PROVIDED)
            constant_db_default = db_default is not NOT_PROVIDED and (
                isinstance(db_default, Value) or not hasattr(db_default, "resolve_expression")
            )
            if not field.null and not field.many_to_many and not constant_db_default:
                add(
                    op,
                    table,
                    f"NOT NULL column: rewrites or scans the table under an {LOCK} (add it nullable, backfill in batches, then set NOT NULL)",
                )
            if (field.db_index or field.unique) and not field.many_to_many:
                add(
                    op, table, "index built without CONCURRENTLY: blocks writes for the whole build"
                )
        elif isinstance(op, migrations.AlterField):
            add(
                op,
                table,
                f"type, NULL or index change: may rewrite or scan the table under an {LOCK}",
            )
        elif isinstance(op, migrations.AddIndex):
            add(
                op,
                table,
                "index built without CONCURRENTLY: blocks writes for the whole build (use AddIndexConcurrently)",
            )
        elif isinstance(op, migrations.AddConstraint):
            add(op, table, f"constraint validated (or its index built) under an {LOCK}")
        elif isinstance(op, migrations.AlterUniqueTogether | migrations.AlterIndexTogether):
            add(op, table, "unique index built without CONCURRENTLY")
    return found


def project_migrations(*, unapplied_only: bool = False, connection=None):
    """(app_label, name, Migration) of the project's own apps, in dependency order."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    ours = {c.label for c in apps.get_app_configs() if c.name.startswith("opendvc.")}
    applied = set(loader.applied_migrations or {}) if unapplied_only else set()
    for app_label, name in loader.graph.nodes:
        if app_label in ours and (app_label, name) not in applied:
            yield app_label, name, loader.graph.nodes[(app_label, name)]


def migration_findings(*, unapplied_only: bool = False, connection=None) -> list[Finding]:
    out: list[Finding] = []
    for app_label, name, migration in sorted(
        project_migrations(unapplied_only=unapplied_only, connection=connection)
    ):
        out += operation_findings(app_label, name, migration.operations)
    return out
