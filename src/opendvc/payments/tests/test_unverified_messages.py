"""A gateway's message joins a payment's record only when its signature verified: one whose signature
does not verify, quoting a real (guessable) merchant reference, keeps that reference as text, belongs
to no attempt and goes after ``PAYMENT_UNMATCHED_RETENTION_DAYS``; the reconciliation reads, applies
and counts as before."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from opendvc.payments import base, paygov, services, vnpay
from opendvc.payments.base import Notice
from opendvc.payments.models import GatewayMessage, PaymentAttempt
from opendvc.payments.registry import GATEWAYS

from .conftest import SECRET
from .test_pages import signed_ipn

pytestmark = pytest.mark.django_db

PG_SECRET = "pg-secret"
PORTAL = "http://portal.test"


@pytest.fixture
def gateways(settings):
    settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
        "http://gw.test",
        "T1",
        SECRET,
    )
    settings.PAYGOV_URL, settings.PAYGOV_MERCHANT_CODE, settings.PAYGOV_SECRET = (
        "http://pg.test",
        "H19",
        PG_SECRET,
    )


def start(dossier, citizen, gateway: str) -> PaymentAttempt:
    attempt, _url = services.payment_start(
        dossier=dossier,
        gateway=gateway,
        actor=citizen,
        return_url=f"{PORTAL}/thanh-toan/{gateway}/ve/",
    )
    return attempt


def paygov_confirmation(attempt: PaymentAttempt) -> dict[str, str]:
    data = {
        "merchantCode": "H19",
        "orderId": attempt.reference,
        "transactionId": "PG1",
        "amount": str(attempt.amount_vnd),
        "status": "SUCCESS",
        "payTime": "20260310100000",
    }
    return {**data, "checksum": paygov.checksum(PG_SECRET, data, paygov.CONFIRMATION)}


def send(client, attempt: PaymentAttempt, *, signed: bool, where: str = "ipn", **extra):
    """What ``attempt``'s gateway would send to its notification address (``ipn``) or the browser's
    return (``ve``), quoting the attempt's reference and saying it is paid: as the gateway signed it,
    or with the amount changed after signing (the signature no longer verifies)."""
    if attempt.gateway == "vnpay":
        params = signed_ipn(attempt)
        if not signed:
            params = {**params, "vnp_Amount": "100"}
        return client.get(f"/thanh-toan/vnpay/{where}/", params, **extra)
    data = paygov_confirmation(attempt)
    if not signed:
        data = {**data, "amount": "1"}
    if where == "ve":
        return client.get("/thanh-toan/paygov/ve/", data, **extra)
    return client.post("/thanh-toan/paygov/ipn/", data, content_type="application/json", **extra)


def refused(gateway: str) -> dict[str, str]:
    """The gateway's own answer to a signature that does not verify."""
    if gateway == "paygov":
        code, message = paygov.CODES[base.BAD_SIGNATURE]
        return {"code": code, "message": message}
    code, message = vnpay.IPN_CODES[base.BAD_SIGNATURE]
    return {"RspCode": code, "Message": message}


def aged(days: float) -> None:
    GatewayMessage.objects.update(received_at=timezone.now() - timedelta(days=days))


@pytest.mark.parametrize(
    ("gateway", "where"), [("vnpay", "ipn"), ("paygov", "ipn"), ("vnpay", "ve"), ("paygov", "ve")]
)
def test_a_forged_message_quoting_a_real_reference_joins_no_payment_and_goes_after_the_period(
    client, settings, gateways, dossier, citizen, gateway, where
):
    settings.PAYMENT_UNMATCHED_RETENTION_DAYS = 30
    attempt = start(dossier, citizen, gateway)
    answer = send(client, attempt, signed=False, where=where)
    if where == "ipn":
        assert answer.json() == refused(gateway)
    else:
        assert answer.status_code == 400
    junk = GatewayMessage.objects.get()
    assert (junk.reference, junk.attempt_id, junk.signature_ok) == (attempt.reference, None, False)
    assert not attempt.messages.exists()
    # The gateway's own message about the same attempt is part of the payment's record.
    answer = send(client, attempt, signed=True, where=where)
    assert answer.status_code == (200 if where == "ipn" else 302)
    mine = GatewayMessage.objects.exclude(pk=junk.pk).get()
    assert mine.signature_ok is True and list(attempt.messages.all()) == [mine]
    aged(29)
    assert services.gateway_unmatched_purge() == 0
    aged(31)
    assert services.gateway_unmatched_purge() == 1
    assert list(GatewayMessage.objects.all()) == [mine]
    attempt.refresh_from_db()
    assert attempt.state == ("paid" if where == "ipn" else "pending")


@pytest.mark.parametrize("gateway", ["vnpay", "paygov"])
def test_the_reconciliation_applies_and_counts_the_gateways_answers_not_a_forgery(
    client, gateways, dossier, citizen, monkeypatch, gateway
):
    attempt = start(dossier, citizen, gateway)
    send(client, attempt, signed=False)
    answers = [
        # An answer whose signature does not verify, then the gateway's word: paid.
        Notice(reference=attempt.reference, outcome="unknown", signature_ok=False, raw="{}"),
        Notice(
            reference=attempt.reference,
            outcome="paid",
            amount_vnd=attempt.amount_vnd,
            gateway_ref="G1",
            raw="{}",
        ),
    ]
    monkeypatch.setattr(GATEWAYS[gateway], "query", lambda *, attempt: answers.pop(0))
    later = timezone.now() + timedelta(minutes=16)
    counts = services.reconcile_due(now=later)
    assert counts == {"checked": 1, "applied": 0, "unreachable": 0, "expired": 0}
    attempt.refresh_from_db()
    assert attempt.state == "pending" and attempt.checks == 1 and not attempt.messages.exists()
    counts = services.reconcile_due(now=later + timedelta(hours=1))
    assert counts == {"checked": 1, "applied": 1, "unreachable": 0, "expired": 0}
    attempt.refresh_from_db()
    assert attempt.state == "paid" and attempt.order.paid_attempt_id == attempt.pk
    assert [(m.kind, m.outcome) for m in attempt.messages.all()] == [("query", "confirmed")]
    unlinked = GatewayMessage.objects.filter(attempt=None, reference=attempt.reference)
    assert sorted(unlinked.values_list("kind", flat=True)) == ["ipn", "query"]
    assert services.gateway_unmatched_purge(older_than=timezone.now() + timedelta(seconds=1)) == 2
    assert [m.outcome for m in GatewayMessage.objects.all()] == ["confirmed"]


def test_messages_kept_before_whose_signature_did_not_verify_are_unlinked(gateways, dossier, citizen):
    vn, pg = start(dossier, citizen, "vnpay"), start(dossier, citizen, "paygov")

    def kept(attempt, signature_ok, kind=GatewayMessage.Kind.IPN):
        return GatewayMessage.objects.create(
            attempt=attempt,
            gateway=attempt.gateway,
            kind=kind,
            reference=attempt.reference,
            signature_ok=signature_ok,
            outcome="confirmed" if signature_ok else "bad_signature",
        ).pk

    forged = [kept(vn, False), kept(pg, False, GatewayMessage.Kind.RETURN), kept(pg, None)]
    verified = [kept(vn, True), kept(pg, True, GatewayMessage.Kind.QUERY)]
    migration = importlib.import_module(
        "opendvc.payments.migrations.0006_unverified_messages_unlinked"
    )
    migration.BATCH = 2
    try:
        migration.unverified_unlinked(apps, None)
    finally:
        migration.BATCH = 1000
    assert sorted(GatewayMessage.objects.filter(attempt=None).values_list("pk", flat=True)) == forged
    assert sorted(GatewayMessage.objects.exclude(attempt=None).values_list("pk", flat=True)) == (
        verified
    )
    assert set(GatewayMessage.objects.values_list("reference", flat=True)) == {
        vn.reference,
        pg.reference,
    }


def test_a_flood_of_unverified_messages_is_answered_and_logged_up_to_the_limit(
    client, settings, gateways, dossier, citizen, monkeypatch, caplog
):
    settings.RATE_LIMIT_GATEWAY_UNVERIFIED_LOGGED = 3
    # Windows start at multiples of their length: a year keeps the test clear of a window's start.
    settings.RATE_LIMIT_GATEWAY_UNVERIFIED_WINDOW_SECONDS = 365 * 24 * 3600
    vn, pg = start(dossier, citizen, "vnpay"), start(dossier, citizen, "paygov")
    for _ in range(4):
        assert send(client, vn, signed=False).json() == refused("vnpay")
    assert client.get("/thanh-toan/vnpay/ipn/").json() == refused("vnpay")  # not signed at all
    for _ in range(2):  # the other gateway and the browser's return, same address: counted together
        assert send(client, pg, signed=False).json() == refused("paygov")
        assert send(client, pg, signed=False, where="ve").status_code == 400
    assert list(GatewayMessage.objects.values_list("gateway", "signature_ok")) == [
        ("vnpay", False)
    ] * 3
    said = [r.getMessage() for r in caplog.records if "no longer logged" in r.getMessage()]
    assert len(said) == 1 and "127.0.0.1" in said[0]
    # Another address is logged; a message whose signature verifies always is.
    assert send(client, pg, signed=False, REMOTE_ADDR="10.1.2.3").json() == refused("paygov")
    assert GatewayMessage.objects.filter(gateway="paygov", signature_ok=False).count() == 1
    unknown = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(vn, vnp_TxnRef="H19-KHONG-CO-1"))
    assert unknown.json()["RspCode"] == "01"
    assert send(client, vn, signed=True).json()["RspCode"] == "00"
    assert send(client, pg, signed=True, where="ve").status_code == 302
    verified = GatewayMessage.objects.filter(signature_ok=True)
    assert sorted(verified.values_list("outcome", "attempt_id")) == [
        ("confirmed", vn.pk),
        ("display_only", pg.pk),
        ("not_found", None),
    ]
    # The gateway's answers to the portal's own queries come from no client: never left out.
    monkeypatch.setattr(
        GATEWAYS["paygov"],
        "query",
        lambda *, attempt: Notice(
            reference=attempt.reference, outcome="unknown", signature_ok=False, raw="{}"
        ),
    )
    assert services.reconcile_due(now=timezone.now() + timedelta(minutes=16))["checked"] == 1
    assert GatewayMessage.objects.filter(kind="query", signature_ok=False, attempt=None).count() == 1
