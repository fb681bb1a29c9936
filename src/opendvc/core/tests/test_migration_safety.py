"""The zero-downtime rule (docs/adr/0004-zero-downtime-deploys.md): no migration of the project locks
a big table or breaks the release still running, except the reviewed ones of the allow-list."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import migrations, models

from opendvc.core.migration_safety import ALLOWED, migration_findings, operation_findings


def test_project_migrations_pass_the_check_with_the_allow_list():
    findings = migration_findings()
    unreviewed = sorted({str(f) for f in findings if f.migration not in ALLOWED})
    assert unreviewed == [], "\n".join(unreviewed)
    # The allow-list names only migrations that need it (no stale entry hides a future one).
    assert set(ALLOWED) == {f.migration for f in findings}


def test_the_command_fails_on_an_unreviewed_migration(monkeypatch, capsys):
    call_command("check_migrations_locking")
    assert "Không có di trú nào khóa bảng lớn" in capsys.readouterr().out
    monkeypatch.delitem(ALLOWED, "dossiers.0003_inbox_indexes")
    with pytest.raises(CommandError, match="tách thành các bước"):
        call_command("check_migrations_locking")
    assert (
        "LOCKING  dossiers.0003_inbox_indexes: AddIndex on dossiers.dossier"
        in capsys.readouterr().out
    )


def _reasons(operations, app="dossiers"):
    return [(f.operation, f.table) for f in operation_findings(app, "0099_new", operations)]


def test_what_locks_or_breaks_is_found():
    from django.contrib.postgres.operations import AddIndexConcurrently

    index = models.Index(fields=["status"], name="dossier_status_x")
    assert _reasons([migrations.AddField("dossier", "x", models.IntegerField(default=0))]) == [
        ("AddField", "dossiers.dossier")
    ]
    assert _reasons([migrations.AddField("dossier", "x", models.IntegerField(null=True))]) == []
    assert _reasons(
        [migrations.AddField("dossier", "x", models.IntegerField(null=True, db_index=True))]
    ) == [("AddField", "dossiers.dossier")]
    assert _reasons([migrations.AlterField("dossier", "status", models.TextField())]) == [
        ("AlterField", "dossiers.dossier")
    ]
    assert _reasons([migrations.AddIndex("dossier", index)]) == [("AddIndex", "dossiers.dossier")]
    assert _reasons([AddIndexConcurrently("dossier", index)]) == []
    assert _reasons([migrations.RenameField("dossier", "a", "b")]) == [
        ("RenameField", "dossiers.dossier")
    ]
    assert _reasons([migrations.RenameModel("Counter", "Tally")]) == [
        ("RenameModel", "dossiers.counter")
    ]
    assert _reasons([migrations.RemoveField("dailycounter", "x")]) == [
        ("RemoveField", "dossiers.dailycounter")
    ]
    assert _reasons([migrations.RunSQL("CREATE INDEX x ON dossiers_dossier (status)")]) == [
        ("RunSQL", "dossiers.dossier")
    ]
    assert (
        _reasons([migrations.RunSQL("CREATE INDEX CONCURRENTLY x ON dossiers_dossier (status)")])
        == []
    )
    # Small tables may be altered; a table created by the same migration is new and empty.
    assert (
        _reasons([migrations.AddField("dailycounter", "x", models.IntegerField(default=0))]) == []
    )
    created = [
        migrations.CreateModel("Fresh", [("id", models.BigAutoField(primary_key=True))]),
        migrations.AddField("fresh", "x", models.IntegerField(default=0)),
    ]
    assert _reasons(created) == []


def test_operations_hidden_in_separate_database_and_state_are_found():
    index = models.Index(fields=["status"], name="dossier_status_x")
    hidden = migrations.SeparateDatabaseAndState(
        state_operations=[],
        database_operations=[migrations.AddIndex("dossier", index)],
    )
    assert _reasons([hidden]) == [("AddIndex", "dossiers.dossier")]
    # Only the state changes: no SQL, nothing to find.
    state_only = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField("dossier", "status", models.TextField())]
    )
    assert _reasons([state_only]) == []


def test_renaming_a_table_breaks_the_running_release():
    assert _reasons([migrations.AlterModelTable("dailycounter", "dossiers_counter")]) == [
        ("AlterModelTable", "dossiers.dailycounter")
    ]


def test_not_null_with_a_database_default_is_the_expand_step_of_the_adr():
    """docs/adr/0004 allows 'NOT NULL with a database default': PostgreSQL 11+ writes a constant
    default in the catalogue only, and the running release's inserts get it."""
    from django.db.models.functions import Now

    with_db_default = models.IntegerField(db_default=0)
    assert _reasons([migrations.AddField("dossier", "x", with_db_default)]) == []
    # A Python default is dropped from the column once added: the old release's inserts fail.
    assert _reasons([migrations.AddField("dossier", "x", models.IntegerField(default=0))]) == [
        ("AddField", "dossiers.dossier")
    ]
    # An expression is not known to be constant: it is reviewed.
    assert _reasons(
        [migrations.AddField("dossier", "x", models.DateTimeField(db_default=Now()))]
    ) == [("AddField", "dossiers.dossier")]


def test_raw_sql_is_judged_statement_by_statement():
    both = "CREATE INDEX CONCURRENTLY a ON dossiers_dossier (status); CREATE INDEX b ON dossiers_dossier (code)"
    assert _reasons([migrations.RunSQL(both)]) == [("RunSQL", "dossiers.dossier")]
    # The ADR's recipe for a NOT NULL column or a constraint on a big table blocks no writes.
    recipe = [
        "ALTER TABLE dossiers_dossier ADD CONSTRAINT x_not_null CHECK (x IS NOT NULL) NOT VALID",
        "ALTER TABLE dossiers_dossier VALIDATE CONSTRAINT x_not_null",
    ]
    assert _reasons([migrations.RunSQL(recipe)]) == []
    assert _reasons(
        [migrations.RunSQL("ALTER TABLE dossiers_dossier ALTER COLUMN code TYPE text")]
    ) == [("RunSQL", "dossiers.dossier")]
