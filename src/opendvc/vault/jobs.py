from opendvc.core.periodic import periodic_job

from .services import results_issue_pending


@periodic_job("vault.issue_pending_results")
def issue_pending_results() -> int:
    """Issue the online results still waiting at ``result_ready`` (an issuance that failed when the
    approval committed). Returns how many were returned."""
    return results_issue_pending()
