"""Periodic jobs: registered once, run by ``manage.py run_periodic`` (cron) or Celery beat."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module

from django.apps import apps

logger = logging.getLogger(__name__)
_JOBS: dict[str, Callable[[], object]] = {}
#: former names of renamed jobs: a crontab or a script naming the old one runs the new one
RENAMED: dict[str, str] = {
    "dossiers.sweep_orphan_files": "core.sweep_orphan_files",
}


def current_name(name: str) -> str:
    return RENAMED.get(name, name)


def periodic_job(name: str):
    """Decorator: ``@periodic_job("notifications.retry_failed")`` on a function with no arguments."""

    def register(func: Callable[[], object]):
        _JOBS[name] = func
        return func

    return register


def discover() -> dict[str, Callable[[], object]]:
    for config in apps.get_app_configs():
        if config.name.startswith("opendvc."):
            try:
                import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise
    return dict(_JOBS)


def run_all(only: list[str] | None = None) -> dict[str, str]:
    """Run every job (or the named ones); one failing job does not stop the others."""
    results: dict[str, str] = {}
    only = [current_name(n) for n in only] if only else only
    for name, func in sorted(discover().items()):
        if only and name not in only:
            continue
        try:
            outcome = func()
            results[name] = f"ok{'' if outcome is None else f': {outcome}'}"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            logger.exception("Periodic job %s failed", name)
            results[name] = f"error: {type(exc).__name__}: {exc}"
    return results
