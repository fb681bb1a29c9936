"""Fixtures of the core tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def eager_tasks():
    """Celery runs the tasks here, as the test settings say, whatever an earlier test of the worker
    left in Celery's own configuration."""
    from opendvc.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
