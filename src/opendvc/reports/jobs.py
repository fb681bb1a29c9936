"""Periodic work of the reports app (run by ``manage.py run_periodic`` or Celery beat)."""

from __future__ import annotations

from opendvc.core.periodic import periodic_job


@periodic_job("reports.refresh_facts")
def refresh_facts() -> str:
    """Bring the facts table up to date with the dossiers changed since the last run."""
    from .facts import data_version, facts_refresh

    return data_version(facts_refresh())


@periodic_job("reports.due_reminders")
def due_reminders() -> str:
    """Remind agency leaders 10 and 3 working days before the six-monthly report is due (Art. 13.10)."""
    from .services import reminders_send

    return f"{reminders_send()} agency(ies) reminded"
