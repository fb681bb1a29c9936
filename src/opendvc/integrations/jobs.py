"""Periodic jobs of the integrations (``manage.py run_periodic`` or Celery beat)."""

from __future__ import annotations

import logging

from opendvc.core.periodic import periodic_job

from .govfeedback.client import SYSTEMS, govfeedback_poll
from .transport import DeliveryError

logger = logging.getLogger(__name__)


@periodic_job("integrations.govfeedback_poll")
def poll_government_feedback() -> dict[str, object]:
    """New items from nguoidan.chinhphu.vn and doanhnghiep.chinhphu.vn (each system on its own: one
    down does not stop the other)."""
    results: dict[str, object] = {}
    for system in SYSTEMS:
        try:
            results[system] = govfeedback_poll(system=system)
        except DeliveryError as exc:
            logger.warning("Polling %s failed: %s", system, exc)
            results[system] = f"error: {exc}"
    return results


@periodic_job("integrations.purge_refused_inbound")
def purge_refused_inbound() -> int:
    """Delete the refused requests to the peers' webhooks (but those the one-stop software signed) older than
    ``INBOUND_REFUSED_RETENTION_DAYS`` (retention policy ``inbound_refused``). Returns how many."""
    from .inbound import inbound_refused_purge

    return inbound_refused_purge()
