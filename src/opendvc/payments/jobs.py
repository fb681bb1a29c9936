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


@periodic_job("payments.purge_unmatched_messages")
def purge_unmatched_messages() -> int:
    """Delete the gateways' messages that matched no payment attempt, older than
    ``PAYMENT_UNMATCHED_RETENTION_DAYS`` (retention policy ``gateway_unmatched``). Returns how many."""
    from .services import gateway_unmatched_purge

    return gateway_unmatched_purge()
