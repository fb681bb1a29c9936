from celery import shared_task


# Any failure (a refused seal, an unreachable time-stamping authority, the storage) is retried with
# backoff; after the last try the reconciliation job's ``receipts_pending`` still takes it up.
@shared_task(autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=3600, max_retries=12)
def render_receipt(receipt_id: int) -> str:
    from .receipts import receipt_render

    return receipt_render(receipt_id=receipt_id).number


@shared_task
def reconcile_payments() -> dict:
    from .receipts import receipts_pending
    from .services import reconcile_due, refunds_pending

    return {**reconcile_due(), **refunds_pending(), "receipts": receipts_pending()}
