from celery import shared_task


# Any failure (a refused seal, an unreachable time-stamping authority, the storage) is retried with
# backoff; after the last try the reconciliation job's ``receipts_pending`` still takes it up.
@shared_task(autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=3600, max_retries=12)
def render_receipt(receipt_id: int) -> str:
    from .receipts import receipt_render

    return receipt_render(receipt_id=receipt_id).number


# The consequences of a confirmed payment (the dossier's ``pay`` action, the receipt, the notice), once:
# retried with backoff; after the last try the reconciliation job's ``orders_unsettled`` takes it up.
@shared_task(autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=600, max_retries=12)
def settle_order(order_id: int) -> bool:
    from .services import order_settle

    return order_settle(order_id=order_id)


# Every paid order not settled yet, in one task (``services.settler_wake`` queues at most one at a time).
@shared_task
def settle_paid_orders() -> int:
    from .services import orders_settle_paid

    return orders_settle_paid()


@shared_task
def reconcile_payments() -> dict:
    from .receipts import receipts_pending
    from .services import orders_unsettled, reconcile_due, refunds_pending

    return {
        **reconcile_due(),
        "settled": orders_unsettled(),
        **refunds_pending(),
        "receipts": receipts_pending(),
    }
