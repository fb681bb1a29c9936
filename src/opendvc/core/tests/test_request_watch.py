"""The request watch of ``deploy/gunicorn.conf.py``: with a threaded worker (``gthread``) gunicorn's
own timeout never fires, because the worker's main loop keeps reporting while a request thread hangs;
the watch ends such a worker itself, logged with the request's path and where it was stuck, and the
master starts a new one. A request that ends within the timeout is left alone."""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from .served import ROOT, free_port, server_log, start_gunicorn, stop, wait_ready

pytestmark = pytest.mark.slow

TIMEOUT = 2


def _get(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=60) as r:
        return r.read()


@pytest.fixture
def threaded():
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.test",
        "GUNICORN_WORKER_CLASS": "gthread",
        "GUNICORN_TIMEOUT": str(TIMEOUT),
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_PRELOAD": "false",
        "OPENDVC_WARM_UP": "false",
    }
    port = free_port()
    proc = start_gunicorn(
        env, port, workers=1, app="opendvc.core.tests.hanging_app:application", args=("--threads", "2")
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, timeout=60)
        yield base, proc
    finally:
        stop(proc)


def test_a_hung_request_ends_its_threaded_worker(threaded):
    base, proc = threaded
    with ThreadPoolExecutor(1) as pool:
        start = time.monotonic()
        hung = pool.submit(_get, base, "/hang")
        time.sleep(0.5)
        # The worker's other thread still serves while one request hangs.
        assert _get(base, "/other") == b"ok"
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            hung.result(timeout=30)
        ended = time.monotonic() - start
    assert TIMEOUT < ended < TIMEOUT + 10, ended
    # A new worker serves the next request.
    wait_ready(base, proc, timeout=30)
    log = server_log(proc)
    assert "Request /hang ran" in log and "longer than the timeout (2 s)" in log, log
    assert "hanging_app.py" in log, log  # where it was stuck


def test_a_request_within_the_timeout_is_left_alone(threaded):
    base, proc = threaded
    assert _get(base, "/slow") == b"ok"
    assert _get(base, "/slow") == b"ok"
    assert "longer than the timeout" not in server_log(proc)
