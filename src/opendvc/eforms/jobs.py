from opendvc.core.periodic import periodic_job

from .services import purge_expired_drafts


@periodic_job("eforms.purge_expired_drafts")
def purge_drafts() -> int:
    """Delete drafts past their expiry (``EFORMS_DRAFT_DAYS`` after the last save). Returns how many."""
    return purge_expired_drafts()
