"""A real Celery worker consumes a task from Redis and its effect is visible."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.redis
def test_real_worker_runs_a_task_from_redis(redis_url, tmp_path):
    from celery import Celery
    from django.core.cache.backends.redis import RedisCache

    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "OPENDVC_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "opendvc",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "--pool",
            "solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        client = Celery(broker=redis_url, set_as_current=False)
        key, value = f"celery-test-{uuid.uuid4().hex}", "Đã chạy"
        client.send_task("opendvc.core.tasks.echo_to_cache", args=[key, value], queue=queue)
        # Task results are not kept (CELERY_TASK_IGNORE_RESULT): the task's effect is what is seen.
        cache = RedisCache(redis_url, {})
        deadline = time.monotonic() + 60
        while cache.get(key) is None and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert cache.get(key) == value
    finally:
        worker.terminate()
        try:
            out, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
    assert b"Traceback" not in out, out.decode(errors="replace")


def test_tasks_run_eagerly_on_the_embedded_default(settings):
    from opendvc.core.tasks import echo_to_cache

    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert echo_to_cache.delay("k", "v").get(disable_sync_subtasks=False) == "v"
