"""Django's Redis cache with one Redis client per connection pool, kept for the process.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache operation, and
building one registers its ~170 response callbacks: about a third of a millisecond of CPU per
``get``, ``set`` or ``add`` measured in-process (03/12/2026) — more than the operation itself. A page
reads its session, rate counters and cached fragments through the cache, so this was paid several
times per request. A ``redis.Redis`` is safe to share between threads (each command takes a connection
from the pool), and the pool itself starts afresh in a forked process, so one client per pool is kept.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_kept_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient


__all__ = ["RedisCache"]
