"""Load everything a first request would load, once, in the process that forks the workers.

Without it every gunicorn worker imported the URL configuration, the API and its schemas, and
WeasyPrint on its first requests, all at the same time on the same cores: after a restart the portal
answered nothing for half a minute although each worker had logged that it booted. With
``preload_app`` (deploy/gunicorn.conf.py) this runs once in the master and the workers start warm.
No database connection is opened here: connections must never be shared across a fork.
"""

from __future__ import annotations

import importlib
import logging
import time

logger = logging.getLogger(__name__)

# Imported lazily by the code on first use; heavy enough to matter (fonts, PDF engine).
HEAVY_MODULES = ("weasyprint",)


def warm_up() -> float:
    """Resolve the URL configuration, build every view module and the API, import heavy libraries.
    Returns the seconds it took."""
    from django.urls import get_resolver

    start = time.monotonic()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every urls and views module
    resolver._populate()
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library only costs a slower first use
            logger.warning("warm-up could not import %s", name, exc_info=True)
    elapsed = time.monotonic() - start
    logger.info("warm-up done in %.2f s", elapsed)
    return elapsed
