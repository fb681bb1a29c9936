from datetime import timedelta

from django.utils import timezone

from opendvc.core.periodic import periodic_job

from . import conf
from .services import cleanup_unclaimed_uploads


@periodic_job("dossiers.clean_unclaimed_uploads")
def clean_unclaimed_uploads() -> int:
    """Remove uploads no dossier claimed within ``DOSSIER_UPLOAD_TTL_HOURS`` (a day by default), with
    their stored files. Returns how many."""
    hours = int(conf.get("DOSSIER_UPLOAD_TTL_HOURS"))
    return cleanup_unclaimed_uploads(older_than=timezone.now() - timedelta(hours=hours))
