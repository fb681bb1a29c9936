"""The VNPay-compatible gateway end to end over real HTTP: the simulator's payment page and IPN, the
portal on a live server, PostgreSQL row locks. Every confirmation path must move the dossier exactly
once, whatever order, repetition or forgery the gateway's messages arrive in."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from opendvc.core.after_response import wait_idle
from opendvc.dossiers.models import DossierDocument, DossierEvent
from opendvc.notifications.models import Notification
from opendvc.payments import services
from opendvc.payments.models import GatewayMessage, PaymentAttempt, PaymentOrder, Receipt
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db(transaction=True)


def ipn(sim, attempt, **changes):
    """Send the gateway's IPN for ``attempt`` (signed like the gateway does) and return the answer."""
    from opendvc.payments import vnpay

    params = sim.result_params(attempt.reference, success=changes.pop("success", True))
    if changes:
        params = vnpay.sign_params(sim.secret, {**params, **changes})
    (answer,) = sim.callback("GET", f"{sim.ipn_url(attempt.reference)}?{httpx.QueryParams(params)}")
    settled()
    return answer.json()


def settled() -> None:
    """Wait for the work the portal (the live server, a thread of this process) does once it has
    answered the gateway: the paid order's settlement — the dossier's ``pay`` action, the receipt's
    number, the notice — and then the receipt's PDF."""
    assert wait_idle(60)


def issued_after_commit(done, seconds: float = 30) -> bool:
    """Wait for the work the IPN leaves for after its response (the receipt's PDF)."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def pays(dossier):
    settled()
    return DossierEvent.objects.filter(dossier=dossier, action="pay").count()


def emails(dossier):
    settled()
    return Notification.objects.filter(
        template="payment_confirmed", recipient=dossier.applicant, channel="email"
    ).count()


def test_return_and_ipn_at_the_same_instant_50_times_move_the_dossier_once_each(
    postgres_db, payer, vnpay_sim, dossier, citizen
):
    from opendvc.dossiers import services as dossier_services

    vnpay_sim.switches.extra["ipn_never"] = (
        True  # the test sends the IPNs itself, at the same instant
    )
    rounds = 50
    for n in range(1, rounds + 1):
        dossier.refresh_from_db()
        assert dossier.status == "payment_required"
        attempt = payer.start(dossier, citizen)
        back = payer.choose(attempt)
        barrier = threading.Barrier(3)
        answers: list = []

        def browser_return():
            barrier.wait()
            answers.append(httpx.get(back, timeout=30, follow_redirects=False).status_code)

        def gateway_ipn():
            barrier.wait()
            answers.append(ipn(vnpay_sim, attempt)["RspCode"])

        threads = [threading.Thread(target=f) for f in (browser_return, gateway_ipn, gateway_ipn)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(map(str, answers)) == ["00", "02", "302"], answers
        assert pays(dossier) == n and emails(dossier) == n
        assert Receipt.objects.filter(order__dossier=dossier).count() == n
        # One receipt document per payment: the electronic receipt, rendered after the IPN's
        # response (the ``pay`` action of a gateway's confirmation issues none of its own).
        receipts = DossierDocument.objects.filter(dossier=dossier, kind="payment_receipt")
        assert issued_after_commit(lambda: receipts.count() == n), receipts.count()
        assert not receipts.filter(event__isnull=False).exists()
        assert StoredDocument.objects.filter(dossier_document__in=receipts).count() == n
        dossier.refresh_from_db()
        assert dossier.status == "processing"
        if n < rounds:  # the officer asks a further fee (another fee request, another order)
            dossier = dossier_services.dossier_act(
                dossier=dossier,
                action="require_payment",
                actor=None,
                system=True,
                fees=[{"name": f"Phí lần {n + 1}", "amount_vnd": 1000 * n, "quantity": 1}],
            )
    assert PaymentOrder.objects.filter(dossier=dossier, state="paid").count() == rounds
    assert not PaymentAttempt.objects.filter(order__dossier=dossier, needs_refund=True).exists()


def test_ipn_before_the_browser_return(postgres_db, payer, vnpay_sim, dossier, citizen, client):
    vnpay_sim.switches.extra["ipn_before_return"] = True
    attempt = payer.start(dossier, citizen)
    back = payer.choose(attempt)
    assert vnpay_sim.ipn_answers == [
        {"ref": attempt.reference, "RspCode": "00", "Message": "Confirm Success"}
    ]
    r = httpx.get(back, follow_redirects=False, timeout=10)
    assert r.status_code == 302 and attempt.reference in r.headers["location"]
    client.force_login(citizen)
    page = client.get(r.headers["location"]).content.decode()
    assert "Đã thanh toán" in page and "Đang chờ xác nhận" not in page
    dossier.refresh_from_db()
    assert dossier.status == "processing" and pays(dossier) == 1 and emails(dossier) == 1


def test_ipn_repeated_ten_times_is_applied_once(postgres_db, payer, vnpay_sim, dossier, citizen):
    vnpay_sim.switches.extra.update(ipn_repeat=10)
    attempt = payer.start(dossier, citizen)
    payer.choose(attempt)
    vnpay_sim.wait_callbacks()
    codes = [a["RspCode"] for a in vnpay_sim.ipn_answers]
    assert codes == ["00"] + ["02"] * 9
    assert pays(dossier) == 1 and emails(dossier) == 1 and Receipt.objects.count() == 1
    assert GatewayMessage.objects.filter(attempt=attempt, kind="ipn").count() == 10


def test_forged_signature_is_refused_and_kept(postgres_db, payer, vnpay_sim, dossier, citizen):
    vnpay_sim.switches.extra["wrong_signature"] = True
    attempt = payer.start(dossier, citizen)
    payer.choose(attempt)
    vnpay_sim.wait_callbacks()
    assert [a["RspCode"] for a in vnpay_sim.ipn_answers] == ["97"]
    attempt.refresh_from_db()
    dossier.refresh_from_db()
    assert (
        attempt.state == "pending" and dossier.status == "payment_required" and pays(dossier) == 0
    )
    kept = GatewayMessage.objects.get(kind="ipn")
    assert kept.signature_ok is False and kept.outcome == "bad_signature"
    assert (
        f"vnp_TxnRef={attempt.reference}" in kept.raw.replace("%2F", "/")
        or attempt.reference in kept.raw
    )


def test_tampered_amount_is_refused(postgres_db, payer, vnpay_sim, dossier, citizen):
    vnpay_sim.switches.extra["wrong_amount"] = True
    attempt = payer.start(dossier, citizen)
    payer.choose(attempt)
    vnpay_sim.wait_callbacks()
    assert [a["RspCode"] for a in vnpay_sim.ipn_answers] == ["04"]
    attempt.refresh_from_db()
    assert attempt.state == "pending" and pays(dossier) == 0


def test_unknown_order_answers_01(postgres_db, payer, vnpay_sim, dossier, citizen):
    attempt = payer.start(dossier, citizen)
    vnpay_sim.switches.extra["ipn_never"] = True
    payer.choose(attempt)
    answer = ipn(vnpay_sim, attempt, vnp_TxnRef="H19-KHONG-CO-1")
    assert answer == {"RspCode": "01", "Message": "Order not found"}
    assert GatewayMessage.objects.get(reference="H19-KHONG-CO-1").outcome == "not_found"
    attempt.refresh_from_db()
    assert attempt.state == "pending"


def test_late_success_after_a_failure_is_applied_once(
    postgres_db, payer, vnpay_sim, dossier, citizen
):
    vnpay_sim.switches.extra.update(late_success=True, late_delay=0.3)
    attempt = payer.start(dossier, citizen)
    payer.choose(attempt, "fail")
    vnpay_sim.wait_callbacks()
    vnpay_sim.wait_callbacks()
    codes = sorted(a["RspCode"] for a in vnpay_sim.ipn_answers)
    assert codes == ["00", "00"]  # the failure recorded, then the success upgrades it
    assert ipn(vnpay_sim, attempt)["RspCode"] == "02"  # and once only
    attempt.refresh_from_db()
    dossier.refresh_from_db()
    assert attempt.state == "paid" and dossier.status == "processing" and pays(dossier) == 1
    outcomes = list(
        GatewayMessage.objects.filter(attempt=attempt, kind="ipn").values_list("outcome", flat=True)
    )
    assert outcomes == ["failed", "late_success", "already_paid"]


def test_late_failure_after_success_is_ignored_and_logged(
    postgres_db, payer, vnpay_sim, dossier, citizen, caplog
):
    attempt = payer.start(dossier, citizen)
    payer.choose(attempt)
    vnpay_sim.wait_callbacks()
    with caplog.at_level(logging.WARNING, logger="opendvc.payments"):
        answer = ipn(vnpay_sim, attempt, success=False)
    assert answer["RspCode"] == "02"
    attempt.refresh_from_db()
    assert attempt.state == "paid" and pays(dossier) == 1
    assert (
        GatewayMessage.objects.filter(attempt=attempt, outcome="late_failure_ignored").count() == 1
    )
    assert "late failure after a success ignored" in caplog.text


def test_ipn_never_arrives_and_reconciliation_finds_the_payment(
    postgres_db, payer, vnpay_sim, dossier, citizen
):
    vnpay_sim.switches.extra["ipn_never"] = True
    attempt = payer.start(dossier, citizen)
    back = payer.choose(attempt)
    httpx.get(back, timeout=10)  # the browser came back; that alone settles nothing
    dossier.refresh_from_db()
    assert dossier.status == "payment_required"
    assert services.reconcile_due()["checked"] == 0  # not before 15 minutes
    counts = services.reconcile_due(now=timezone.now() + timedelta(minutes=16))
    assert counts == {"checked": 1, "applied": 1, "unreachable": 0, "expired": 0}
    attempt.refresh_from_db()
    dossier.refresh_from_db()
    assert attempt.state == "paid" and dossier.status == "processing" and pays(dossier) == 1
    assert (
        GatewayMessage.objects.filter(attempt=attempt, kind="query", outcome="confirmed").count()
        == 1
    )
    # An IPN arriving after all is a repeat.
    assert ipn(vnpay_sim, attempt)["RspCode"] == "02" and pays(dossier) == 1


def test_gateway_down_during_reconciliation_is_asked_again_with_backoff(
    postgres_db, payer, vnpay_sim, dossier, citizen
):
    vnpay_sim.switches.extra["ipn_never"] = True
    attempt = payer.start(dossier, citizen)
    payer.choose(attempt)
    vnpay_sim.switches.down = True
    first = timezone.now() + timedelta(minutes=16)
    assert services.reconcile_due(now=first)["unreachable"] == 1
    attempt.refresh_from_db()
    assert attempt.state == "pending" and attempt.checks == 1
    assert attempt.next_check_at == first + timedelta(minutes=15)
    second = first + timedelta(minutes=15)
    assert services.reconcile_due(now=second - timedelta(minutes=1))["checked"] == 0  # not due yet
    assert services.reconcile_due(now=second)["unreachable"] == 1
    attempt.refresh_from_db()
    assert attempt.checks == 2 and attempt.next_check_at == second + timedelta(
        minutes=30
    )  # backing off
    vnpay_sim.switches.down = False
    assert services.reconcile_due(now=second + timedelta(minutes=30))["applied"] == 1
    attempt.refresh_from_db()
    assert attempt.state == "paid" and pays(dossier) == 1


def test_unpaid_attempt_expires_after_three_days_and_a_late_success_still_counts(
    postgres_db, payer, vnpay_sim, dossier, citizen
):
    vnpay_sim.switches.extra["ipn_never"] = True
    attempt = payer.start(
        dossier, citizen
    )  # the applicant left the gateway's page without a choice
    counts = services.reconcile_due(now=timezone.now() + timedelta(days=3, minutes=1))
    assert counts["expired"] == 1
    attempt.refresh_from_db()
    assert attempt.state == "expired"
    vnpay_sim.pay(attempt.reference)
    assert ipn(vnpay_sim, attempt)["RspCode"] == "00"
    attempt.refresh_from_db()
    assert attempt.state == "paid" and pays(dossier) == 1


def test_second_paid_attempt_is_flagged_for_refund_and_refunded(
    postgres_db, payer, vnpay_sim, dossier, citizen, officer, leader
):
    vnpay_sim.switches.extra["ipn_never"] = True
    first = payer.start(dossier, citizen)
    second = payer.start(dossier, citizen)  # a second tab
    payer.choose(first)
    payer.choose(second)
    assert ipn(vnpay_sim, first)["RspCode"] == "00"
    assert ipn(vnpay_sim, second)["RspCode"] == "00"
    second.refresh_from_db()
    assert (
        second.state == "paid"
        and second.needs_refund
        and pays(dossier) == 1
        and emails(dossier) == 1
    )
    refund = services.refund_request(attempt=second, actor=officer, reason="Nộp trùng hai lần")
    from opendvc.core.problems import ProblemError

    with pytest.raises(ProblemError):
        services.refund_decide(refund=refund, actor=officer, approve=True)
    refund = services.refund_decide(refund=refund, actor=leader, approve=True)
    assert refund.state == "sent"
    second.refresh_from_db()
    assert second.state == "refund_pending"
    assert services.refunds_pending() == {"sent": 0, "confirmed": 1}
    second.refresh_from_db()
    refund.refresh_from_db()
    assert second.state == "refunded" and refund.state == "refunded"
    order = PaymentOrder.objects.get(pk=first.order_id)
    assert order.state == "paid" and order.paid_attempt_id == first.pk


def test_return_page_waits_for_the_confirmation_and_the_applicant_cannot_settle_fees(
    postgres_db, payer, vnpay_sim, dossier, citizen, client
):
    vnpay_sim.switches.extra["ipn_never"] = True
    attempt = payer.start(dossier, citizen)
    back = payer.choose(attempt)
    client.force_login(citizen)
    # The signed return says "paid" but the portal waits for the gateway's own confirmation.
    status_url = httpx.get(back, follow_redirects=False, timeout=10).headers["location"]
    page = client.get(status_url).content.decode()
    assert (
        "Đang chờ xác nhận" in page
        and 'hx-trigger="every 2s"' in page
        and "Đã thanh toán" not in page
    )
    # The same return through the test client: still nothing moves.
    client.get(back.replace(payer.portal_url, ""))
    dossier.refresh_from_db()
    assert dossier.status == "payment_required" and pays(dossier) == 0
    assert GatewayMessage.objects.filter(kind="return", outcome="display_only").count() == 2
    ipn(vnpay_sim, attempt)
    partial = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert (
        "Đã thanh toán" in partial and "hx-trigger" not in partial and "biên lai" in partial.lower()
    )
