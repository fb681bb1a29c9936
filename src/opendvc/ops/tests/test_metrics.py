"""/metrics: bearer token, latency per route, errors, login failures, gauges at scrape, and the
multiprocess mode used with several gunicorn workers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[4]


def _scrape(client, token="s3cret"):
    r = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200, r.status_code
    return {
        s.name + str(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.content.decode())
        for s in family.samples
    }


def _value(samples, name, **labels):
    return samples.get(name + str(sorted(labels.items())), 0.0)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = "s3cret"
    settings.METRICS_AUTH_DISABLED = False


def test_refused_without_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_AUTH_DISABLED = False
    assert client.get("/metrics").status_code == 401  # no token configured: refused
    settings.METRICS_AUTH_DISABLED = True
    assert client.get("/metrics").status_code == 200  # explicitly opened
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret").status_code == 401
    r = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")


def test_latency_and_responses_by_route(client, token):
    before = _scrape(client)
    for _ in range(3):
        client.get(reverse("ops:status"))
    client.get("/khong-ton-tai/")
    after = _scrape(client)
    count = "opendvc_request_duration_seconds_count"
    assert (
        _value(after, count, route="ops:status", method="GET")
        - _value(before, count, route="ops:status", method="GET")
        == 3
    )
    assert (
        _value(after, "opendvc_responses_total", route="ops:status", status="2xx")
        - _value(before, "opendvc_responses_total", route="ops:status", status="2xx")
        == 3
    )
    assert _value(after, "opendvc_responses_total", route="unmatched", status="4xx") >= 1
    assert not any("khong-ton-tai" in key for key in after)  # raw paths never become labels
    assert not any("ops:metrics" in key for key in after)


def test_server_errors_are_counted(client, token, settings):
    from django.urls import path

    from opendvc import urls as root

    def boom(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type(
        "U",
        (),
        {
            "urlpatterns": [path("boom/", boom, name="boom"), *root.urlpatterns],
            "handler500": root.handler500,
        },
    )
    client.raise_request_exception = False
    before = _value(_scrape(client), "opendvc_request_errors_total", route="boom")
    assert client.get("/boom/").status_code == 500
    assert _value(_scrape(client), "opendvc_request_errors_total", route="boom") - before == 1


def test_login_failures(client, token, org):
    before = _value(_scrape(client), "opendvc_login_failures_total")
    client.post("/tai-khoan/login/", {"login": org["citizen"].email, "password": "sai-mat-khau"})
    client.post("/tai-khoan/login/", {"login": "khong-co@example.vn", "password": "x"})
    assert _value(_scrape(client), "opendvc_login_failures_total") - before == 2


def test_gauges_computed_at_scrape(client, token, org, time_machine):
    from opendvc.accounts.tests.factories import AgencyFactory
    from opendvc.dossiers.models import Dossier
    from opendvc.dossiers.tests.conftest import make_procedure
    from opendvc.notifications.models import Notification
    from opendvc.ops.models import Severity
    from opendvc.ops.services import incident_open

    agency = AgencyFactory(code="000.00.32.H19")
    procedure = make_procedure()
    now = timezone.now()
    day = dt.timedelta(days=1)
    rows = [
        ("received", now - 2 * day, now - day),
        ("processing", now - day, now + day),
        ("result_ready", now, now - dt.timedelta(hours=1)),
        ("returned", now - day, now - day),
        ("draft", None, None),
    ]
    for status, received, due in rows:
        Dossier.objects.create(
            procedure=procedure,
            applicant=org["citizen"],
            receiving_agency=agency,
            status=status,
            received_at=received,
            due_at=due,
        )
    Notification.objects.create(
        channel="email", to_address="a@example.vn", template="t", subject="s", body="b"
    )
    Notification.objects.create(
        channel="email",
        to_address="a@example.vn",
        template="t",
        subject="s",
        body="b",
        status="failed",
    )
    incident_open(title="x", severity=Severity.MINOR, message="m", affected_services=[])
    samples = _scrape(client)
    assert _value(samples, "opendvc_dossiers_open") == 3
    assert _value(samples, "opendvc_dossiers_overdue") == 2
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    expected_today = sum(1 for _s, received, _d in rows if received and received >= midnight)
    assert _value(samples, "opendvc_dossiers_received_today") == expected_today
    assert _value(samples, "opendvc_notification_backlog", status="queued") >= 1
    assert _value(samples, "opendvc_notification_backlog", status="failed") == 1
    assert _value(samples, "opendvc_incidents_open") == 1


def test_multiprocess_mode_adds_up_the_workers(tmp_path):
    """Two worker processes count login failures in PROMETHEUS_MULTIPROC_DIR; a third scrapes the sum."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.test",
        "PYTHONPATH": str(ROOT / "src"),
    }
    worker = (
        "import django; django.setup(); from opendvc.ops.metrics import LOGIN_FAILURES; "
        "LOGIN_FAILURES.inc(); LOGIN_FAILURES.inc()"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=120, cwd=ROOT)
    scrape = (
        "import django; django.setup(); from opendvc.ops.metrics import counters_registry; "
        "from prometheus_client import generate_latest; import sys; "
        "sys.stdout.write(generate_latest(counters_registry()).decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", scrape],
        env=env,
        check=True,
        timeout=120,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert "opendvc_login_failures_total 4.0" in out
    assert len(list(tmp_path.glob("counter_*.db"))) >= 2  # one file per process


def test_a_process_starts_when_the_multiprocess_folder_is_not_there_yet(tmp_path):
    """The image sets PROMETHEUS_MULTIPROC_DIR to a folder of /tmp, an empty volume in a pod: the
    worker, the scheduler, the migration job and gunicorn's preloading master all load the portal
    before anything made that folder."""
    folder = tmp_path / "opendvc-metrics"
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.test",
        "PYTHONPATH": str(ROOT / "src"),
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        timeout=120,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr
    assert list(folder.glob("counter_*.db"))


def test_grafana_dashboard_uses_only_exported_metrics(client, token):
    import json
    import re

    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text(encoding="utf-8"))
    used = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"opendvc_\w+", target["expr"])
    }
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").content.decode()
    exported = set(re.findall(r"^# TYPE (\w+) ", body, re.M))
    assert used and used <= exported, used - exported
