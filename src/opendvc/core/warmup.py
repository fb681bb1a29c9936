"""Warm a serving process so that its first requests are not the ones paying for imports.

Without it every gunicorn worker imported the URL configuration, the API and its schemas on its
first requests, all at the same time on the same cores: after a restart the portal answered nothing
for half a minute although each worker had logged that it booted. With ``preload_app``
(deploy/gunicorn.conf.py) ``warm_up`` runs once in the master and the workers start warm.

WeasyPrint is not part of it: it is the largest single import (fontTools, cffi and Pango bindings,
more than Django and the URL configuration together) and only PDF requests need it. Importing it in
the master delayed the first answer after a restart by that much; each worker now imports it in a
background thread once it serves (``warm_up_heavy_in_background``, from gunicorn's
``post_worker_init``), so the first PDF is still fast and health checks answer at once.
No database connection is opened here: connections must never be shared across a fork. Once a
worker serves, the same background thread also runs the ``WARM_UP_HOOKS`` (dotted paths; e.g. the
catalog's search index, built in about half a second), so the first visitor does not wait for them;
the thread closes the connections it opened.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

from django.conf import settings
from django.db import connections
from django.urls import get_resolver
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Imported lazily by the code on first use; heavy enough to matter (fonts, PDF engine).
HEAVY_MODULES = ("weasyprint",)


def warm_up() -> float:
    """Resolve the URL configuration, which imports every view module and builds the API.
    Returns the seconds it took."""

    start = time.monotonic()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every urls and views module
    resolver._populate()
    elapsed = time.monotonic() - start
    logger.info("warm-up done in %.2f s", elapsed)
    return elapsed


def import_heavy_modules() -> None:
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library only costs a slower first use
            logger.warning("warm-up could not import %s", name, exc_info=True)
    for dotted in getattr(settings, "WARM_UP_HOOKS", ()):
        try:
            import_string(dotted)()
        except Exception:  # noqa: BLE001 - a hook that fails only costs a slower first request
            logger.warning("warm-up hook %s failed", dotted, exc_info=True)
    connections.close_all()


def warm_up_heavy_in_background() -> threading.Thread:
    """Import the heavy libraries in a daemon thread of a serving process (never in a process that
    will fork: a thread holding the import lock at the fork would leave the child deadlocked)."""
    thread = threading.Thread(target=import_heavy_modules, name="warm-up", daemon=True)
    thread.start()
    return thread
