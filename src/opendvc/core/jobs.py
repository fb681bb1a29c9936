"""Retention jobs of the core app (see ``opendvc.core.retention`` for every policy)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

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
