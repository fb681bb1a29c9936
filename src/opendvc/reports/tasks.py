from celery import shared_task


@shared_task(acks_late=True)
def build_report(report_id: int) -> str:
    """Build a queued report on a worker (``services.report_build``)."""
    from .services import report_build

    return report_build(report_id=report_id).status
