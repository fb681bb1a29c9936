"""Retention of the gateways' messages: those that matched no payment attempt go after
``PAYMENT_UNMATCHED_RETENTION_DAYS``, in batches, with one audit entry per run; a payment's stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from opendvc.audit.models import AuditEntry
from opendvc.core.periodic import run_all
from opendvc.payments import services
from opendvc.payments.models import GatewayMessage

from .conftest import fees_due

pytestmark = pytest.mark.django_db

JOB = "payments.purge_unmatched_messages"


@pytest.fixture
def attempt(settings, level4, citizen, officer):
    settings.PAYGOV_URL, settings.PAYGOV_MERCHANT_CODE, settings.PAYGOV_SECRET = "http://pg.test", "H19", "s"
    made, _url = services.payment_start(
        dossier=fees_due(level4, citizen, officer),
        gateway="paygov",
        actor=citizen,
        return_url="http://portal.test/thanh-toan/paygov/ve/",
    )
    return made


def _message(age_days: float, *, attempt=None, outcome="not_found", signature_ok=True) -> int:
    row = GatewayMessage.objects.create(
        attempt=attempt,
        gateway="paygov",
        kind=GatewayMessage.Kind.IPN,
        reference=attempt.reference if attempt else "H19-khong-co-1",
        raw='{"orderId": "x"}',
        signature_ok=signature_ok,
        outcome=outcome,
    )
    GatewayMessage.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=age_days)
    )
    return row.pk


def _purges() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="payment.unmatched_messages_purged"))


@pytest.mark.parametrize(("days", "age", "batch"), [(90, 91, 1000), (30, 31, 2), (90, 400, 3)])
def test_old_unmatched_messages_go_and_a_payments_stay(settings, attempt, days, age, batch):
    settings.PAYMENT_UNMATCHED_RETENTION_DAYS = days
    gone = [
        _message(age),
        _message(age, outcome="bad_signature", signature_ok=False),
        _message(age, outcome="error"),
        _message(age + 5, outcome="bad_signature", signature_ok=False),
        _message(age + 1),
    ]
    kept = [
        _message(days - 1),  # younger than the period
        _message(age, attempt=attempt, outcome="confirmed"),
        _message(age, attempt=attempt, outcome="bad_signature", signature_ok=False),
    ]
    batches: list[int] = []
    assert services.gateway_unmatched_purge(batch_size=batch, progress=batches.append) == len(gone)
    assert sum(batches) == len(gone) and max(batches) <= batch
    assert sorted(GatewayMessage.objects.values_list("pk", flat=True)) == sorted(kept)
    [entry] = _purges()
    assert entry.actor_label == "system" and entry.changes["deleted"] == len(gone)
    assert run_all(only=[JOB]) == {JOB: "ok: 0"}
    assert len(_purges()) == 1


def test_the_job_and_the_commands_dry_run(settings, attempt):
    settings.PAYMENT_UNMATCHED_RETENTION_DAYS = 10
    old = _message(11, outcome="bad_signature", signature_ok=False)
    paid = _message(11, attempt=attempt, outcome="confirmed")
    out = StringIO()
    call_command("purge_refused_messages", "--dry-run", "--no-progress", stdout=out)
    assert "không khớp giao dịch: sẽ xóa 1" in out.getvalue()
    assert GatewayMessage.objects.count() == 2 and not _purges()
    assert run_all(only=[JOB]) == {JOB: "ok: 1"}
    assert list(GatewayMessage.objects.values_list("pk", flat=True)) == [paid]
    assert not GatewayMessage.objects.filter(pk=old).exists()
    assert len(_purges()) == 1
