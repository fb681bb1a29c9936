"""Feedback settings with their defaults; every value may be overridden in Django settings."""

from __future__ import annotations

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # Regulation Art. 8: focal officer 8 working hours, head of agency 48 working hours.
    "FEEDBACK_FOCAL_HOURS": 8,
    "FEEDBACK_HEAD_HOURS": 48,
    # Art. 8.3: a reschedule sets a new time at most this many working days after it is made.
    "FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS": 10,
    # "Due soon" in the work queues: less than this many working hours left.
    "FEEDBACK_DUE_SOON_HOURS": 2,
    # A "not satisfied" sender may reopen an answered item once, within this many days of the answer.
    "FEEDBACK_REOPEN_DAYS": 7,
    # Attachments (same kinds as dossiers: PDF, JPEG, PNG, DOCX, XLSX).
    "FEEDBACK_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "FEEDBACK_MAX_FILES": 5,
    "FEEDBACK_MAX_IMAGE_PIXELS": 40_000_000,
    # Anonymous intake (web form and public API): this many items per address per window.
    "FEEDBACK_RATE_LIMIT": 5,
    "FEEDBACK_RATE_WINDOW_SECONDS": 600,
    # Inbound email: larger messages are quarantined.
    "FEEDBACK_MAX_EMAIL_BYTES": 25 * 1024 * 1024,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
