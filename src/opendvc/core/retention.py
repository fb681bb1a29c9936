"""Every retention policy of the portal, in one place: what expires, after how long (setting and
default), and which periodic job removes it (``manage.py run_periodic`` or Celery beat).

What is kept for good is listed too, so that nobody adds a purge for it by mistake: the audit trail
(Regulation Art. 4.2) and its checkpoints, dossiers and their timelines, feedback and its events.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from opendvc.audit.services import audit_record


@dataclass(frozen=True)
class RetentionPolicy:
    name: str
    what: str
    #: setting (Django settings or environment) holding the lifetime; "" when fixed by other rules
    setting: str
    default: int
    unit: str  # "days", "hours" or "seconds"
    #: the periodic job that removes what expired
    job: str

    def value(self) -> int:
        if not self.setting:
            return self.default
        if hasattr(settings, self.setting):
            return int(getattr(settings, self.setting))
        raw = os.environ.get(self.setting, "")
        return int(raw) if raw.strip() else self.default


POLICIES: tuple[RetentionPolicy, ...] = (
    RetentionPolicy(
        "eform_drafts",
        "E-form drafts not submitted (applicants are warned EFORMS_DRAFT_WARNING_DAYS before)",
        "EFORMS_DRAFT_DAYS",
        30,
        "days",
        "eforms.purge_expired_drafts",
    ),
    RetentionPolicy(
        "unclaimed_uploads",
        "Files uploaded through the API and never attached to a dossier, with their stored files",
        "DOSSIER_UPLOAD_TTL_HOURS",
        24,
        "hours",
        "dossiers.clean_unclaimed_uploads",
    ),
    RetentionPolicy(
        "idempotency_records",
        "What a filing's key remembers (the API's Idempotency-Key, the filing page's one-time token): "
        "a retry or the same page sent again after this files anew",
        "DOSSIER_IDEMPOTENCY_DAYS",
        7,
        "days",
        "dossiers.purge_idempotency_records",
    ),
    RetentionPolicy(
        "orphan_files",
        "Stored files no row refers to, in every folder the portal writes to "
        "(core.orphans.STORAGE_AREAS): left by a storage, database or process failing between "
        "writing a file and committing its row",
        "DOSSIER_UPLOAD_TTL_HOURS",
        24,
        "hours",
        "core.sweep_orphan_files",
    ),
    RetentionPolicy(
        "pending_feedback_files",
        "Files uploaded ahead for a feedback item (POST /api/v1/feedback/files) and never sent with one",
        "",
        86_400,
        "seconds",
        "uploads.remove_stale_pending",
    ),
    RetentionPolicy(
        "sessions",
        "Expired sign-in sessions (django_session rows)",
        "SESSION_COOKIE_AGE",
        1_209_600,
        "seconds",
        "core.clear_expired_sessions",
    ),
    RetentionPolicy(
        "session_records",
        "The per-account list of sessions, for sessions that ended or expired",
        "SESSION_COOKIE_AGE",
        1_209_600,
        "seconds",
        "accounts.prune_sessions",
    ),
    RetentionPolicy(
        "rate_counters",
        "Request-limit counters whose window ended",
        "",
        0,
        "seconds",
        "core.purge_rate_counters",
    ),
    RetentionPolicy(
        "delivery_logs",
        "Delivery log of notifications (queued / sent / failed rows); the messages themselves stay",
        "NOTIFICATION_LOG_DAYS",
        180,
        "days",
        "notifications.purge_delivery_log",
    ),
    RetentionPolicy(
        "inbound_refused",
        "Requests to the peers' webhooks that were refused (the log of peers' requests); accepted "
        "ones, and refused ones the one-stop software signed (it may apply them again), stay",
        "INBOUND_REFUSED_RETENTION_DAYS",
        90,
        "days",
        "integrations.purge_refused_inbound",
    ),
    RetentionPolicy(
        "gateway_unmatched",
        "Payment gateways' messages that matched no payment attempt; those of an attempt stay",
        "PAYMENT_UNMATCHED_RETENTION_DAYS",
        90,
        "days",
        "payments.purge_unmatched_messages",
    ),
)

KEPT_FOR_GOOD = (
    "audit entries and audit checkpoints (Regulation Art. 4.2: no one may delete data messages)",
    "dossiers, their files, documents and timelines (archived under the archives law, not purged here)",
    "the requests of peers that changed a dossier and the payment gateways' messages about a payment "
    "(part of the dossier's records, archived with it)",
    "feedback items, their events and published answers",
)


def policy(name: str) -> RetentionPolicy:
    return next(p for p in POLICIES if p.name == name)


# Rows deleted per statement by ``rows_delete_in_batches``.
PURGE_BATCH_SIZE = 1000


def rows_delete_in_batches(
    queryset: QuerySet,
    *,
    batch_size: int = PURGE_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Delete the rows of ``queryset`` ``batch_size`` at a time, each batch in its own short
    transaction (by primary key: no statement holds the whole table, writers go on between batches;
    the same on SQLite and PostgreSQL). Returns how many. ``dry_run``: count them, delete nothing.
    ``progress(n)`` is told of each batch."""
    batch_size = max(int(batch_size), 1)
    model = queryset.model
    done = last = 0
    while True:
        # By primary key from the last one seen: a dry run walks the rows without deleting them.
        pks = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            return done
        last = pks[-1]
        if dry_run:
            n = len(pks)
        else:
            n = model._base_manager.filter(pk__in=pks).delete()[1].get(model._meta.label, 0)
        done += n
        if progress is not None:
            progress(len(pks))


def expired_rows_purge(
    rows: Callable[[datetime], QuerySet],
    *,
    policy_name: str,
    action: str,
    older_than: datetime | None = None,
    batch_size: int = PURGE_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
    actor=None,
) -> int:
    """Delete ``rows(older_than)`` in batches (``rows_delete_in_batches``); ``older_than`` is by default
    the policy ``policy_name``'s period back from now. Returns how many. A run that deleted rows writes
    one audit entry ``action`` with the count and the cut-off (``actor``: None for a periodic job);
    ``dry_run`` counts them, deletes and records nothing."""
    if older_than is None:
        older_than = timezone.now() - timedelta(days=policy(policy_name).value())
    deleted = rows_delete_in_batches(
        rows(older_than), batch_size=batch_size, dry_run=dry_run, progress=progress
    )
    if deleted and not dry_run:
        audit_record(
            actor=actor,
            action=action,
            changes={"deleted": deleted, "received_before": older_than.isoformat()},
        )
    return deleted
