from celery import shared_task

# The module, not its names: ``services`` enqueues these tasks, so the two import each other.
from . import services


@shared_task(acks_late=True)
def build_report(report_id: int) -> str:
    """Build a queued report on a worker (``services.report_build``)."""
    return services.report_build(report_id=report_id).status
