from opendvc.core.periodic import periodic_job

from .checks import run_checks
from .services import incidents_from_checks


@periodic_job("ops.health_checks")
def health_checks() -> dict[str, str]:
    """Run the health checks; open or resolve incidents from them (Celery beat every 5 minutes)."""

    return incidents_from_checks(results=run_checks())
