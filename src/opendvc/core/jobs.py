"""Retention jobs of the core app (see ``opendvc.core.retention`` for every policy)."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .orphans import (
    SWEEP_CACHE_KEY,
    SWEEP_DAYS,
    SWEEP_EVERY,
    SWEEP_WHOLE_CACHE_KEY,
    SWEEP_WHOLE_EVERY,
    orphan_files_sweep,
)
from .periodic import periodic_job
from .ratelimit import ratelimit_purge_expired
from .uploads import pending_uploads_remove_stale


@periodic_job("core.clear_expired_sessions")
def clear_expired_sessions() -> int | None:
    """Remove expired sessions (``SESSION_COOKIE_AGE``) from the session store, as ``clearsessions``
    does. Returns how many when the store can tell."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    model = store.get_model_class() if hasattr(store, "get_model_class") else None
    before = model.objects.count() if model else None
    store.clear_expired()
    return None if model is None else before - model.objects.count()


@periodic_job("core.purge_rate_counters")
def purge_rate_counters() -> int:
    """Remove request-limit counters whose window ended. Returns how many."""
    return ratelimit_purge_expired()


@periodic_job("uploads.remove_stale_pending")
def remove_stale_pending_uploads() -> int:
    """Remove files uploaded ahead (``POST /feedback/files``) and never used. Returns how many."""
    return pending_uploads_remove_stale()


@periodic_job("core.sweep_orphan_files")
def sweep_orphan_files() -> int | None:
    """Remove stored files older than the upload lifetime (``DOSSIER_UPLOAD_TTL_HOURS``) that no row
    refers to, in every folder the portal writes to (``core.orphans.STORAGE_AREAS``). At most once per
    ``SWEEP_EVERY`` (the jobs run every five minutes), over the dated folders of the last days; once
    per ``SWEEP_WHOLE_EVERY`` over every folder whole (a file named by an older date — a receipt
    rendered late, a delivery reported late — or left while the job did not run). Formerly
    ``dossiers.sweep_orphan_files``, a name still accepted. Returns how many, None when it was not
    its time."""
    if not cache.add(SWEEP_CACHE_KEY, 1, timeout=int(SWEEP_EVERY.total_seconds())):
        return None
    whole = cache.add(SWEEP_WHOLE_CACHE_KEY, 1, timeout=int(SWEEP_WHOLE_EVERY.total_seconds()))
    hours = settings.DOSSIER_UPLOAD_TTL_HOURS
    return orphan_files_sweep(
        older_than=timezone.now() - timedelta(hours=hours), days=None if whole else SWEEP_DAYS
    ).total
