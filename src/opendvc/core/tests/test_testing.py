"""The suite's seed replay: the same rows as the real seed, or the real seed when the database is in
another state."""

from __future__ import annotations

from django.db import transaction

from opendvc.agencies.models import Agency, Tier
from opendvc.audit.models import AuditEntry
from opendvc.audit.services import audit_record, audit_verify_chain
from opendvc.core.testing import MAX_SNAPSHOTS, replayed


def _rows():
    agencies = sorted(Agency.objects.values_list("pk", "code", "name", "parent_id"))
    entries = sorted(AuditEntry.objects.values_list("pk", "action", "entry_hash"))
    return agencies, entries


def test_replay_writes_the_recorded_rows_and_keeps_the_audit_chain(db):
    calls = []

    def seed():
        calls.append(1)
        tier = Tier.objects.create(code="thu-nghiem", name="Cấp thử nghiệm")
        parent = Agency.objects.create(code="000.00.90.H19", name="Sở Thử nghiệm", tier=tier)
        child = Agency.objects.create(
            code="000.90.01.H19", name="Phòng Một", parent=parent, tier=tier
        )
        audit_record(actor=None, action="test.seed", target=child, changes={"n": 2})

    wrapped = replayed(seed)
    point = transaction.savepoint()
    wrapped()
    recorded = _rows()
    transaction.savepoint_rollback(point)
    assert _rows() == ([], [])

    point = transaction.savepoint()
    wrapped()  # same starting state: replayed
    assert calls == [1]
    assert _rows() == recorded
    assert audit_verify_chain().ok
    # The sequences moved past the replayed keys: a new row does not collide.
    Tier.objects.create(code="khac", name="Cấp khác")
    transaction.savepoint_rollback(point)

    Tier.objects.create(code="khac-nua", name="Cấp khác nữa")
    wrapped()  # another starting state: the real seed runs
    assert calls == [1, 1]
    assert audit_verify_chain().ok


def test_arguments_always_run_the_real_seed(db):
    calls = []

    def seed(stdout=None):
        calls.append(stdout)

    wrapped = replayed(seed)
    wrapped(stdout="x")
    wrapped(stdout="y")
    assert calls == ["x", "y"]


def test_rows_the_seed_is_not_about_do_not_stop_the_replay(db):
    from django.contrib.auth import get_user_model

    calls = []
    tier = Tier.objects.create(code="co-san", name="Cấp có sẵn")

    def seed():
        calls.append(1)
        Agency.objects.create(code="000.00.91.H19", name="Sở Thử nghiệm", tier=Tier.objects.get(code="co-san"))

    wrapped = replayed(seed)
    point = transaction.savepoint()
    wrapped()
    recorded = _rows()
    transaction.savepoint_rollback(point)

    # A user made first (a table the seed neither writes nor points to): replayed.
    point = transaction.savepoint()
    get_user_model().objects.create_user(email="truoc@example.vn", password="pw-Strong-123")
    wrapped()
    assert calls == [1] and _rows() == recorded
    transaction.savepoint_rollback(point)

    # A tier made first (the seed's agency points to the tiers): the real seed runs.
    point = transaction.savepoint()
    Tier.objects.create(code="them", name="Cấp thêm")
    wrapped()
    assert calls == [1, 1]
    assert Agency.objects.get(code="000.00.91.H19").tier_id == tier.pk
    transaction.savepoint_rollback(point)


def test_a_seed_that_changed_nothing_is_not_replayed_into_an_empty_database(db):
    """Run over its own rows (the rows a command's real seed made first, say), an idempotent seed
    changes nothing; that snapshot must not stand in for the seed in a database without the rows (it
    did: the shipped catalog went missing in a later test of the same process)."""
    calls = []

    def seed(stdout=None):
        calls.append(1)
        tier, _ = Tier.objects.get_or_create(code="mot-lan", defaults={"name": "Cấp một lần"})
        Agency.objects.get_or_create(code="000.00.92.H19", defaults={"name": "Sở Một lần", "tier": tier})

    wrapped = replayed(seed)
    point = transaction.savepoint()
    wrapped(stdout=None)  # with arguments: the real seed, not recorded (as ``seed_demo`` runs it)
    wrapped()  # over its own rows: recorded, changing nothing
    assert calls == [1, 1]
    transaction.savepoint_rollback(point)
    assert not Agency.objects.filter(code="000.00.92.H19").exists()

    # An empty database: the empty snapshot does not match it; the real seed makes the rows.
    wrapped()
    assert calls == [1, 1, 1]
    assert Agency.objects.filter(code="000.00.92.H19").exists()


def test_one_off_states_do_not_keep_the_common_one_from_being_replayed(db):
    """The first states a process meets may never come back (rows a test made first); once the
    snapshots are all taken, one never replayed gives its place, so the state most tests start from is
    still recorded and then replayed. A snapshot that has been replayed keeps its place."""
    calls = []

    def seed():
        calls.append(1)
        Agency.objects.create(
            code="000.00.93.H19", name="Sở Một lần", tier=Tier.objects.get(code="chung")
        )

    def one_offs(rounds: int, first: int) -> None:
        for n in range(first, first + rounds):
            point = transaction.savepoint()
            for i in range(n + 1):  # as many rows as the round: a state no other round has
                Tier.objects.create(code=f"mot-lan-{n}-{i}", name=f"Cấp một lần {n}.{i}")
            wrapped()
            transaction.savepoint_rollback(point)

    def common() -> None:
        point = transaction.savepoint()
        wrapped()
        assert Agency.objects.filter(code="000.00.93.H19").count() == 1
        transaction.savepoint_rollback(point)

    Tier.objects.create(code="chung", name="Cấp chung")
    wrapped = replayed(seed)
    one_offs(MAX_SNAPSHOTS, first=1)  # every snapshot taken by a state that never comes back
    assert len(calls) == MAX_SNAPSHOTS
    common()  # recorded in the place of a one-off
    common()  # and replayed
    assert len(calls) == MAX_SNAPSHOTS + 1

    one_offs(MAX_SNAPSHOTS + 2, first=MAX_SNAPSHOTS + 1)  # more one-offs take the other places
    calls.clear()
    common()  # the replayed snapshot kept its place
    assert calls == []
