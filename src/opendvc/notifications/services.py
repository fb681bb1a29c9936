"""Queue templated messages; a task delivers them with retries. Templates live in
``notifications/templates/notifications/<key>.<lang>.txt``: first line is the subject, the rest the body.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from opendvc.core.after_response import after_response
from opendvc.core.links import portal_base_url
from opendvc.core.prepared import PreparedRead, row_insert, row_update

from .models import DeliveryLog, Notification
from .signals import notice_created
from .tasks import deliver_notification


def render_message(*, template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    base = {"PORTAL_NAME": settings.PORTAL_NAME, "PORTAL_BASE_URL": portal_base_url(), **context}
    with translation.override(language):
        try:
            text = render_to_string(f"notifications/{template}.{language}.txt", base)
        except TemplateDoesNotExist:
            text = render_to_string(f"notifications/{template}.vi.txt", base)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def notify(
    *,
    template: str,
    context: dict[str, Any],
    recipient=None,
    to_address: str = "",
    channels: tuple[str, ...] = ("email", "in_app"),
    language: str | None = None,
) -> list[Notification]:
    """Create the messages now; deliver them after the surrounding transaction commits.

    Email needs an address (the recipient's or ``to_address``); in-app needs a recipient.
    """
    language = language or getattr(recipient, "language", None) or settings.LANGUAGE_CODE
    subject, body = render_message(template=template, language=language, context=context)
    created: list[Notification] = []
    now = timezone.now()
    for channel in channels:
        address = to_address or (getattr(recipient, "email", "") or "")
        if channel == Notification.Channel.EMAIL and not address:
            continue
        if channel == Notification.Channel.IN_APP and recipient is None:
            continue
        in_app = channel == Notification.Channel.IN_APP
        created.append(
            Notification(
                recipient=recipient,
                to_address="" if in_app else address,
                channel=channel,
                template=template,
                language=language,
                subject=subject[:300],
                body=body,
                context={k: str(v) for k, v in context.items()},
                # In-app messages are delivered the moment they exist.
                status=Notification.Status.SENT if in_app else Notification.Status.QUEUED,
                sent_at=now if in_app else None,
            )
        )
    # One insert for every channel (the ids come back on PostgreSQL and SQLite ≥ 3.35).
    created = Notification.objects.bulk_create(created) if created else created
    logs = [DeliveryLog(notification=n, event=Notification.Status.QUEUED) for n in created]
    logs += [
        DeliveryLog(notification=n, event=Notification.Status.SENT)
        for n in created
        if n.channel == Notification.Channel.IN_APP
    ]
    DeliveryLog.objects.bulk_create(logs)
    for n in created:
        if n.channel == Notification.Channel.EMAIL:
            # robust: whatever committed stands if the broker is down; the row is queued and
            # ``jobs.retry_failed`` sends it (the table, not the broker, is the truth).
            transaction.on_commit(lambda pk=n.pk: _queue_delivery(pk), robust=True)
    # Other channels (SMS for the citizens who opted in) queue their copy in this same transaction.
    notice_created.send(
        sender=Notification,
        recipient=recipient,
        template=template,
        subject=subject,
        body=body,
        context=context,
    )
    return created


def _queue_delivery(pk: int) -> None:
    """Hand the email to a worker; without a broker (tasks run in process) send it after the response,
    so that no request waits for the mail server."""

    if settings.CELERY_TASK_ALWAYS_EAGER:
        after_response(lambda: deliver_notification.delay(pk))
    else:
        deliver_notification.delay(pk)


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one email. Raises on failure (the task retries); each attempt is logged.

    Several workers may hold the same notification (the retry job re-queues one that waited too
    long while it still sits in another worker's queue): the row is locked while it is sent, a worker
    that finds it locked leaves it to the one sending, and one that gets it after a send sees SENT.
    So an email goes out once, however many workers run (on PostgreSQL)."""
    error: Exception | None = None
    # SQLite (one machine) has no row locks: there a transaction would hold the whole database's
    # write lock for the time of the SMTP exchange, so the send runs outside one.
    locking = connection.features.has_select_for_update_skip_locked
    with transaction.atomic() if locking else contextlib.nullcontext():
        n = (_LOCKED if locking else _BY_KEY).first(notification_id)
        if n is None:
            # Another worker is sending it right now.
            return Notification.objects.get(pk=notification_id)
        if n.status == Notification.Status.SENT:
            return n
        n.attempts += 1
        row_update(n, ["attempts"])
        try:
            EmailMessage(
                subject=n.subject,
                body=n.body,
                to=[n.to_address],
                from_email=settings.DEFAULT_FROM_EMAIL,
            ).send()
        except Exception as exc:  # noqa: BLE001 - recorded below, then raised for the task to retry
            error = exc
            n.status = Notification.Status.FAILED
            row_update(n, ["status"])
            row_insert(
                DeliveryLog(
                    notification=n,
                    event=Notification.Status.FAILED,
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                )
            )
        else:
            n.status, n.sent_at = Notification.Status.SENT, timezone.now()
            row_update(n, ["status", "sent_at"])
            row_insert(DeliveryLog(notification=n, event=Notification.Status.SENT))
    if error is not None:
        raise error
    return n


# The notification to send, locked (skipped when another worker holds it) or, on SQLite, read; the
# statements built once per process (``core.prepared``). Its rows are written with kept statements too
# (no receiver listens to the save signals of notifications or their delivery log).
_LOCKED = PreparedRead(
    lambda pk: Notification.objects.select_for_update(skip_locked=True).filter(pk=pk), 1
)
_BY_KEY = PreparedRead(lambda pk: Notification.objects.filter(pk=pk), 1)


def notification_mark_read(*, user, notification_id: int) -> None:
    notifications_mark_read(user=user, ids=[notification_id])


def notifications_mark_read(*, user, ids) -> int:
    """Mark the messages ``ids`` of ``user`` read, now (one already read keeps its time; another
    person's message is left alone). The number marked."""
    ids = list(ids)
    if not ids:
        return 0
    return Notification.objects.filter(pk__in=ids, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
