from celery import shared_task
from django.core.cache import cache

from .periodic import run_all


@shared_task
def run_periodic_jobs() -> dict[str, str]:
    return run_all()


@shared_task
def echo_to_cache(key: str, value: str) -> str:
    """A tiny task with a visible effect, used to check that a worker is consuming the queue."""
    cache.set(key, value, 300)
    return value
