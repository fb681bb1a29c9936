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
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(
    os.environ.get("GUNICORN_WORKERS")
    or os.environ.get("WEB_CONCURRENCY")
    or multiprocessing.cpu_count() * 2 + 1
)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync"
# Load and warm the application once in the master, then fork: workers are ready the moment they
# boot instead of each importing Django, the URL configuration and the API on the same cores after a
# restart (opendvc.core.warmup). Code changes need a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in {"0", "false", "no"}
# A request running longer than this is killed and logged (PDF rendering is the slowest, ~2 s).
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


def post_worker_init(worker):
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
