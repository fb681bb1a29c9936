from django.test import Client

from opendvc.core import views


def test_healthz_reports_each_dependency(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_when_a_dependency_is_down(db, monkeypatch):
    monkeypatch.setattr(views, "_check_database", lambda: (False, "OperationalError"))
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "info": "OperationalError"}


def test_healthz_checks_a_real_broker(db, monkeypatch, redis_url):
    from django.conf import settings

    from opendvc.celery import app

    # Not through pytest-django's ``settings`` override: Celery reads its configuration from the
    # settings object it first met, and one met inside an override kept the override's values (tasks
    # not eager) for every later test of the worker, whose mail then went to the in-memory broker.
    old, eager = app.conf.broker_url, app.conf.task_always_eager
    monkeypatch.setattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    app.conf.broker_url = redis_url
    try:
        assert views._check_broker()[0] is True
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        assert views._check_broker()[0] is False
    finally:
        app.conf.broker_url = old
        monkeypatch.undo()
        if app.conf.task_always_eager != eager:
            app.conf.task_always_eager = eager


def test_liveness_answers_while_a_dependency_is_down(db, monkeypatch):
    monkeypatch.setattr(views, "_check_database", lambda: (False, "OperationalError"))
    monkeypatch.setattr(views, "_check_cache", lambda: (False, "ConnectionError"))
    assert Client().get("/healthz").status_code == 503
    live = Client().get("/healthz?probe=live")
    assert live.status_code == 200 and live.json() == {"status": "ok", "checks": {}}
