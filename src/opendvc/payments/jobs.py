"""The reconciliation job, run every five minutes by Celery beat (``core.tasks.run_periodic_jobs``)
or by ``manage.py reconcile_payments``."""

from opendvc.core.periodic import periodic_job


@periodic_job("payments.reconcile")
def reconcile() -> int:
    from .receipts import receipts_pending
    from .services import orders_unsettled, reconcile_due, refunds_pending

    counts = reconcile_due()
    orders_unsettled()
    refunds_pending()
    receipts_pending()
    return counts["applied"]
