"""Health checks of what the portal needs to serve (Regulation Art. 10.7): the database, Redis,
file storage, the task broker, the backlog of notifications waiting to be sent, the mail server, the
expiry of the TLS certificates configured by path and the messages to the peers (outbox). Each check is a plain function returning a
``CheckResult``; ``run_checks`` runs them all and never raises."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.mail import get_connection
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from opendvc.celery import app
from opendvc.integrations.models import Delivery
from opendvc.integrations.outbox import held_destinations, paused_destinations
from opendvc.notifications.models import Notification

from .words import CHECK_LABELS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Check:
    name: str
    label: str  # the service a citizen would notice, shown on the status page
    func: Callable[[], tuple[bool, str]]


def check_database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_redis() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not configured"
    # Imported on first use: Redis is optional (REDIS_URL empty on a single-process install).
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping()), "ping"
    finally:
        client.close()


def check_storage() -> tuple[bool, str]:
    """Write, read back and delete a small file in the default storage (uploads, results)."""

    name = default_storage.save(f"healthcheck/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            return fh.read() == b"ok", type(storages["default"]).__name__
    finally:
        default_storage.delete(name)


def check_broker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager"

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return True, "broker"


def check_notification_backlog() -> tuple[bool, str]:
    """Emails queued longer than ``OPS_BACKLOG_AGE_MINUTES``: more than ``OPS_BACKLOG_LIMIT`` of them
    means the workers or the mail server are not keeping up."""

    stale = timezone.now() - dt.timedelta(minutes=settings.OPS_BACKLOG_AGE_MINUTES)
    count = Notification.objects.filter(
        status__in=[Notification.Status.QUEUED, Notification.Status.FAILED],
        channel=Notification.Channel.EMAIL,
        created_at__lt=stale,
    ).count()
    return count <= settings.OPS_BACKLOG_LIMIT, f"{count} waiting"


def check_outbox() -> tuple[bool, str]:
    """Messages to the peers (national portal, one-stop software, SMS…): none given up (``dead``) in
    the last day, and none still waiting after ``OPS_OUTBOX_AGE_MINUTES`` to a destination that is
    neither paused (the ICT department's choice) nor held (its peer asked us to wait, with
    ``Retry-After``, and the relay sends it nothing until then: ``held_destinations``). A hold that
    has ended with messages still old alarms again. Otherwise the dossiers stop reaching them with
    nobody told but whoever opens the outbox page."""
    now = timezone.now()
    S = Delivery.Status
    dead = (
        Delivery.objects.filter(status=S.DEAD, last_error_at__gte=now - dt.timedelta(days=1))
        .values_list("destination")
        .annotate(n=Count("id"))
        .order_by("destination")
    )
    waiting = (
        Delivery.objects.filter(
            status__in=[S.PENDING, S.FAILED],
            created_at__lt=now - dt.timedelta(minutes=settings.OPS_OUTBOX_AGE_MINUTES),
        )
        .exclude(destination__in=paused_destinations() | held_destinations(now).keys())
        .values_list("destination")
        .annotate(n=Count("id"))
        .order_by("destination")
    )
    problems = [f"{code}: {n} dead" for code, n in dead] + [
        f"{code}: {n} waiting > {settings.OPS_OUTBOX_AGE_MINUTES} min" for code, n in waiting
    ]
    return not problems, "; ".join(problems) or "nothing late"


def check_mail() -> tuple[bool, str]:
    backend = settings.EMAIL_BACKEND
    if not backend.endswith("smtp.EmailBackend"):
        return True, backend.rsplit(".", 2)[-2]

    connection = get_connection(timeout=5)
    connection.open()
    connection.close()
    return True, f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"


def check_certificates() -> tuple[bool, str]:
    """Each PEM file in ``TLS_CERTIFICATE_PATHS`` must be valid for ``CERT_EXPIRY_WARNING_DAYS`` more."""

    paths = [p for p in settings.TLS_CERTIFICATE_PATHS if p]
    if not paths:
        return True, "none configured"
    limit = timezone.now() + dt.timedelta(days=settings.CERT_EXPIRY_WARNING_DAYS)
    problems, soonest = [], None
    for path in paths:
        try:
            cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(f"{Path(path).name}: {type(exc).__name__}")
            continue
        expires = cert.not_valid_after_utc
        soonest = expires if soonest is None else min(soonest, expires)
        if expires < limit:
            problems.append(f"{Path(path).name}: expires {expires:%Y-%m-%d}")
    if problems:
        return False, "; ".join(problems)
    return True, f"valid until {soonest:%Y-%m-%d}"


CHECKS: list[Check] = [
    Check("database", CHECK_LABELS["database"], check_database),
    Check("redis", CHECK_LABELS["redis"], check_redis),
    Check("storage", CHECK_LABELS["storage"], check_storage),
    Check("broker", CHECK_LABELS["broker"], check_broker),
    Check(
        "notification_backlog",
        CHECK_LABELS["notification_backlog"],
        check_notification_backlog,
    ),
    Check("mail", CHECK_LABELS["mail"], check_mail),
    Check("certificates", CHECK_LABELS["certificates"], check_certificates),
    Check("outbox", CHECK_LABELS["outbox"], check_outbox),
]


def check_by_name(name: str) -> Check | None:
    return next((c for c in CHECKS if c.name == name), None)


def run_checks(checks: list[Check] | None = None) -> list[CheckResult]:
    """Run every check; an exception counts as a failure with its type and message."""
    results = []
    for check in checks or CHECKS:
        try:
            ok, detail = check.func()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
        if not ok:
            logger.warning("Health check %s failed: %s", check.name, detail)
        results.append(CheckResult(check.name, ok, detail))
    return results
