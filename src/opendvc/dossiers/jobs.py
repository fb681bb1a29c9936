from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from opendvc.core.periodic import periodic_job

from .services import cleanup_unclaimed_uploads
from .services.late import dossiers_escalate_overdue


@periodic_job("dossiers.clean_unclaimed_uploads")
def clean_unclaimed_uploads() -> int:
    """Remove uploads no dossier claimed within ``DOSSIER_UPLOAD_TTL_HOURS`` (a day by default), with
    their stored files. Returns how many."""
    hours = settings.DOSSIER_UPLOAD_TTL_HOURS
    return cleanup_unclaimed_uploads(older_than=timezone.now() - timedelta(hours=hours))


@periodic_job("dossiers.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Forget the filings' keys older than ``DOSSIER_IDEMPOTENCY_DAYS`` (retention policy
    ``idempotency_records``): the dossiers stay. Returns how many."""
    from .models import IdempotencyRecord

    cutoff = timezone.now() - timedelta(days=settings.DOSSIER_IDEMPOTENCY_DAYS)
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]


@periodic_job("dossiers.escalate_overdue")
def escalate_overdue_job() -> int:
    """Tell the leaders of each receiving agency once about the dossiers that became overdue since the
    previous pass. Returns how many dossiers were reported."""
    return dossiers_escalate_overdue()


@periodic_job("dossiers.render_pending_documents")
def render_pending_documents_job() -> int:
    """Make the PDFs of documents still pending ten minutes after their action (a worker that died, a
    broker that was down, a signature refused for a while). Returns how many."""
    from .documents import documents_pending

    return documents_pending()
