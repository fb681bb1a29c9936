from celery import shared_task
from django.conf import settings

# The module, not its names: ``services`` enqueues these tasks, so the two import each other.
from . import services


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    """Deliver one queued email, retrying with exponential back-off (1, 2, 4, 8, 16 min)."""
    try:
        services.notification_deliver(notification_id=notification_id)
    except Exception as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # In-process run: the failure is logged on the notification; periodic retry picks it up.
            return "failed"
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    return "sent"
