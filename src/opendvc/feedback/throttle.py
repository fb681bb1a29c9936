"""Throttling of anonymous intake (web form and public API) per client address, in the cache."""

from __future__ import annotations

from django.core.cache import cache

from . import conf


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def allow(request, *, scope: str = "feedback") -> bool:
    """Count one attempt; ``False`` once the address went over FEEDBACK_RATE_LIMIT in the window.
    A burst from one address does not affect anyone else."""
    window = int(conf.get("FEEDBACK_RATE_WINDOW_SECONDS"))
    key = f"throttle:{scope}:{client_address(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= int(conf.get("FEEDBACK_RATE_LIMIT"))
