"""The portal's one request limiter: fixed windows counted in a store every worker shares.

With Redis as the cache, a window is one Redis key (``cache.add`` then ``INCR``: atomic, shared).
Otherwise it is one row of ``core.RateCounter`` incremented by a single upsert statement, so the
count is shared by every process that uses the database, even on SQLite. A per-process memory cache
is never used for counting: with four gunicorn workers it allowed four times every limit.
The limits themselves (setting names and defaults) are listed in ``opendvc.core.limits``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from .limits import LIMITS, limit_values
from .models import RateCounter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    count: int
    limit: int
    #: seconds until the current window ends (for Retry-After)
    retry_after: int


def client_ip(request) -> str:
    """The client address every limiter counts (X-Forwarded-For only through
    ``TRUSTED_PROXY_COUNT`` trusted proxies, the same rule allauth applies)."""

    try:
        return get_adapter(request).get_client_ip(request) or "unknown"
    except PermissionDenied:
        # No usable address (a missing or malformed REMOTE_ADDR, a forged forwarding header): such
        # requests share one bucket rather than failing with a server error.
        return "unknown"


def client_address(request) -> str | None:
    """The client's address as records keep it (the audit trail, sessions, access logs, a payer's
    address for the gateway): ``client_ip``'s, behind the trusted proxies, or None when there is no
    usable one. Behind the reverse proxy ``REMOTE_ADDR`` is the proxy's own address."""
    if request is None:
        return None
    address = client_ip(request)
    return None if address == "unknown" else address


def _uses_redis() -> bool:
    # ``cache`` is a proxy (its type says nothing): look at the backend it stands for.
    backend = caches["default"]
    return "redis" in type(backend).__module__.lower() or type(backend).__name__ == "RedisCache"


def _count(key: str, *, window: int, expires_in: int, increment: bool) -> int:
    if _uses_redis():
        if not increment:
            return int(cache.get(key) or 0)
        cache.add(key, 0, timeout=expires_in)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=expires_in)
            return 1
    if not increment:
        row = (
            RateCounter.objects.filter(key=key, expires_at__gt=timezone.now())
            .values_list("count", flat=True)
            .first()
        )
        return int(row or 0)
    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    expires_at = timezone.now() + timedelta(seconds=expires_in)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({q('key')}, {q('count')}, {q('expires_at')}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({q('key')}) DO UPDATE SET {q('count')} = {table}.{q('count')} + 1 RETURNING {q('count')}",
            [key, expires_at],
        )
        return int(cursor.fetchone()[0])


def _window_key(name: str, ident: str, window: int) -> tuple[str, int]:
    now = time.time()
    index = int(now // window)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    retry_after = max(1, int((index + 1) * window - now))
    return f"rl:{name}:{digest}:{index}", retry_after


def ratelimit_hit(*, name: str, ident: str, increment: bool = True) -> RateResult:
    """Count one request of limit ``name`` for ``ident`` (an address, a user id, an account name).

    ``allowed`` is False once the count in the current window is over the limit. With
    ``increment=False`` only looks (e.g. "is this address already blocked?").
    """
    if name not in LIMITS:
        raise KeyError(f"unknown rate limit {name!r}; add it to opendvc.core.limits.LIMITS")
    amount, window = limit_values(name, settings)
    key, retry_after = _window_key(name, ident, window)
    count = _count(key, window=window, expires_in=window + 5, increment=increment)
    allowed = count <= amount if increment else count < amount
    return RateResult(allowed=allowed, count=count, limit=amount, retry_after=retry_after)


def ratelimit_log_allowed(*, name: str, ident: str, what: str) -> bool:
    """Whether one more request of ``ident`` (a client address) is written to a log that limit
    ``name`` caps: anyone can send junk to an address open to peers, and a flood from one address
    would otherwise add a row per request until the retention job runs. Past the limit the request
    is answered as before and only counted; the first one left out in a window is said in the
    application log (``what``: the requests no longer logged)."""
    ident = ident or "unknown"
    hit = ratelimit_hit(name=name, ident=ident)
    if not hit.allowed and hit.count == hit.limit + 1:
        logger.warning("%s from %s no longer logged for %s s", what, ident, hit.retry_after)
    return hit.allowed


def ratelimit_purge_expired() -> int:
    """Remove database counters whose window has ended. Returns how many."""
    return RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()[0]
