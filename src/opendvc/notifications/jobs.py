from datetime import timedelta

from django.utils import timezone

from opendvc.core.periodic import periodic_job
from opendvc.core.retention import policy

from .models import DeliveryLog, Notification
from .tasks import deliver_notification

MAX_ATTEMPTS = 6


@periodic_job("notifications.retry_failed")
def retry_failed() -> int:
    """Re-queue emails that failed or were never picked up (the table, not the broker, is the truth)."""

    stale = timezone.now() - timedelta(minutes=10)
    pending = Notification.objects.filter(
        channel=Notification.Channel.EMAIL, attempts__lt=MAX_ATTEMPTS
    ).filter(status=Notification.Status.FAILED) | Notification.objects.filter(
        channel=Notification.Channel.EMAIL, status=Notification.Status.QUEUED, created_at__lt=stale
    )
    count = 0
    for pk in pending.values_list("pk", flat=True)[:500]:
        deliver_notification.delay(pk)
        count += 1
    return count


@periodic_job("notifications.purge_delivery_log")
def purge_delivery_log() -> int:
    """Remove delivery log rows older than ``NOTIFICATION_LOG_DAYS`` (retention policy
    ``delivery_logs`` in opendvc.core.retention). Returns how many."""

    cutoff = timezone.now() - timedelta(days=policy("delivery_logs").value())
    return DeliveryLog.objects.filter(created_at__lt=cutoff).delete()[0]
