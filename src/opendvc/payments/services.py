"""Payment orders and attempts: start, the one locked path that applies what a gateway says, the
reconciliation of attempts nobody confirmed, refunds.

Every confirmation — the gateway's IPN, the answer to a reconciliation query — goes through
``attempt_apply``: the order row is locked (``select_for_update``), then the attempt, then the dossier,
so two messages about the same order are applied one after the other. States only move forward:

- a success upgrades ``created``/``pending``/``failed``/``cancelled``/``expired`` to ``paid`` (a late
  success after a failure counts, once); the first paid attempt pays the order, and the order is then
  settled exactly once (``order_settle``, right after the confirmation commits: the dossier takes its
  ``pay`` action — ``dossier_act(..., system=True)`` — the receipt is numbered, the notice sent);
- a failure never downgrades a paid attempt (it is kept and logged);
- a success on an order already paid by another attempt, or on fees settled some other way (at the
  counter, or asked again), is kept and flagged ``needs_refund``.

The browser's return is for display only (``message_record``): it never changes a state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_chain_last, audit_record
from opendvc.core.after_response import after_response
from opendvc.core.links import absolute_url
from opendvc.core.money import format_vnd
from opendvc.core.prepared import PreparedRead, row_insert, row_update
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import ratelimit_log_allowed
from opendvc.core.retention import PURGE_BATCH_SIZE, expired_rows_purge
from opendvc.dossiers.lifecycle import UNDELIVERED_STATES, Role, State, state_label
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.models import Payment as FeeRequest
from opendvc.notifications.services import notify

from . import base
from .base import GatewayError, Notice
from .models import GatewayMessage, PaymentAttempt, PaymentOrder, Refund
from .registry import get_gateway

log = logging.getLogger("opendvc.payments")
A = PaymentAttempt.State
RECONCILE_AFTER = timedelta(minutes=15)
RECONCILE_FOR = timedelta(days=3)
BACKOFF_MAX = timedelta(hours=6)
# A paid order is settled within a second of its confirmation; the catch-up leaves it this long first.
SETTLE_AFTER = timedelta(minutes=2)
UPGRADABLE = frozenset({A.CREATED, A.PENDING, A.FAILED, A.CANCELLED, A.EXPIRED})
SUCCEEDED = frozenset({A.PAID, A.REFUND_PENDING, A.REFUNDED})


# -- start ----------------------------------------------------------------------------------------------


def order_for(*, fee_request: FeeRequest) -> PaymentOrder:
    """The order of ``fee_request`` (made the first time the applicant goes to pay it)."""
    try:
        return PaymentOrder.objects.get(fee_request=fee_request)
    except PaymentOrder.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return PaymentOrder.objects.create(
                dossier_id=fee_request.dossier_id,
                fee_request=fee_request,
                items=fee_request.items,
                amount_vnd=fee_request.total_vnd,
            )
    except IntegrityError:
        return PaymentOrder.objects.get(fee_request=fee_request)


def payment_start(
    *, dossier: Dossier, gateway: str, actor, client_ip: str = "", return_url: str | None = None
) -> tuple[PaymentAttempt, str]:
    """A new attempt to pay ``dossier``'s pending fees at ``gateway``; returns it and the address the
    applicant's browser goes to. Only the applicant, only a level-4 procedure, only while the dossier
    waits for its fees."""
    from opendvc.catalog.selectors import not_offered, procedure_offer
    from opendvc.dossiers.payments import payment_pending
    from opendvc.dossiers.services.transitions import actor_roles

    plugin = get_gateway(gateway)
    if not plugin.enabled() or not getattr(plugin, "online", True):
        raise ProblemError(
            "validation_error",
            _("Cổng thanh toán này chưa được cấu hình."),
            extra={"errors": [{"path": "gateway", "message": _("Chọn cổng thanh toán khác.")}]},
        )
    if Role.APPLICANT not in actor_roles(dossier=dossier, actor=actor, applicant_suffices=True):
        raise ProblemError(
            "permission_denied",
            _("Chỉ người nộp hồ sơ mới thanh toán trực tuyến được."),
            status=403,
        )
    if not procedure_offer(procedure=dossier.procedure).online_payment:
        raise not_offered(
            procedure=dossier.procedure, what=_("thanh toán phí, lệ phí trực tuyến"), path="gateway"
        )
    fee_request = (
        payment_pending(dossier=dossier) if dossier.status == State.PAYMENT_REQUIRED else None
    )
    if fee_request is None:
        raise ProblemError(
            "conflict", _("Hồ sơ không có khoản phí nào đang chờ thanh toán."), status=409
        )
    order = order_for(fee_request=fee_request)
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().select_related("dossier").get(pk=order.pk)
        if order.state != PaymentOrder.State.OPEN:
            raise ProblemError(
                "conflict", _("Khoản phí này đã được thanh toán; hãy tải lại trang."), status=409
            )
        order.attempts_made += 1
        order.save(update_fields=["attempts_made"])
        now = timezone.now()
        attempt = PaymentAttempt.objects.create(
            order=order,
            gateway=plugin.key,
            reference=attempt_reference(order, plugin.key),
            amount_vnd=order.amount_vnd,
            state=A.PENDING,
            client_ip=client_ip or None,
            next_check_at=now + RECONCILE_AFTER,
        )
        audit_record(
            actor=actor,
            action="payment.start",
            target=attempt,
            changes={
                "gateway": plugin.key,
                "reference": attempt.reference,
                "amount_vnd": order.amount_vnd,
            },
        )
    url = plugin.start(
        attempt=attempt,
        client_ip=client_ip,
        return_url=return_url or absolute_url("payments:return", args=[plugin.key]),
    )
    return attempt, url


def attempt_reference(order: PaymentOrder, gateway: str) -> str:
    """``<agency code>-<dossier code>-<n>``, n counting the dossier's attempts (every fee request):
    unique, and what the national platform expects. Called with the order locked."""
    dossier = order.dossier
    n = PaymentAttempt.objects.filter(order__dossier_id=dossier.pk).count() + 1
    return f"{dossier.receiving_agency.code}-{dossier.code}-{n}"[:100]


# -- messages and the locked path --------------------------------------------------------------------------


def message_record(
    *,
    gateway: str,
    kind: str,
    notice: Notice,
    outcome: str,
    answer: str = "",
    attempt: PaymentAttempt | None = None,
    client: str | None = None,
) -> GatewayMessage | None:
    """Keep one message of ``gateway`` verbatim. It joins the record of the payment attempt it
    names (``attempt``, else this gateway's attempt with the reference it gives) only when its
    signature verified: merchant references can be guessed, and anyone may send a message quoting
    one to a gateway's notification address or the browser's return. An unverified message keeps
    the reference it quoted (``reference``, as text for the operator) but belongs to no attempt: it
    never reads as the gateway's word in a payment's record, and it goes with the messages that
    matched nothing after ``PAYMENT_UNMATCHED_RETENTION_DAYS`` (``gateway_unmatched_purge``).

    ``client``: the address of the request that brought the message (None for the gateway's answers
    to the portal's own queries). Unverified messages from one address are kept at most
    ``RATE_LIMIT_GATEWAY_UNVERIFIED_LOGGED`` per window (``…_WINDOW_SECONDS``, a minute); past it
    the message is still answered in the gateway's codes by the caller, but not kept (None). A
    verified message is always kept."""
    if not notice.signature_ok:
        if client is not None and not ratelimit_log_allowed(
            name="gateway_unverified_logged",
            ident=client,
            what="Payment gateway messages whose signature does not verify",
        ):
            return None
        attempt = None
    elif attempt is None and notice.reference:
        attempt = PaymentAttempt.objects.filter(reference=notice.reference, gateway=gateway).first()
    message = GatewayMessage(
        attempt=attempt,
        gateway=gateway,
        kind=kind,
        reference=notice.reference[:100],
        raw=notice.raw,
        signature_ok=notice.signature_ok,
        outcome=outcome,
        answer=answer,
    )
    row_insert(message)  # every gateway message: the statement built once
    return message


def _commit_without_flush() -> None:
    """In the current (outermost) transaction on PostgreSQL: its commit does not wait for the WAL
    flush (``synchronous_commit = off`` for this transaction only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


# PostgreSQL's WAL writer flushes an asynchronous commit within three ``wal_writer_delay`` (600 ms by
# default); a state younger than this may not be on disk yet.
FLUSHED_AFTER = timedelta(seconds=10)


def _message_kept(*, durable: bool = True, **kwargs) -> GatewayMessage | None:
    """Keep a message that changes nothing (a repeat about a final attempt, a bad signature, an
    unknown order). On PostgreSQL its commit does not wait for the WAL flush
    (``synchronous_commit = off`` for this transaction only): the row is a log of what the gateway
    sent, every state it could speak of is already durable, and a crash in the next fraction of a
    second could lose only such log rows — never a payment. ``durable=False`` when the state the
    answer speaks of may not be flushed yet (it changed a moment ago): then the commit waits for the
    flush, which makes that state durable too before the gateway hears of it. Inside a caller's
    transaction it is an ordinary insert (the caller's commit decides)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or not durable:
        return message_record(**kwargs)
    with transaction.atomic():
        _commit_without_flush()
        return message_record(**kwargs)


# The reads of every confirmation, their statements built once per process (``core.prepared``): the
# attempt by its merchant reference (unlocked), then the order and the attempt locked, in this order.
_ATTEMPT_BY_REFERENCE = PreparedRead(
    lambda reference, gateway: PaymentAttempt.objects.filter(
        reference=reference, gateway=gateway
    ).values("pk", "order_id", "state", "amount_vnd", "updated_at"),
    "reference",
    "gateway",
)
_ORDER_LOCKED = PreparedRead(lambda pk: PaymentOrder.objects.select_for_update().filter(pk=pk), 1)
_ATTEMPT_LOCKED = PreparedRead(
    lambda pk: PaymentAttempt.objects.select_for_update().filter(pk=pk), 1
)


def attempt_apply(
    *,
    gateway: str,
    notice: Notice,
    kind: str = GatewayMessage.Kind.IPN,
    client: str | None = None,
) -> str:
    """Apply what ``gateway`` says about one attempt (an IPN, a query's answer); returns one of
    ``base.CONFIRMED``, ``ALREADY``, ``NOT_FOUND``, ``BAD_AMOUNT``, ``BAD_SIGNATURE``, ``ERROR`` for
    the gateway's answer. The raw message is kept whatever happens — but one whose signature does
    not verify, sent from ``client`` (the request's address) past that address's limit
    (``message_record``)."""
    if not notice.signature_ok:
        kept = _message_kept(
            gateway=gateway, kind=kind, notice=notice, outcome=base.BAD_SIGNATURE, client=client
        )
        if kept is not None:
            log.warning(
                "payment message with a bad signature",
                extra={"gateway": gateway, "reference": notice.reference},
            )
        return base.BAD_SIGNATURE
    found = _ATTEMPT_BY_REFERENCE.first(notice.reference, gateway)
    if found is None:
        _message_kept(gateway=gateway, kind=kind, notice=notice, outcome=base.NOT_FOUND)
        return base.NOT_FOUND
    attempt_id, order_id, state, amount, changed_at = (
        found["pk"], found["order_id"], found["state"], found["amount_vnd"], found["updated_at"]
    )  # fmt: skip
    settled = _settled(state=state, amount_vnd=amount, notice=notice)
    if settled is not None:
        # Already final in a way no later message can change (states only move forward): the
        # gateway's repeats are answered without taking the lock; the message is still kept.
        result, outcome = settled
        _message_kept(
            durable=changed_at < timezone.now() - FLUSHED_AFTER,
            gateway=gateway,
            kind=kind,
            notice=notice,
            outcome=outcome,
            attempt=PaymentAttempt(pk=attempt_id),
        )
        return result
    # On PostgreSQL, outside a caller's transaction, the change commits without waiting for the WAL
    # flush and the message is kept in a second transaction whose commit waits for it: the WAL is
    # written and flushed in order, so that flush makes the change durable too, and the gateway is
    # answered only after both are on disk. The audit chain's head — which every change of the portal
    # takes, last, for one statement — is released at the first commit instead of after a disk flush,
    # and the flushes of confirmations arriving together are shared (group commit). A crash between
    # the two commits loses at most an unanswered confirmation, which the gateway sends again.
    split = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        # The audit entries of the change (the dossier's ``pay``, the payment's own) are chained
        # together as the last statement before the commit: every confirmation, and every other
        # change of the portal, waits for the chain's head only that long.
        with transaction.atomic(), audit_chain_last():
            if split:
                _commit_without_flush()
            order = _ORDER_LOCKED.list(order_id)[0]
            attempt = _ATTEMPT_LOCKED.list(attempt_id)[0]
            result, outcome = _apply_locked(order=order, attempt=attempt, notice=notice)
            if not split:
                message_record(
                    gateway=gateway, kind=kind, notice=notice, outcome=outcome, attempt=attempt
                )
    except Exception:
        log.exception("payment message could not be applied", extra={"reference": notice.reference})
        message_record(gateway=gateway, kind=kind, notice=notice, outcome=base.ERROR)
        return base.ERROR
    if split:
        message_record(gateway=gateway, kind=kind, notice=notice, outcome=outcome, attempt=attempt)
    return result


def _settled(*, state: str, amount_vnd: int, notice: Notice) -> tuple[str, str] | None:
    """The answer to ``notice`` when the attempt's ``state`` (read without a lock) already decides it:
    a wrong amount, or any success or failure on an attempt that succeeded (success is final), or a
    failure on an attempt that failed. None when the locked path must decide."""
    if notice.outcome not in ("paid", "failed", "cancelled"):
        return None
    if notice.amount_vnd != amount_vnd:
        log.warning(
            "payment amount differs",
            extra={"reference": notice.reference, "amount": notice.amount_vnd},
        )
        return base.BAD_AMOUNT, base.BAD_AMOUNT
    if state in SUCCEEDED:
        if notice.outcome == "paid":
            return base.ALREADY, "already_paid"
        log.warning("late failure after a success ignored", extra={"reference": notice.reference})
        return base.ALREADY, "late_failure_ignored"
    if notice.outcome != "paid" and state in (A.FAILED, A.CANCELLED, A.EXPIRED):
        return base.ALREADY, "already_final"
    return None


def _apply_locked(
    *, order: PaymentOrder, attempt: PaymentAttempt, notice: Notice
) -> tuple[str, str]:
    now = timezone.now()
    if (
        notice.outcome in ("paid", "failed", "cancelled")
        and notice.amount_vnd != attempt.amount_vnd
    ):
        log.warning(
            "payment amount differs",
            extra={"reference": attempt.reference, "amount": notice.amount_vnd},
        )
        return base.BAD_AMOUNT, base.BAD_AMOUNT
    if notice.outcome == "paid":
        if attempt.state in SUCCEEDED:
            return base.ALREADY, "already_paid"
        late = attempt.state in (A.FAILED, A.CANCELLED, A.EXPIRED)
        attempt.state = A.PAID
        attempt.paid_at = now
        attempt.gateway_ref = notice.gateway_ref[:100]
        attempt.bank_code = notice.bank_code[:30]
        attempt.response_code = notice.response_code[:10]
        attempt.next_check_at = None
        paid_fields = [
            "state", "paid_at", "gateway_ref", "bank_code", "response_code", "next_check_at",
            "updated_at",
        ]  # fmt: skip
        if order.state != PaymentOrder.State.OPEN:
            attempt.needs_refund = True
            row_update(attempt, [*paid_fields, "needs_refund"])
            audit_record(
                actor=None,
                action="payment.second_success",
                target=attempt,
                changes={"reference": attempt.reference, "order_state": order.state},
            )
            log.warning(
                "second success on a paid order: flagged for refund",
                extra={"reference": attempt.reference},
            )
            return base.CONFIRMED, "second_success"
        row_update(attempt, paid_fields)
        order.state = PaymentOrder.State.PAID
        order.paid_attempt = attempt
        order.paid_at = now
        row_update(order, ("state", "paid_attempt", "paid_at"))
        audit_record(
            actor=None,
            action="payment.confirmed",
            target=attempt,
            changes={
                "reference": attempt.reference,
                "amount_vnd": attempt.amount_vnd,
                "gateway_ref": attempt.gateway_ref,
                "late": late,
            },
        )
        settle_schedule(order_id=order.pk)
        return base.CONFIRMED, "late_success" if late else "confirmed"
    if notice.outcome in ("failed", "cancelled"):
        if attempt.state in SUCCEEDED:
            log.warning(
                "late failure after a success ignored", extra={"reference": attempt.reference}
            )
            return base.ALREADY, "late_failure_ignored"
        if attempt.state in (A.FAILED, A.CANCELLED, A.EXPIRED):
            return base.ALREADY, "already_final"
        attempt.state = A.CANCELLED if notice.outcome == "cancelled" else A.FAILED
        attempt.response_code = notice.response_code[:10]
        attempt.next_check_at = None
        attempt.save()
        audit_record(
            actor=None,
            action=f"payment.{attempt.state}",
            target=attempt,
            changes={"reference": attempt.reference, "response_code": attempt.response_code},
        )
        return base.CONFIRMED, attempt.state
    if notice.outcome == "refunded":
        if attempt.state in (A.PAID, A.REFUND_PENDING):
            _refund_done(attempt=attempt, now=now)
            return base.CONFIRMED, "refunded"
        return base.ALREADY, "already_final"
    return base.ALREADY, notice.outcome or "pending"


def settle_schedule(*, order_id: int) -> None:
    """Have the paid order settled once its confirmation commits: by a Celery worker when a broker is
    configured (``settler_wake``), else once the response is sent (``after_response``), or at once
    after the commit when there is no request (the reconciliation job, a command). An order left
    unsettled (a worker that died, a broker that was down) is taken up by ``orders_unsettled``."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(
            lambda: after_response(lambda: order_settle(order_id=order_id)), robust=True
        )
        return
    transaction.on_commit(lambda: settler_wake(order_id=order_id), robust=True)


# Set in the shared cache while a settler task is queued and has not started yet: the confirmations
# that commit meanwhile send no task of their own (that task will find their orders). It expires on
# its own, so a task lost with a broker or a worker delays the next settlements by this much at most
# (and ``orders_unsettled`` catches every order anyway).
SETTLER_QUEUED = "payments:settler-queued"
SETTLER_QUEUED_FOR = 60  # seconds


def _cache_shared() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def settler_wake(*, order_id: int) -> None:
    """After a confirmation commits: make sure a settler task (``orders_settle_paid``) will run after
    this commit. At most one is queued at a time — a Celery task sent per confirmation cost about a
    fifth of the confirmation's CPU, and a busy worker settles a queue of orders in one task. Without
    a cache shared by the processes (a per-process cache cannot tell whether a task is queued), one
    task per order (``tasks.settle_order``)."""
    from . import tasks

    if not _cache_shared():
        tasks.settle_order.delay(order_id)
    elif cache.add(SETTLER_QUEUED, 1, SETTLER_QUEUED_FOR):
        tasks.settle_paid_orders.delay()


def orders_settle_paid(*, batch: int = 200) -> int:
    """The settler: settle every paid order not settled yet, the oldest first (each through
    ``order_settle``: locked, applied once, so two settlers at once settle nothing twice). It first
    clears the queued flag, so a confirmation committed from then on queues the next settler: none is
    left waiting for one that has already read the orders. An order that fails is logged and left for
    the next settler or the catch-up (``orders_unsettled``). Returns how many dossiers moved on."""
    cache.delete(SETTLER_QUEUED)
    moved, failed = 0, set()
    while True:
        pending = list(_unsettled().exclude(pk__in=failed).values_list("pk", flat=True)[:batch])
        moved += _settle_each(pending, failed=failed)
        if len(pending) < batch:
            return moved


def _unsettled():
    """Paid orders whose settlement is still to do, the oldest first (index ``payments_order_unsettled``)."""
    return PaymentOrder.objects.filter(
        state=PaymentOrder.State.PAID, settled_at__isnull=True
    ).order_by("paid_at")


def _settle_each(pks, *, failed: set | None = None) -> int:
    """``order_settle`` for each of ``pks``; one that fails is logged (and added to ``failed``) and
    tried again later. Returns how many dossiers moved on."""
    moved = 0
    for pk in pks:
        try:
            moved += int(order_settle(order_id=pk))
        except Exception:  # noqa: BLE001 - tried again by the next settler or run
            log.exception("paid order %s not settled yet", pk)
            if failed is not None:
                failed.add(pk)
    return moved


def order_settle(*, order_id: int) -> bool:
    """The consequences of an order's first success, applied once (the order's row is locked and its
    ``settled_at`` marks them done): the dossier takes its ``pay`` action when it still waits for these
    very fees (else the money goes back: ``needs_refund``); one receipt (numbered here, rendered and
    filed after commit: ``receipts.receipt_issue``), one notice. Returns whether the dossier moved on.

    The gateway's confirmation (``attempt_apply``) commits the payment itself — the attempt and the
    order paid, the audit entry — and answers the gateway; this runs right after its commit, in a
    transaction of its own, so that the gateway's answer does not wait for the dossier's work."""
    from opendvc.dossiers.services.transitions import dossier_act

    from .receipts import receipt_issue

    with transaction.atomic(), audit_chain_last():
        order = (
            PaymentOrder.objects.select_for_update(of=("self",))
            .select_related("paid_attempt")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.settled_at is not None or order.paid_attempt_id is None:
            return False
        now = timezone.now()
        attempt = order.paid_attempt
        order.settled_at = now
        order.save(update_fields=["settled_at"])
        dossier = None
        if order.state == PaymentOrder.State.PAID:
            # Does the dossier still wait for these very fees? One unlocked read; the version it
            # gives is checked again under the dossier's lock by the ``pay`` action: every change
            # that could make another fee request the pending one (fees paid at the counter, fees
            # asked again) moves the state and bumps the version, so a stale answer here is refused
            # there (409) and the money goes back.
            version = (
                FeeRequest.objects.filter(
                    pk=order.fee_request_id,
                    state=FeeRequest.State.PENDING,
                    dossier__status=State.PAYMENT_REQUIRED,
                )
                .values_list("dossier__version", flat=True)
                .first()
            )
            if version is not None:
                try:
                    dossier = dossier_act(
                        dossier=Dossier(pk=order.dossier_id),
                        action="pay",
                        actor=None,
                        system=True,
                        expected_version=version,
                        receipt_number=attempt.reference,
                        note=_("Cổng thanh toán %(gateway)s xác nhận, mã giao dịch %(ref)s.")
                        % {
                            "gateway": attempt.gateway_label,
                            "ref": attempt.gateway_ref or attempt.reference,
                        },
                    )
                except ProblemError as exc:
                    log.warning("confirmed payment could not settle the dossier: %s", exc.detail)
        if dossier is None:
            PaymentAttempt.objects.filter(pk=attempt.pk).update(needs_refund=True)
            audit_record(
                actor=None,
                action="payment.refund_needed",
                target=attempt,
                changes={"reference": attempt.reference, "order_state": order.state},
            )
            return False
        # The receipt names whoever owes the fees: the organisation a dossier was filed for, not the
        # employee who filed it.
        payer = dossier.acting_for or dossier.applicant
        receipt = receipt_issue(order=order, attempt=attempt, payer=payer, now=now)
        notify(
            template="payment_confirmed",
            recipient=dossier.applicant,
            context={
                "code": dossier.code or "",
                "procedure": dossier.procedure.name,
                "amount": format_vnd(order.amount_vnd),
                "reference": attempt.reference,
                "gateway_ref": attempt.gateway_ref,
                "receipt": receipt.number,
                "url": absolute_url("dossiers:mine_detail", args=[dossier.public_id]),
            },
        )
    return True


def orders_unsettled(*, now=None, older_than: timedelta = SETTLE_AFTER, limit: int = 200) -> int:
    """Settle the paid orders still unsettled some time after their confirmation (the reconciliation
    job's catch-up). Returns how many dossiers moved on."""
    now = now or timezone.now()
    due = _unsettled().filter(paid_at__lte=now - older_than)
    return _settle_each(due.values_list("pk", flat=True)[:limit])


# -- reconciliation ---------------------------------------------------------------------------------------


def reconcile_due(*, now=None, limit: int = 200) -> dict[str, int]:
    """Ask the gateways about the attempts pending for more than 15 minutes whose next check is due;
    apply the answers through ``attempt_apply``. A gateway that cannot answer is asked again later
    (backoff 15 min × 2ⁿ, at most 6 h); after 3 days an attempt with no answer expires (a success
    reported later still upgrades it)."""
    now = now or timezone.now()
    counts = {"checked": 0, "applied": 0, "unreachable": 0, "expired": 0}
    due = (
        PaymentAttempt.objects.filter(
            state__in=(A.CREATED, A.PENDING), created_at__lte=now - RECONCILE_AFTER
        )
        .filter(next_check_at__lte=now)
        .order_by("next_check_at")[:limit]
    )
    for attempt in due:
        counts["checked"] += 1
        plugin = get_gateway(attempt.gateway)
        try:
            notice = plugin.query(attempt=attempt)
        except (GatewayError, NotImplementedError) as exc:
            counts["unreachable"] += 1
            log.warning("reconciliation: %s", exc, extra={"reference": attempt.reference})
            _check_later(attempt, now)
            continue
        result = attempt_apply(
            gateway=attempt.gateway, notice=notice, kind=GatewayMessage.Kind.QUERY
        )
        attempt.refresh_from_db()
        if attempt.final:
            counts["applied"] += 1
        elif notice.outcome in ("pending", "unknown") and now - attempt.created_at >= RECONCILE_FOR:
            counts["expired"] += int(_expire(attempt_id=attempt.pk))
        else:
            _check_later(attempt, now)
        log.info("reconciliation of %s: %s", attempt.reference, result)
    return counts


def _check_later(attempt: PaymentAttempt, now) -> None:
    wait = min(RECONCILE_AFTER * (2 ** min(attempt.checks, 10)), BACKOFF_MAX)
    if now - attempt.created_at >= RECONCILE_FOR:
        wait = BACKOFF_MAX  # never given up while the gateway cannot say; rare and cheap
    PaymentAttempt.objects.filter(pk=attempt.pk, state__in=(A.CREATED, A.PENDING)).update(
        checks=attempt.checks + 1, next_check_at=now + wait
    )


def _expire(*, attempt_id: int) -> bool:
    with transaction.atomic():
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.final:
            return False
        attempt.state = A.EXPIRED
        attempt.next_check_at = None
        attempt.save(update_fields=["state", "next_check_at", "updated_at"])
        audit_record(
            actor=None,
            action="payment.expired",
            target=attempt,
            changes={"reference": attempt.reference},
        )
    return True


# -- refunds ---------------------------------------------------------------------------------------------


def _roles(actor, attempt: PaymentAttempt) -> set[str]:
    from opendvc.dossiers.services.transitions import staff_roles_at

    return staff_roles_at(actor, attempt.order.dossier.receiving_agency_id)


def refund_allowed(attempt: PaymentAttempt, *, dossier: Dossier | None = None) -> str | None:
    """None when the money of ``attempt`` may be given back; otherwise why not (a sentence for the
    officer, the detail of the 409 ``conflict``).

    Fees and charges are paid for a public service the State agency delivers (Luật Phí và lệ phí
    2015, 97/2015/QH13): the fee is collected for a service delivered. So a payment is given back only
    when

    - the attempt is flagged ``needs_refund``: it paid an order already paid by another attempt, or
      fees settled some other way or asked again meanwhile (money the dossier never owed), whatever
      the dossier's state; or
    - the dossier will not be handled: refused at reception, withdrawn by the applicant, processing
      stopped, a deleted draft (``lifecycle.UNDELIVERED_STATES``, final states).

    A dossier being handled or whose result was issued or returned has its service: its fees stay.
    ``dossier`` is the attempt's dossier when the caller holds it (the officer's page); otherwise its
    state is read now (a request and a leader's approval see the state of the moment)."""
    if attempt.needs_refund:
        return None
    if dossier is None:
        status = (
            Dossier.objects.filter(payment_orders=attempt.order_id)
            .values_list("status", flat=True)
            .first()
        )
    else:
        status = dossier.status
    if status in UNDELIVERED_STATES:
        return None
    return _(
        "Không thể hoàn tiền: hồ sơ đang ở trạng thái “%(state)s”. Phí, lệ phí chỉ được hoàn khi hồ "
        "sơ không được giải quyết (từ chối tiếp nhận, rút hồ sơ, dừng xử lý) hoặc khi khoản tiền "
        "nộp trùng, không còn khớp với khoản phí phải nộp."
    ) % {"state": state_label(status or "")}


def _refund_check(attempt: PaymentAttempt) -> None:
    refused = refund_allowed(attempt)
    if refused is not None:
        raise ProblemError("conflict", refused, status=409)


def refund_request(
    *, attempt: PaymentAttempt, actor, reason: str, amount_vnd: int | None = None
) -> Refund:
    """An officer of the receiving agency asks to return a paid attempt's money: only when
    ``refund_allowed`` (paid twice, or the dossier will not be handled), else 409 ``conflict``."""
    if not {Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER} & _roles(actor, attempt):
        raise ProblemError(
            "permission_denied",
            _("Chỉ cán bộ của cơ quan tiếp nhận mới đề nghị hoàn tiền."),
            status=403,
        )
    reason = (reason or "").strip()
    if not reason:
        raise ProblemError(
            "validation_error",
            _("Phải nêu lý do hoàn tiền."),
            extra={"errors": [{"path": "reason", "message": _("Phải nêu lý do hoàn tiền.")}]},
        )
    if len(reason) > 2000:
        message = _("Lý do hoàn tiền dài tối đa %(n)s ký tự.") % {"n": 2000}
        raise ProblemError("validation_error", message, extra={"errors": [{"path": "reason", "message": message}]})
    amount = attempt.amount_vnd if amount_vnd is None else int(amount_vnd)
    if not 0 < amount <= attempt.amount_vnd:
        raise ProblemError(
            "validation_error",
            _("Số tiền hoàn không hợp lệ."),
            extra={"errors": [{"path": "amount_vnd", "message": _("Số tiền hoàn không hợp lệ.")}]},
        )
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=attempt.order_id)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if (
            attempt.state != A.PAID
            or attempt.refunds.exclude(
                state__in=(Refund.State.REJECTED, Refund.State.FAILED)
            ).exists()
        ):
            raise ProblemError(
                "conflict",
                _(
                    "Giao dịch này không thể hoàn tiền (chưa thanh toán hoặc đã có đề nghị "
                    "hoàn tiền)."
                ),
                status=409,
            )
        _refund_check(attempt)
        refund = Refund.objects.create(
            attempt=attempt, amount_vnd=amount, reason=reason, requested_by=actor
        )
        audit_record(
            actor=actor,
            action="payment.refund_requested",
            target=refund,
            changes={"reference": attempt.reference, "amount_vnd": amount, "order": order.pk},
        )
    return refund


def refund_decide(*, refund: Refund, actor, approve: bool, note: str = "") -> Refund:
    """A leader approves (the refund is sent to the gateway at once) or rejects the request. An
    approval is checked again against ``refund_allowed``: a dossier that is handled again since the
    request keeps its fees (409 ``conflict``; the request may still be rejected)."""
    if Role.LEADER not in _roles(actor, refund.attempt):
        raise ProblemError("permission_denied", _("Chỉ lãnh đạo mới duyệt hoàn tiền."), status=403)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("attempt").get(pk=refund.pk)
        if refund.state != Refund.State.REQUESTED:
            raise ProblemError("conflict", _("Đề nghị hoàn tiền đã được xử lý."), status=409)
        if refund.requested_by_id == actor.pk:
            raise ProblemError(
                "permission_denied", _("Người đề nghị không tự duyệt hoàn tiền."), status=403
            )
        if approve:
            _refund_check(refund.attempt)
        refund.state = Refund.State.APPROVED if approve else Refund.State.REJECTED
        refund.approved_by = actor
        refund.note = (note or "")[:2000]
        refund.save()
        audit_record(
            actor=actor,
            action="payment.refund_" + ("approved" if approve else "rejected"),
            target=refund,
            changes={"reference": refund.attempt.reference},
        )
    if approve:
        refund = refund_send(refund=refund)
    return refund


def refund_send(*, refund: Refund) -> Refund:
    """Send an approved refund to the gateway; a gateway that cannot be reached is tried again by the
    reconciliation job."""
    attempt = refund.attempt
    try:
        answer = get_gateway(attempt.gateway).refund(refund=refund)
    except GatewayError as exc:
        log.warning("refund not sent: %s", exc, extra={"reference": attempt.reference})
        return refund
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=attempt.order_id)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        GatewayMessage.objects.create(
            attempt=attempt,
            gateway=attempt.gateway,
            kind=GatewayMessage.Kind.REFUND,
            reference=attempt.reference,
            raw=answer.raw,
            signature_ok=True,
            outcome="accepted" if answer.accepted else "refused",
        )
        if refund.state != Refund.State.APPROVED:
            return refund
        if answer.accepted:
            refund.state, refund.sent_at, refund.gateway_ref = (
                Refund.State.SENT,
                timezone.now(),
                answer.gateway_ref,
            )
            if attempt.state == A.PAID:
                attempt.state = A.REFUND_PENDING
                attempt.save(update_fields=["state", "updated_at"])
            if order.paid_attempt_id == attempt.pk and order.state == PaymentOrder.State.PAID:
                # The money that paid the fees is on its way back: the order (and its receipt's
                # public check) no longer reads "paid".
                order.state = PaymentOrder.State.REFUND_PENDING
                order.save(update_fields=["state"])
        else:
            refund.state, refund.note = Refund.State.FAILED, answer.message[:2000]
        refund.save()
        audit_record(
            actor=None,
            action=f"payment.refund_{refund.state}",
            target=refund,
            changes={"reference": attempt.reference},
        )
    return refund


def refund_confirm(*, refund: Refund) -> str:
    """Ask the gateway whether the refund went through; applied through ``attempt_apply``."""
    attempt = refund.attempt
    try:
        notice = get_gateway(attempt.gateway).query(attempt=attempt)
    except GatewayError as exc:
        log.warning("refund not confirmed: %s", exc)
        return base.ERROR
    return attempt_apply(gateway=attempt.gateway, notice=notice, kind=GatewayMessage.Kind.QUERY)


def _refund_done(*, attempt: PaymentAttempt, now) -> None:
    attempt.state = A.REFUNDED
    attempt.save(update_fields=["state", "updated_at"])
    refund = attempt.refunds.filter(state=Refund.State.SENT).first()
    if refund is not None:
        refund.state, refund.refunded_at = Refund.State.REFUNDED, now
        refund.save(update_fields=["state", "refunded_at"])
    order = PaymentOrder.objects.get(pk=attempt.order_id)
    if order.paid_attempt_id == attempt.pk:
        order.state = PaymentOrder.State.REFUNDED
        order.save(update_fields=["state"])
    audit_record(
        actor=None,
        action="payment.refunded",
        target=attempt,
        changes={"reference": attempt.reference},
    )


def refunds_pending(*, now=None) -> dict[str, Any]:
    """Send approved refunds not sent yet, and confirm the sent ones (reconciliation job)."""
    counts = {"sent": 0, "confirmed": 0}
    for refund in Refund.objects.filter(state=Refund.State.APPROVED).select_related("attempt")[
        :100
    ]:
        counts["sent"] += int(refund_send(refund=refund).state == Refund.State.SENT)
    for refund in Refund.objects.filter(state=Refund.State.SENT).select_related("attempt")[:100]:
        refund_confirm(refund=refund)
        refund.refresh_from_db()
        counts["confirmed"] += int(refund.state == Refund.State.REFUNDED)
    return counts


def gateway_timeout() -> float:
    return float(settings.PAYMENT_GATEWAY_TIMEOUT)


# -- retention of the messages ------------------------------------------------------------------------


def gateway_unmatched_purge(
    *,
    older_than: datetime | None = None,
    batch_size: int = PURGE_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
    actor=None,
) -> int:
    """Delete the gateways' messages that matched no payment attempt (a signature that did not
    verify, whatever reference it quotes; an unknown order; a browser's return to nothing) received
    before ``older_than`` (by default ``PAYMENT_UNMATCHED_RETENTION_DAYS``, 90 days: retention policy
    ``gateway_unmatched``), in batches (``core.retention.expired_rows_purge``). Returns how many.

    Such a message changed nothing, and anyone may send one to a gateway's notification address. A
    message of an attempt is part of that payment's record (the reconciliation, a refund, a dispute
    read it) and follows the dossier's records, archived under the archives law and never purged here.
    A run that deleted rows writes one audit entry with the count (``actor``: None for the periodic
    job); ``dry_run`` counts them, deletes and records nothing."""
    return expired_rows_purge(
        lambda before: GatewayMessage.objects.filter(attempt__isnull=True, received_at__lt=before),
        policy_name="gateway_unmatched",
        action="payment.unmatched_messages_purged",
        older_than=older_than,
        batch_size=batch_size,
        dry_run=dry_run,
        progress=progress,
        actor=actor,
    )
