"""gunicorn settings for OpenDVC (production, benchmarks and the multi-process tests).

    gunicorn -c deploy/gunicorn.conf.py opendvc.wsgi:application

Every value can be overridden on the command line or through GUNICORN_* environment variables.

Prometheus metrics with several workers: set ``PROMETHEUS_MULTIPROC_DIR``; the folder is emptied when
the master starts and a dead worker's live gauges are dropped, so /metrics adds up only what the
running workers and the past ones counted.
"""

import multiprocessing
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(
    os.environ.get("GUNICORN_WORKERS")
    or os.environ.get("WEB_CONCURRENCY")
    or multiprocessing.cpu_count() * 2 + 1
)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# Load and warm the application once in the master, then fork: workers are ready the moment they
# boot instead of each importing Django, the URL configuration and the API on the same cores after a
# restart (opendvc.core.warmup). Code changes need a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in {"0", "false", "no"}
# A request running longer than this is killed and logged (PDF rendering is the slowest, ~2 s): by
# gunicorn's own timeout for the ``sync`` worker, by the request watch below for every worker class.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow for ever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The access log keeps the path, never the query string nor the referrer: the public lookup's and the
# verification's keys (``?ma=…&khoa=…``, printed in the receipt's QR code) travel there, as do the
# citizens' searches. Method, path, status, size, duration (µs) and user agent.
access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)s "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Behind the reverse proxy of the deployment (see docs/operations.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    # Nothing opened by the master may be shared with a worker (the warm-up opens no connection,
    # this keeps it so if that ever changes).
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


# The request watch. gunicorn's ``timeout`` ends a worker whose main loop stops reporting: a ``sync``
# worker runs the request in that loop, so a request that hangs is ended there. A threaded worker
# (``gthread``) runs it in another thread and its main loop keeps reporting, so a hung request would
# hold its thread for ever. Each worker therefore notes when each request began (``pre_request``, in
# the thread that serves it) and a watching thread ends the worker, as the timeout would, once one has
# run longer than ``timeout``: logged with the request's path and where it was stuck; the master
# starts a new worker.
_RUNNING: dict[int, tuple[float, str]] = {}


def pre_request(worker, req):
    _RUNNING[threading.get_ident()] = (time.monotonic(), req.path)


def post_request(worker, req, environ, resp):
    _RUNNING.pop(threading.get_ident(), None)


def overdue_request(now: float, limit: float) -> tuple[int, float, str] | None:
    """The request of this worker running longer than ``limit`` seconds, if any: (thread, start,
    path)."""
    for ident, (start, path) in list(_RUNNING.items()):
        if now - start > limit:
            return ident, start, path
    return None


def _watch_requests(worker):
    limit = worker.cfg.timeout
    while True:
        time.sleep(1)
        overdue = overdue_request(time.monotonic(), limit)
        if overdue is None:
            continue
        ident, start, path = overdue
        frame = sys._current_frames().get(ident)
        stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
        worker.log.critical(
            "Request %s ran %.0f s, longer than the timeout (%s s): worker %s ends\n%s",
            path, time.monotonic() - start, limit, worker.pid, stack,
        )
        for handler in worker.log.error_log.handlers:
            handler.flush()
        os._exit(1)


def post_worker_init(worker):
    if worker.cfg.timeout:
        threading.Thread(target=_watch_requests, args=(worker,), name="request-watch", daemon=True).start()
    # The PDF engine is imported after the worker serves, in the background (opendvc.core.warmup).
    if os.environ.get("OPENDVC_WARM_UP", "true").lower() not in {"0", "false", "no"}:
        from opendvc.core.warmup import warm_up_heavy_in_background

        warm_up_heavy_in_background()


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
