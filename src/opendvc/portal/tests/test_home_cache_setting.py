"""HOME_CACHE_SECONDS: the home page and its counts cached for visitors who are not signed in (60 s
by default); 0 renders it at every visit, as the benchmarks measure with caches off."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from opendvc.core.pagecache import CSRF_PLACEHOLDER


@pytest.mark.django_db
def test_the_home_page_is_cached_only_when_asked(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    settings.HOME_CACHE_SECONDS = 0
    assert client.get("/").status_code == 200
    assert not any(CSRF_PLACEHOLDER in str(v) for v in cache._cache.values())
    assert cache.get("home-stats:vi") is None
    settings.HOME_CACHE_SECONDS = 60
    assert client.get("/").status_code == 200
    assert cache.get("home-stats:vi") is not None
