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


@pytest.mark.redis
def test_with_a_shared_cache_one_settler_task_settles_the_orders_confirmed_meanwhile(
    client, level4, citizen, officer, settings, redis_url, django_capture_on_commit_callbacks
):
    """Confirmations that commit while a settler task is queued send none of their own; the settler
    clears the flag before it reads the orders, so a confirmation after that queues the next one."""
    import uuid

    from celery.signals import before_task_publish

    from opendvc.celery import app
    from opendvc.payments import tasks

    from .conftest import fees_due

    dossiers = [fees_due(level4, citizen, officer, amount=50_000 + i) for i in range(4)]
    attempts = [
        services.payment_start(dossier=d, gateway="vnpay", actor=citizen)[0] for d in dossiers
    ]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"settler-{uuid.uuid4().hex}",
        }
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a broker: tasks are sent on commit
    sent: list[str] = []

    def published(sender=None, **kwargs):
        if sender.startswith("opendvc.payments.tasks.settle"):  # not the receipts' and notices'
            sent.append(sender)

    before_task_publish.connect(published, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        for attempt in attempts[:3]:
            with django_capture_on_commit_callbacks(execute=True):
                r = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
            assert r.json()["RspCode"] == "00"
        assert sent == ["opendvc.payments.tasks.settle_paid_orders"]  # one task for three
        assert [_consequences(d)[:2] for d in dossiers[:3]] == [("payment_required", 0)] * 3
        # The worker runs it: every order confirmed meanwhile is settled, once.
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.settle_paid_orders.apply().get() == 3
        assert [_consequences(d)[:3] for d in dossiers[:3]] == [("processing", 1, 1)] * 3
        # A confirmation after the settler started queues the next one.
        with django_capture_on_commit_callbacks(execute=True):
            client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempts[3]))
        assert sent == ["opendvc.payments.tasks.settle_paid_orders"] * 2
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.settle_paid_orders.apply().get() == 1
            assert tasks.settle_paid_orders.apply().get() == 0  # a second settler finds none
        assert _consequences(dossiers[3])[:3] == ("processing", 1, 1)
    finally:
        app.conf.task_always_eager = eager
        before_task_publish.disconnect(published)
        app.control.purge()


def test_without_a_shared_cache_each_confirmation_sends_its_own_task(
    client, dossier, citizen, settings, django_capture_on_commit_callbacks
):
    from celery.signals import before_task_publish

    from opendvc.celery import app

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent: list[tuple] = []

    def published(sender=None, body=None, **kwargs):
        if sender.startswith("opendvc.payments.tasks.settle"):
            sent.append((sender, tuple(body[0])))

    before_task_publish.connect(published, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "00"
    finally:
        app.conf.task_always_eager = eager
        before_task_publish.disconnect(published)
        app.control.purge()
    assert sent == [("opendvc.payments.tasks.settle_order", (attempt.order_id,))]
