"""What one IPN costs in SQL statements (django ``CaptureQueriesContext``), pinned: the count of a
first confirmation (the order and the attempt paid, the message kept, the audit entry) and of a
repeat (one read, the message kept). The dossier is not touched in the IPN's transaction: the order is
settled after commit (the dossier's ``pay`` action, the receipt's number, the notice), and the
receipt's PDF is made after that, sealed and filed once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opendvc.dossiers.models import DossierDocument
from opendvc.payments import services
from opendvc.payments.models import GatewayMessage, PaymentAttempt, Receipt
from opendvc.vault.models import StoredDocument

from .test_pages import signed_ipn, vnpay_settings  # noqa: F401

pytestmark = pytest.mark.django_db

# In a test the IPN's transaction is a savepoint of the test's (two statements the server does not
# send: there it is BEGIN … COMMIT). The audit entry is chained last (``audit_chain_last``): the head
# locked once, then on PostgreSQL one statement appends the entry and moves the head (on SQLite the
# insert and the head's update).
FIRST_CONFIRMATION = 10
FIRST_CONFIRMATION_SQLITE = 11
REPEAT = 2


def _listing(ctx) -> str:
    return "\n".join(q["sql"][:160] for q in ctx.captured_queries)


@pytest.mark.usefixtures("vnpay_settings")
def test_a_first_confirmation_and_a_repeat_in_a_pinned_number_of_statements(
    client, dossier, citizen, django_capture_on_commit_callbacks
):
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    params = signed_ipn(attempt)
    client.get("/api/v1/ping")  # the first request's one-off reads (site settings, calendars)
    with django_capture_on_commit_callbacks() as after_commit:
        with CaptureQueriesContext(connection) as first:
            assert client.get("/thanh-toan/vnpay/ipn/", params).json()["RspCode"] == "00"
        with CaptureQueriesContext(connection) as repeat:
            assert client.get("/thanh-toan/vnpay/ipn/", params).json()["RspCode"] == "02"
    pinned = FIRST_CONFIRMATION if connection.vendor == "postgresql" else FIRST_CONFIRMATION_SQLITE
    assert len(first) == pinned, _listing(first)
    assert len(repeat) == REPEAT, _listing(repeat)
    # Neither the dossier nor a receipt in the confirmation's transaction: both come after commit.
    assert "dossiers_dossier" not in _listing(first)
    assert "payments_receipt" not in _listing(first)
    # The chain's head is locked once, after everything else the confirmation writes.
    heads = [i for i, q in enumerate(first.captured_queries) if "audit_auditchainhead" in q["sql"]]
    writes = [
        i
        for i, q in enumerate(first.captured_queries)
        if q["sql"].startswith(("INSERT", "UPDATE")) and "audit_" not in q["sql"]
    ]
    assert sum("FOR UPDATE" in first.captured_queries[i]["sql"] for i in heads) <= 1
    assert min(heads) > max(writes), _listing(first)
    dossier.refresh_from_db()
    assert dossier.status == "payment_required" and not Receipt.objects.exists()
    # After commit: the order settled (the dossier moves on, the receipt is numbered), then the
    # receipt's PDF made, sealed and filed.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()
    dossier.refresh_from_db()
    assert dossier.status == "processing"
    receipt = Receipt.objects.get(order__dossier=dossier)
    (doc,) = DossierDocument.objects.filter(dossier=dossier, kind="payment_receipt")
    assert receipt.file.name == doc.file.name and doc.event_id is None
    assert StoredDocument.objects.get(dossier_document=doc).number == receipt.number


@pytest.mark.usefixtures("vnpay_settings")
def test_a_receipt_whose_rendering_failed_is_issued_by_the_catch_up(
    client, dossier, citizen, django_capture_on_commit_callbacks, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from opendvc.payments import receipts

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    real = receipts.render_pdf

    def broken(*args, **kwargs):
        raise OSError("storage unavailable")

    monkeypatch.setattr(receipts, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    assert r.json()["RspCode"] == "00"  # the payment stands; the receipt waits
    receipt = Receipt.objects.get(order__dossier=dossier)
    assert not receipt.file
    assert receipts.receipts_pending() == 0  # left to its worker for a while
    monkeypatch.setattr(receipts, "render_pdf", real)
    later = timezone.now() + receipts.PENDING_AFTER + timedelta(seconds=1)
    assert receipts.receipts_pending(now=later) == 1
    assert receipts.receipts_pending(now=later) == 0
    receipt.refresh_from_db()
    assert receipt.file
    assert DossierDocument.objects.filter(dossier=dossier, kind="payment_receipt").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("vnpay_settings")
def test_on_postgresql_the_payment_commits_before_the_flush_and_the_message_commit_waits_for_it(
    postgres_db, client, dossier, citizen
):
    """Outside a caller's transaction, the confirmation's change commits without waiting for the WAL
    flush (the audit chain's head is released at once) and the raw message is kept in a second
    transaction whose commit waits for it, which makes both durable before the gateway is answered.
    A repeat about a state changed a moment ago waits for the flush as well; later ones do not."""
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    params = signed_ipn(attempt)
    client.get("/api/v1/ping")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/thanh-toan/vnpay/ipn/", params).json()["RspCode"] == "00"
    sqls = [q["sql"] for q in first.captured_queries]
    no_flush = [i for i, q in enumerate(sqls) if "synchronous_commit TO OFF" in q]
    lock = next(i for i, q in enumerate(sqls) if "payments_paymentorder" in q and "FOR UPDATE" in q)
    head = next(i for i, q in enumerate(sqls) if q.startswith("WITH") and "audit_auditentry" in q)
    message = next(
        i for i, q in enumerate(sqls) if q.startswith("INSERT") and "payments_gatewaymessage" in q
    )
    # The order's settlement runs after the answer (here in the test client's request, after it).
    assert len(no_flush) == 1 and no_flush[0] < lock < head < message, _listing(first)
    assert sqls[head + 1 : message] == ["COMMIT"], _listing(first)
    attempt.refresh_from_db()
    assert attempt.state == "paid"
    assert GatewayMessage.objects.get(attempt=attempt, outcome="confirmed").raw

    # A repeat right after: the state it answers about may not be flushed yet, so its commit waits.
    with CaptureQueriesContext(connection) as repeat:
        assert client.get("/thanh-toan/vnpay/ipn/", params).json()["RspCode"] == "02"
    assert not any("synchronous_commit" in q["sql"] for q in repeat.captured_queries)
    # Long after the change: a log row that need not wait for the disk.
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        updated_at=timezone.now() - timedelta(minutes=1)
    )
    with CaptureQueriesContext(connection) as later:
        assert client.get("/thanh-toan/vnpay/ipn/", params).json()["RspCode"] == "02"
    assert sum("synchronous_commit TO OFF" in q["sql"] for q in later.captured_queries) == 1
    assert GatewayMessage.objects.filter(attempt=attempt, outcome="already_paid").count() == 2
