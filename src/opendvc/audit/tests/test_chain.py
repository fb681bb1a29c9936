"""The audit chain detects altered, deleted and reordered rows; the application cannot change it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import RequestFactory

from opendvc.accounts.models import User
from opendvc.audit.models import AppendOnlyError, AuditEntry
from opendvc.audit.services import audit_record, audit_verify_chain


@pytest.fixture
def chain(db):
    actor = User.objects.create_user(email="canbo@example.vn", password="x")
    entries = [
        audit_record(
            actor=actor,
            action=f"demo.step{i}",
            target=("dossier", f"HS-{i}"),
            changes={"i": i, "tên": "Nguyễn Văn A"},
        )
        for i in range(5)
    ]
    return actor, entries


def _raw(sql, params):
    """Tamper below the application, as an attacker with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _disable_trigger():
    if connection.vendor == "postgresql":
        # A database superuser can bypass triggers; the hash chain still catches what they do.
        _raw("SET LOCAL session_replication_role = replica", [])


def test_entries_record_actor_target_request_and_chain(chain):
    actor, entries = chain
    request = RequestFactory().get("/", HTTP_USER_AGENT="Trình duyệt thử", REMOTE_ADDR="10.0.0.7")
    request.request_id = "req-1"
    entry = audit_record(
        actor=actor, action="profile.read", target=actor, changes={"field": "cccd"}, request=request
    )
    assert entry.actor == actor and entry.actor_label == "canbo@example.vn"
    assert entry.target_type == "accounts.user" and entry.target_id == str(actor.public_id)
    assert (
        entry.ip_address == "10.0.0.7"
        and entry.user_agent == "Trình duyệt thử"
        and entry.request_id == "req-1"
    )
    assert entry.prev_hash == entries[-1].entry_hash
    assert audit_verify_chain().ok


def test_system_actor_and_machine_actor(db):
    assert audit_record(actor=None, action="x").actor_label == "system"
    assert audit_record(actor="onestop-sync", action="x").actor_label == "onestop-sync"


def test_application_cannot_update_or_delete(chain):
    _, entries = chain
    entry = AuditEntry.objects.get(pk=entries[0].pk)
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_altered_row_is_detected(chain):
    _, entries = chain
    _disable_trigger()
    _raw("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"i": 99}', entries[2].pk])
    report = audit_verify_chain()
    assert not report.ok and report.broken_id == entries[2].pk and "sửa" in report.reason


def test_deleted_row_is_detected(chain):
    _, entries = chain
    _disable_trigger()
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    report = audit_verify_chain()
    assert not report.ok and report.broken_id == entries[2].pk


def test_deleted_last_row_is_detected(chain):
    _, entries = chain
    _disable_trigger()
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    report = audit_verify_chain()
    assert not report.ok and report.broken_id is None


def test_reordered_rows_are_detected(chain):
    _, entries = chain
    _disable_trigger()
    a, b = entries[1].pk, entries[3].pk
    # Swap the ids of two rows (through a free id), so the walk meets them in another order.
    _raw("UPDATE audit_auditentry SET id = %s WHERE id = %s", [10_000, a])
    _raw("UPDATE audit_auditentry SET id = %s WHERE id = %s", [a, b])
    _raw("UPDATE audit_auditentry SET id = %s WHERE id = %s", [b, 10_000])
    report = audit_verify_chain()
    assert not report.ok and report.broken_id == a


def test_verify_audit_command(chain):
    _, entries = chain
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "5 bản ghi" in out.getvalue()
    _disable_trigger()
    _raw("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["forged", entries[3].pk])
    with pytest.raises(CommandError, match=f"#{entries[3].pk}"):
        call_command("verify_audit", stdout=StringIO())


def test_postgresql_trigger_refuses_update_and_delete(chain, postgres_db):
    _, entries = chain
    for sql in (
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(sql, [entries[0].pk])
    assert audit_verify_chain().ok


def test_entry_is_rolled_back_with_the_change(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="will.rollback")
        raise RuntimeError
    assert not AuditEntry.objects.filter(action="will.rollback").exists()
    assert audit_verify_chain().ok
