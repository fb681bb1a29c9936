"""Periodic work of the reports app (run by ``manage.py run_periodic`` or Celery beat)."""

from __future__ import annotations

from opendvc.core.periodic import periodic_job

from .facts import data_version, facts_refresh
from .services import reminders_send


@periodic_job("reports.refresh_facts")
def refresh_facts() -> str:
    """Bring the facts table up to date with the dossiers changed since the last run."""

    return data_version(facts_refresh())


@periodic_job("reports.due_reminders")
def due_reminders() -> str:
    """Remind agency leaders 10 and 3 working days before the six-monthly report is due (Art. 13.10)."""

    return f"{reminders_send()} agency(ies) reminded"
