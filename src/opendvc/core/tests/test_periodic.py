from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opendvc.core import periodic


def test_run_periodic_lists_and_runs_jobs(db):
    out = StringIO()
    call_command("run_periodic", "--list", stdout=out)
    assert "notifications.retry_failed" in out.getvalue()
    out = StringIO()
    call_command("run_periodic", "--job", "notifications.retry_failed", stdout=out)
    assert "notifications.retry_failed: ok" in out.getvalue()


def test_unknown_job_is_refused(db):
    with pytest.raises(CommandError, match="Không có công việc"):
        call_command("run_periodic", "--job", "khong.co")


def test_a_failing_job_is_reported_and_others_still_run(db, monkeypatch):
    calls = []
    monkeypatch.setitem(periodic._JOBS, "test.fails", lambda: 1 / 0)
    monkeypatch.setitem(periodic._JOBS, "test.works", lambda: calls.append(1))
    results = periodic.run_all(["test.fails", "test.works"])
    assert results["test.fails"].startswith("error: ZeroDivisionError")
    assert results["test.works"] == "ok: None" or results["test.works"].startswith("ok")
    assert calls == [1]
    with pytest.raises(CommandError):
        call_command("run_periodic", "--job", "test.fails", stdout=StringIO())


def test_beat_schedule_runs_the_same_jobs(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["run-periodic-jobs"]
    assert entry["task"] == "opendvc.core.tasks.run_periodic_jobs"
