"""Attacks by someone with database access but without the audit key or the checkpoint folder.

Each attack is one that the unkeyed chain with its head in the database let through: the chain was
made consistent again inside the database. The keyed MAC and the signed checkpoints kept outside it
reveal each one, and ``verify_audit`` names which.
"""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from opendvc.audit.chain import GENESIS, canonical_content
from opendvc.audit.checkpoints import ChainChangedError, audit_checkpoint_write, checkpoints_load
from opendvc.audit.models import AuditChainHead, AuditEntry
from opendvc.audit.services import audit_record, audit_verify_chain
from opendvc.core.periodic import run_all


@pytest.fixture(autouse=True)
def _checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def _bypass_triggers():
    if connection.vendor == "postgresql":
        # A superuser can switch triggers off; what is left to catch them is outside the database.
        _raw("SET LOCAL session_replication_role = replica")


def _append(n, start=0):
    return [
        audit_record(
            actor=None,
            action=f"demo.{start + i}",
            target=("dossier", f"HS-{start + i}"),
            changes={"i": start + i},
        )
        for i in range(n)
    ]


def _rechain_unkeyed(*, from_id=0, key_id=None):
    """Recompute the hashes with plain SHA-256 from row ``from_id`` on, as the old verifier accepted,
    and move the head: what an attacker without the key can do after editing a row."""
    prev = GENESIS
    rows = list(AuditEntry.objects.order_by("id"))
    for entry in rows:
        if entry.id < from_id:
            prev = entry.entry_hash
            continue
        if key_id is not None:
            entry.key_id = key_id
        new = hashlib.sha256((prev + "|" + canonical_content(entry)).encode()).hexdigest()
        _raw(
            "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s, key_id = %s WHERE id = %s",
            [prev, new, entry.key_id, entry.id],
        )
        prev = new
    _raw("UPDATE audit_auditchainhead SET last_hash = %s, count = %s", [prev, len(rows)])


def test_entries_are_keyed_and_checkpoints_signed(db, settings):
    entries = _append(3)
    assert {e.key_id for e in entries} == {settings.AUDIT_MAC_KEY_ID}
    cp = audit_checkpoint_write()
    assert (
        cp.count == 3
        and cp.head == entries[-1].entry_hash
        and cp.path.parent == settings.AUDIT_CHECKPOINT_DIR
    )
    assert audit_checkpoint_write() is None  # nothing appended since
    _append(2, start=3)
    assert audit_checkpoint_write().count == 5
    report = audit_verify_chain()
    assert report.ok and report.checked == 5 and report.checkpoint.count == 5


def test_periodic_job_writes_a_checkpoint(db):
    _append(2)
    assert run_all(only=["audit.checkpoint"]) == {"audit.checkpoint": "ok: 2 entries signed"}
    assert run_all(only=["audit.checkpoint"]) == {"audit.checkpoint": "ok: unchanged"}


def test_a_different_key_cannot_forge_entries(db, settings):
    _append(3)
    settings.AUDIT_MAC_KEY = "another-key-the-attacker-made-up-0123456789"
    report = audit_verify_chain()
    assert not report.ok and report.kind == "altered"


def test_rotated_key_still_verifies_old_rows(db, settings):
    _append(2)
    old_key, old_id = settings.AUDIT_MAC_KEY, settings.AUDIT_MAC_KEY_ID
    audit_checkpoint_write()
    settings.AUDIT_MAC_KEY, settings.AUDIT_MAC_KEY_ID = (
        "new-key-after-rotation-0123456789abcdef",
        "k2",
    )
    settings.AUDIT_MAC_RETIRED_KEYS = [f"{old_id}:{old_key}"]
    new = _append(2, start=2)
    assert new[0].key_id == "k2"
    assert audit_checkpoint_write().key_id == "k2"
    assert audit_verify_chain().ok
    settings.AUDIT_MAC_RETIRED_KEYS = []
    report = audit_verify_chain()
    assert not report.ok and report.kind == "unknown_key"


@pytest.mark.parametrize("as_legacy", [False, True])
def test_rechain_after_edit_with_the_unkeyed_hash(db, as_legacy):
    entries = _append(5)
    _bypass_triggers()
    _raw("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"i": 99}', entries[2].pk])
    _rechain_unkeyed(from_id=entries[2].pk, key_id="legacy" if as_legacy else None)
    report = audit_verify_chain()
    assert not report.ok and report.broken_id == entries[2].pk
    assert report.kind == ("rechained" if as_legacy else "altered")


def test_whole_chain_rewritten_as_legacy_is_caught_by_the_checkpoint(db):
    _append(4)
    audit_checkpoint_write()
    _bypass_triggers()
    # Every row relabelled as written before keys existed, each hash recomputed: consistent in itself.
    _rechain_unkeyed(key_id="legacy")
    report = audit_verify_chain()
    assert not report.ok and report.kind == "rechained"


def test_delete_tail_and_move_head(db):
    entries = _append(6)
    audit_checkpoint_write()
    _bypass_triggers()
    _raw("DELETE FROM audit_auditentry WHERE id >= %s", [entries[3].pk])
    _raw("UPDATE audit_auditchainhead SET last_hash = %s, count = %s", [entries[2].entry_hash, 3])
    report = audit_verify_chain()
    assert not report.ok and report.kind == "truncated" and report.checked == 3
    with pytest.raises(ChainChangedError):
        audit_checkpoint_write()  # the job refuses to sign it


def test_emptied_table_and_reset_head(db):
    _append(4)
    audit_checkpoint_write()
    _bypass_triggers()
    _raw("DELETE FROM audit_auditentry")
    _raw("UPDATE audit_auditchainhead SET last_hash = %s, count = 0", [GENESIS])
    report = audit_verify_chain()
    assert not report.ok and report.kind == "truncated" and report.checked == 0
    with pytest.raises(CommandError, match=r"\[truncated\]"):
        call_command("verify_audit", stdout=StringIO())


def test_rollback_to_an_earlier_checkpoint(db):
    entries = _append(3)
    audit_checkpoint_write()
    _append(3, start=3)
    audit_checkpoint_write()
    _bypass_triggers()
    # The state of the first checkpoint comes back, as when an old backup is restored.
    _raw("DELETE FROM audit_auditentry WHERE id > %s", [entries[-1].pk])
    _raw("UPDATE audit_auditchainhead SET last_hash = %s, count = 3", [entries[-1].entry_hash])
    report = audit_verify_chain()
    assert not report.ok and report.kind == "rollback"


def test_rollback_then_new_entries(db):
    entries = _append(3)
    audit_checkpoint_write()
    _append(3, start=3)
    audit_checkpoint_write()
    _bypass_triggers()
    _raw("DELETE FROM audit_auditentry WHERE id > %s", [entries[-1].pk])
    _raw("UPDATE audit_auditchainhead SET last_hash = %s, count = 3", [entries[-1].entry_hash])
    _append(4, start=100)  # the portal goes on writing after the restore
    report = audit_verify_chain()
    assert not report.ok and report.kind == "rollback"


def test_checkpoint_files_cannot_be_forged(db, settings):
    _append(2)
    cp = audit_checkpoint_write()
    data = json.loads(cp.path.read_text())
    forged = cp.path.with_name("checkpoint-000000000001-forged.json")
    forged.write_text(json.dumps({**data, "count": 1}))
    found, problems = checkpoints_load()
    assert [c.count for c in found] == [2] and any("chữ ký sai" in p for p in problems)
    report = audit_verify_chain()
    assert not report.ok and report.kind == "bad_checkpoint"


def test_legacy_rows_before_keyed_rows_verify(db):
    """Rows from before the upgrade keep their plain hash (key id "legacy") and still verify."""
    prev = GENESIS
    entries = _append(3)
    _bypass_triggers()
    for entry in entries[:2]:
        entry.key_id = "legacy"
        h = hashlib.sha256((prev + "|" + canonical_content(entry)).encode()).hexdigest()
        _raw(
            "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s, key_id = 'legacy' WHERE id = %s",
            [prev, h, entry.id],
        )
        prev = h
    # The third row is keyed: relink it to the rewritten second one, with its MAC recomputed.
    from opendvc.audit.chain import compute_hash

    third = AuditEntry.objects.get(pk=entries[2].pk)
    third.prev_hash = prev
    h = compute_hash(prev, third)
    _raw(
        "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE id = %s",
        [prev, h, third.id],
    )
    _raw("UPDATE audit_auditchainhead SET last_hash = %s, count = 3", [h])
    assert audit_verify_chain().ok
    assert audit_checkpoint_write().legacy == 2
    assert audit_verify_chain().ok


def test_postgresql_refuses_truncate(postgres_db):
    _append(2)
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        _raw("SET LOCAL opendvc.audit_truncate = ''")
        _raw("SET CONSTRAINTS ALL IMMEDIATE")  # the rows above were inserted in this transaction
        _raw("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.count() == 2 and AuditChainHead.objects.get().count == 2
