from opendvc.core.periodic import periodic_job

from .services import purge_expired_drafts, warn_expiring_drafts


@periodic_job("eforms.purge_expired_drafts")
def purge_drafts() -> int:
    """Delete drafts past their expiry (``EFORMS_DRAFT_DAYS`` after the last save). Returns how many."""
    return purge_expired_drafts()


@periodic_job("eforms.warn_expiring_drafts")
def warn_drafts() -> int:
    """Warn applicants whose drafts expire within ``EFORMS_DRAFT_WARNING_DAYS``. Returns how many."""
    return warn_expiring_drafts()
