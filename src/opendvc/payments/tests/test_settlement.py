"""The order settled after the gateway's confirmation commits: the IPN's transaction pays the attempt
and the order (and is answered ``00``); the dossier's ``pay`` action, the receipt's number and the
notice follow in a transaction of their own — by a Celery worker with a broker, after the response
without one — exactly once, and an order whose settlement was lost is taken up by the reconciliation
job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from opendvc.dossiers.models import DossierEvent
from opendvc.notifications.models import Notification
from opendvc.payments import services
from opendvc.payments.models import PaymentOrder, Receipt

from .test_pages import signed_ipn, vnpay_settings  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vnpay_settings")]


def _consequences(dossier) -> tuple[str, int, int, int]:
    dossier.refresh_from_db()
    return (
        dossier.status,
        DossierEvent.objects.filter(dossier=dossier, action="pay").count(),
        Receipt.objects.filter(order__dossier=dossier).count(),
        Notification.objects.filter(template="payment_confirmed", channel="email").count(),
    )


def test_a_lost_settlement_is_taken_up_by_the_reconciliation_job_once(
    client, dossier, citizen, django_capture_on_commit_callbacks
):
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    # The process dies between the commit and the settlement: its callbacks never run.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "00"
    assert lost
    order = PaymentOrder.objects.get(pk=attempt.order_id)
    assert order.state == "paid" and order.settled_at is None
    assert _consequences(dossier) == ("payment_required", 0, 0, 0)
    # The gateway's repeat changes nothing and settles nothing: the payment is already confirmed.
    assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "02"
    assert services.orders_unsettled() == 0  # left to its worker for a while
    later = timezone.now() + services.SETTLE_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_unsettled(now=later) == 1
    assert _consequences(dossier) == ("processing", 1, 1, 1)
    assert services.orders_unsettled(now=later) == 0
    # A late delivery of the lost task, or a second worker, finds it done.
    assert services.order_settle(order_id=order.pk) is False
    assert _consequences(dossier) == ("processing", 1, 1, 1)
    order.refresh_from_db()
    assert order.settled_at is not None


def test_with_a_broker_the_worker_settles_the_order_once_the_confirmation_commits(
    client, dossier, citizen, settings, django_capture_on_commit_callbacks
):
    from opendvc.celery import app

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    eager = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a broker: the task is sent on commit
    app.conf.task_always_eager = True  # and Celery runs it here
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            r = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
        assert r.json()["RspCode"] == "00"
        assert _consequences(dossier) == ("payment_required", 0, 0, 0)
        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
    finally:
        app.conf.task_always_eager = eager
    assert _consequences(dossier) == ("processing", 1, 1, 1)


def test_a_reconciliation_query_settles_the_order_at_once(
    dossier, citizen, django_capture_on_commit_callbacks
):
    """Without a request (the reconciliation job, a command) the settlement follows the commit at
    once, in the same run."""
    from opendvc.payments.base import Notice

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    notice = Notice(
        reference=attempt.reference,
        outcome="paid",
        amount_vnd=attempt.amount_vnd,
        gateway_ref="Q-1",
        response_code="00",
        signature_ok=True,
        raw="vnp_ResponseCode=00&vnp_TransactionStatus=00",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.attempt_apply(gateway="vnpay", notice=notice, kind="query") == "confirmed"
    assert _consequences(dossier) == ("processing", 1, 1, 1)
