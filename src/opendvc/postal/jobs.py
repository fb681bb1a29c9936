from opendvc.core.periodic import periodic_job

from .services import postal_escalate_overdue


@periodic_job("postal.escalate_overdue")
def escalate_overdue_job() -> int:
    """Tell the postal workers of each agency once about the results that passed their 24-hour hand-over
    deadline since the previous pass. Returns how many orders were reported."""
    return postal_escalate_overdue()
