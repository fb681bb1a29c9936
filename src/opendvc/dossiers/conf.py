"""Settings of the dossier app, each overridable in Django settings or the environment."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Dossier code format (DOMAIN.md "Codes", configurable): fields agency, date (YYMMDD), seq.
    "DOSSIER_CODE_FORMAT": "{agency}-{date:%y%m%d}-{seq:04d}",
    "DOSSIER_MAX_FILE_BYTES": 20 * 1024 * 1024,
    "DOSSIER_MAX_TOTAL_BYTES": 100 * 1024 * 1024,
    # Images beyond this many pixels are refused (decompression bombs).
    "DOSSIER_MAX_IMAGE_PIXELS": 50_000_000,
    # Unclaimed uploads older than this are removed by the periodic job.
    "DOSSIER_UPLOAD_TTL_HOURS": 24,
    # "Due soon": this many working hours before the due instant (one working day by default).
    "DOSSIER_DUE_SOON_HOURS": 8,
    # The appointment proposed to the receiving officer for a procedure that states no processing time
    # (working days after intake); the officer may choose another instant inside working time.
    "DOSSIER_APPOINTMENT_DEFAULT_WORKING_DAYS": 3,
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    return type(default)(raw)
