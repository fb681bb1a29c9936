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


def test_healthz_checks_a_real_broker(db, settings, redis_url):
    from opendvc.celery import app

    # Celery keeps the settings object it is configured from at its first use in the process: used
    # first inside the settings' override below, it would keep the override's copy (tasks not eager)
    # for every later test of this worker, whose mail would go to the in-memory broker. So it is used
    # before the override.
    old = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = redis_url
    try:
        assert views._check_broker()[0] is True
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        assert views._check_broker()[0] is False
    finally:
        app.conf.broker_url = old


def test_liveness_answers_while_a_dependency_is_down(db, monkeypatch):
    monkeypatch.setattr(views, "_check_database", lambda: (False, "OperationalError"))
    monkeypatch.setattr(views, "_check_cache", lambda: (False, "ConnectionError"))
    assert Client().get("/healthz").status_code == 503
    live = Client().get("/healthz?probe=live")
    assert live.status_code == 200 and live.json() == {"status": "ok", "checks": {}}
