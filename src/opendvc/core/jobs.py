"""Periodic jobs of the core: housekeeping of files uploaded ahead and never used."""

from __future__ import annotations

from .periodic import periodic_job
from .uploads import pending_uploads_remove_stale


@periodic_job("uploads.remove_stale_pending")
def remove_stale_pending_uploads() -> int:
    return pending_uploads_remove_stale()
