"""The confirmation's audit entries are chained last (``audit.services.audit_chain_last``): same
entries, same order, a chain that verifies; an entry of a savepoint rolled back is dropped with it;
nothing is chained when the block raises."""

from __future__ import annotations

import pytest
from django.db import transaction

from opendvc.audit.models import AuditChainHead, AuditEntry
from opendvc.audit.services import audit_chain_last, audit_record, audit_verify_chain

pytestmark = pytest.mark.django_db


def test_entries_are_chained_at_the_end_in_order_and_verify():
    audit_record(actor=None, action="test.before")
    with transaction.atomic(), audit_chain_last():
        first = audit_record(actor=None, action="test.one", changes={"n": 1})
        assert first.pk is None and not AuditEntry.objects.filter(action="test.one").exists()
        try:
            with transaction.atomic():
                audit_record(actor=None, action="test.rolled_back")
                raise ValueError
        except ValueError:
            pass
        with audit_chain_last():  # nested: chained with the outer block
            audit_record(actor=None, action="test.two")
    audit_record(actor=None, action="test.after")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-4:] == ["test.before", "test.one", "test.two", "test.after"]
    assert first.pk is not None
    assert AuditChainHead.objects.get(id=1).count == AuditEntry.objects.count()
    assert audit_verify_chain().ok


def test_nothing_is_chained_when_the_block_raises():
    with pytest.raises(RuntimeError), transaction.atomic(), audit_chain_last():
        audit_record(actor=None, action="test.never")
        raise RuntimeError
    assert not AuditEntry.objects.filter(action="test.never").exists()
    assert audit_verify_chain().ok
