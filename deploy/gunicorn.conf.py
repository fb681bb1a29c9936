"""Gunicorn settings for several workers with Prometheus metrics (multiprocess mode).

Run with ``PROMETHEUS_MULTIPROC_DIR=/run/opendvc-metrics gunicorn -c deploy/gunicorn.conf.py
opendvc.wsgi``; the folder is emptied when the master starts and a dead worker's live gauges are
dropped, so /metrics adds up only what the running workers and the past ones counted."""

import os
import shutil
from pathlib import Path

workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
