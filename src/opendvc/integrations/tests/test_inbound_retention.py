"""Retention of the log of peers' requests: the refused ones go after
``INBOUND_REFUSED_RETENTION_DAYS``, in batches, with one audit entry per run; accepted ones and the
one-stop software's signed refusals stay. A flood of unsigned refusals from one address is answered
but logged only up to its limit."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from opendvc.audit.models import AuditEntry
from opendvc.core.periodic import run_all
from opendvc.integrations.inbound import inbound_refused_purge
from opendvc.integrations.models import InboundMessage
from opendvc.integrations.onestop.signing import signed_headers

pytestmark = pytest.mark.django_db

JOB = "integrations.purge_refused_inbound"
ONESTOP = "/api/v1/integrations/onestop/events"
POSTAL = "/api/v1/postal/tracking"


def _row(age_days: float, *, outcome="refused", peer="onestop", code="", message_id="") -> int:
    row = InboundMessage.objects.create(
        peer=peer, outcome=outcome, code=code, message_id=message_id, body='{"x": 1}'
    )
    InboundMessage.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=age_days)
    )
    return row.pk


def _purges() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="integrations.inbound_refused_purged"))


@pytest.mark.parametrize(("days", "age"), [(90, 91), (30, 31), (90, 200)])
def test_old_unsigned_refusals_go_and_the_rest_stay(settings, days, age):
    settings.INBOUND_REFUSED_RETENTION_DAYS = days
    gone = [
        _row(age, code="bad_signature"),
        _row(age, code="stale_request"),
        _row(age, code="unsupported_media_type"),  # refused before the handler
        _row(age, peer="postal", code="unauthenticated"),
        _row(age, peer="postal", code="validation_error", message_id="e1"),
    ]
    kept = [
        _row(days - 1, code="bad_signature"),  # younger than the period
        _row(age, outcome="accepted", message_id="m1"),  # changed a dossier
        _row(age, code="not_found", message_id="m2"),  # signed: may be applied again
        _row(age, code="invalid_status", message_id="m3"),
    ]
    assert InboundMessage.objects.get(pk=kept[2]).reapplicable
    assert run_all(only=[JOB]) == {JOB: f"ok: {len(gone)}"}
    assert sorted(InboundMessage.objects.values_list("pk", flat=True)) == sorted(kept)
    [entry] = _purges()
    assert entry.actor_label == "system" and entry.changes["deleted"] == len(gone)
    # A second run finds nothing and records nothing.
    assert run_all(only=[JOB]) == {JOB: "ok: 0"}
    assert len(_purges()) == 1


@pytest.mark.parametrize(("old", "batch"), [(5, 2), (4, 2), (3, 10)])
def test_batches_across_the_boundary(old, batch):
    gone = [_row(100, code="bad_signature") for _ in range(old)]
    kept = [_row(100, outcome="accepted", message_id=f"m{i}") for i in range(3)]
    gone += [_row(100, peer="postal", code="unauthenticated")]
    batches: list[int] = []
    assert inbound_refused_purge(batch_size=batch, progress=batches.append) == old + 1
    assert sum(batches) == old + 1 and max(batches) <= batch
    assert len(batches) == -(-(old + 1) // batch)
    assert sorted(InboundMessage.objects.values_list("pk", flat=True)) == kept
    [entry] = _purges()
    assert entry.changes["deleted"] == old + 1


def test_the_command_dry_run_deletes_nothing_then_the_run_does(settings):
    settings.INBOUND_REFUSED_RETENTION_DAYS = 10
    old = [_row(11, code="bad_signature"), _row(40, peer="postal", code="unauthenticated")]
    young = _row(9, code="bad_signature")
    out = StringIO()
    call_command("purge_refused_messages", "--dry-run", "--no-progress", "--batch-size", "1", stdout=out)
    assert "sẽ xóa 2" in out.getvalue() and "Chạy thử" in out.getvalue()
    assert InboundMessage.objects.count() == 3 and not _purges()
    out = StringIO()
    call_command("purge_refused_messages", "--no-progress", stdout=out)
    assert "đã xóa 2" in out.getvalue()
    assert list(InboundMessage.objects.values_list("pk", flat=True)) == [young]
    assert not InboundMessage.objects.filter(pk__in=old).exists()
    [entry] = _purges()
    assert entry.actor_label == "manage.py purge_refused_messages"
    assert entry.changes["deleted"] == 2


def test_a_flood_of_unsigned_refusals_is_answered_and_logged_up_to_the_limit(client, settings):
    settings.RATE_LIMIT_INBOUND_REFUSALS_LOGGED = 3
    settings.ONESTOP_SECRET = "bi-mat"
    settings.POSTAL_WEBHOOK_SECRET = "bi-mat-buu-dien"
    bad = {"X-Signature": "0" * 64, "X-Timestamp": "1"}
    for _ in range(5):
        answer = client.post(ONESTOP, data=b"{}", content_type="application/json", headers=bad)
        assert answer.status_code == 401 and answer.json()["code"] == "bad_signature"
    for _ in range(2):  # refused before the handler, from the same address: counted together
        answer = client.post(POSTAL, data=b"{}", content_type="application/json")
        assert answer.status_code == 401
    assert InboundMessage.objects.filter(peer="onestop").count() == 3
    assert not InboundMessage.objects.filter(peer="postal").exists()
    # Another address is logged; a request the peer signed always is.
    answer = client.post(POSTAL, data=b"{}", content_type="application/json", REMOTE_ADDR="10.1.2.3")
    assert answer.status_code == 401
    assert InboundMessage.objects.filter(peer="postal").count() == 1
    body = b"{not json"
    signed = {k: v for k, v in signed_headers("bi-mat", body).items() if k != "Content-Type"}
    answer = client.post(ONESTOP, data=body, content_type="application/json", headers=signed)
    assert answer.status_code == 400
    assert InboundMessage.objects.filter(code="malformed_json").count() == 1
    from opendvc.postal.simulators import sign

    postal = {"X-Postal-Signature": sign("bi-mat-buu-dien", b"[1, 2]")}
    answer = client.post(POSTAL, data=b"[1, 2]", content_type="application/json", headers=postal)
    assert answer.status_code == 422
    assert InboundMessage.objects.filter(peer="postal", code="validation_error").count() == 1
