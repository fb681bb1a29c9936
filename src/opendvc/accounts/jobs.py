from opendvc.core.periodic import periodic_job

from .models import UserSession
from .selectors import live_session_keys


@periodic_job("accounts.prune_sessions")
def prune_sessions() -> int:
    """Forget recorded sessions that expired or were ended outside the portal. Returns how many."""
    removed = 0
    keys = list(UserSession.objects.values_list("session_key", flat=True))
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        dead = set(chunk) - live_session_keys(chunk)
        if dead:
            removed += UserSession.objects.filter(session_key__in=dead).delete()[0]
    return removed
