from opendvc.core.periodic import periodic_job

from .checkpoints import audit_checkpoint_write


@periodic_job("audit.checkpoint")
def checkpoint() -> str:
    """Sign the audit chain's count and head into ``AUDIT_CHECKPOINT_DIR`` (outside the database)."""
    cp = audit_checkpoint_write()
    return "unchanged" if cp is None else f"{cp.count} entries signed"
