"""Periodic work on feedback deadlines (run by ``manage.py run_periodic`` or Celery beat)."""

from __future__ import annotations

from opendvc.core.periodic import periodic_job

from .services import feedback_mark_overdue


@periodic_job("feedback.deadlines")
def deadlines() -> str:
    """Mark items past their deadline as overdue and tell heads about focal deadlines missed (once)."""
    return f"{feedback_mark_overdue()} head(s) notified"
