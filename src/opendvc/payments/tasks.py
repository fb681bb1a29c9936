from celery import shared_task


@shared_task
def render_receipt(receipt_id: int) -> str:
    from .receipts import receipt_render

    return receipt_render(receipt_id=receipt_id).number


@shared_task
def reconcile_payments() -> dict:
    from .services import reconcile_due, refunds_pending

    return {**reconcile_due(), **refunds_pending()}
