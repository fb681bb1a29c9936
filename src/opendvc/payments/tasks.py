from celery import shared_task

from opendvc.core.problems import ProblemError


@shared_task(
    autoretry_for=(ProblemError,), retry_backoff=30, retry_backoff_max=3600, max_retries=12
)
def render_receipt(receipt_id: int) -> str:
    from .receipts import receipt_render

    return receipt_render(receipt_id=receipt_id).number


@shared_task
def reconcile_payments() -> dict:
    from .services import reconcile_due, refunds_pending

    return {**reconcile_due(), **refunds_pending()}
