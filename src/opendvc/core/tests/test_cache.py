"""``core.cache.RedisCache``: Django's Redis cache, with one Redis client kept per connection pool."""

from __future__ import annotations

import threading
import uuid

import pytest

from opendvc.core.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def cache(redis_url):
    c = RedisCache(redis_url, {"KEY_PREFIX": f"t-{uuid.uuid4().hex}"})
    yield c
    c.clear()


def test_operations_behave_as_djangos_redis_cache(cache):
    assert cache.get("k") is None
    assert cache.add("k", {"giá trị": [1, 2]}, 30) is True
    assert cache.add("k", "other", 30) is False  # add only when missing
    assert cache.get("k") == {"giá trị": [1, 2]}
    cache.set("n", 1)
    assert cache.incr("n", 5) == 6
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert cache.delete("k") is True
    assert cache.get("k", "gone") == "gone"


def test_one_client_per_pool_shared_by_threads(cache):
    client = cache._cache.get_client("x", write=True)
    assert cache._cache.get_client("y", write=False) is client  # one server: one pool, one client
    seen, errors = [], []

    def work(i):
        try:
            cache.set(f"t{i}", i)
            seen.append(cache.get(f"t{i}") == i)
            seen.append(cache._cache.get_client() is client)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(seen) and len(seen) == 16
