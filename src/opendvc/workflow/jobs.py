"""Periodic job: reminders for steps due soon, escalation of overdue steps to the leaders (overdue
dossiers: ``dossiers.escalate_overdue``)."""

from __future__ import annotations

from opendvc.core.periodic import periodic_job

from .services import remind_and_escalate


@periodic_job("workflow.remind_and_escalate")
def remind_and_escalate_job() -> dict[str, int]:
    """Remind each assignee once per step due soon, tell the leaders once per overdue step."""
    return remind_and_escalate()
