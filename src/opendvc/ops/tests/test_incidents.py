"""Incidents (Regulation Art. 10.7, 13.5): opened by a failing check or by staff, one open incident
per check, resolved when the check passes again; the province office and the ICT department are
told; every change is an update row and an audit entry; quarter figures for the report."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from opendvc.audit.models import AuditEntry
from opendvc.core.periodic import discover
from opendvc.core.problems import ProblemError
from opendvc.notifications.models import Notification
from opendvc.ops import selectors
from opendvc.ops.checks import CheckResult
from opendvc.ops.models import Incident, Severity, Status
from opendvc.ops.services import incident_open, incident_transition, incidents_from_checks

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_failing_check_opens_once_and_recovery_resolves(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = incidents_from_checks(
            results=[
                CheckResult("database", False, "OperationalError: down"),
                CheckResult("mail", True, "smtp"),
            ]
        )
    assert outcome == {"database": "opened", "mail": "ok"}
    incident = Incident.objects.get()
    assert (incident.severity, incident.check_name, incident.status) == (
        Severity.CRITICAL,
        "database",
        Status.INVESTIGATING,
    )
    assert "OperationalError" in incident.updates.get().message
    # The province office and the ICT department, by email and in the app; nobody else.
    told = set(
        Notification.objects.filter(template="incident_opened").values_list("recipient", "channel")
    )
    assert told == {(org[r].pk, c) for r in ("ict", "office") for c in ("email", "in_app")}

    assert incidents_from_checks(results=[CheckResult("database", False, "still")]) == {
        "database": "still failing"
    }
    assert Incident.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert incidents_from_checks(results=[CheckResult("database", True, "postgresql")]) == {
            "database": "resolved"
        }
    incident.refresh_from_db()
    assert (
        incident.status == Status.RESOLVED
        and incident.resolved_at
        and "postgresql" in incident.resolution
    )
    assert Notification.objects.filter(template="incident_resolved").count() == 4
    assert list(
        AuditEntry.objects.filter(target_id=str(incident.public_id))
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["incident.open", "incident.resolve"]
    # Failing again later: a new incident.
    incidents_from_checks(results=[CheckResult("database", False, "again")])
    assert (
        Incident.objects.filter(resolved_at__isnull=True).count() == 1
        and Incident.objects.count() == 2
    )


def test_staff_incident_lifecycle(org):
    incident = incident_open(
        title="Cổng thanh toán không phản hồi",
        severity=Severity.MAJOR,
        affected_services=["Thanh toán trực tuyến", " "],
        message="Lỗi kết nối",
        actor=org["ict"],
    )
    assert (
        incident.affected_services == ["Thanh toán trực tuyến"] and incident.opened_by == org["ict"]
    )
    incident = incident_transition(
        incident=incident,
        status=Status.IDENTIFIED,
        message="Do nhà cung cấp",
        severity=Severity.MINOR,
        actor=org["ict"],
    )
    assert (incident.status, incident.severity, incident.resolved_at) == (
        Status.IDENTIFIED,
        Severity.MINOR,
        None,
    )
    incident = incident_transition(
        incident=incident, status=Status.RESOLVED, message="Đã chuyển kênh", actor=org["ict"]
    )
    assert incident.resolution == "Đã chuyển kênh" and incident.updates.count() == 3
    with pytest.raises(ProblemError) as exc:
        incident_transition(
            incident=incident, status=Status.MONITORING, message="x", actor=org["ict"]
        )
    assert exc.value.status == 409


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": " "}, "title"),
        ({"severity": "nặng"}, "severity"),
        ({"message": ""}, "message"),
        ({"started_at": dt.datetime(2099, 1, 1, tzinfo=VN)}, "started_at"),
    ],
)
def test_open_refuses_bad_input(org, kwargs, field):
    data = {
        "title": "Sự cố",
        "severity": Severity.MINOR,
        "affected_services": [],
        "message": "m",
        "actor": org["ict"],
    }
    with pytest.raises(ProblemError) as exc:
        incident_open(**{**data, **kwargs})
    assert exc.value.status == 422 and exc.value.extra["errors"][0]["path"] == field
    assert Incident.objects.count() == 0


def _incident(start, end, severity=Severity.MINOR):
    i = incident_open(
        title="x", severity=severity, affected_services=[], message="m", started_at=start
    )
    if end:
        Incident.objects.filter(pk=i.pk).update(resolved_at=end, status=Status.RESOLVED)
    return i


def test_incidents_per_quarter_clips_to_the_quarter(time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 10, 12, tzinfo=VN))
    _incident(
        dt.datetime(2026, 9, 30, 23, 0, tzinfo=VN), dt.datetime(2026, 10, 1, 1, 0, tzinfo=VN)
    )  # 60 min in Q4
    _incident(
        dt.datetime(2026, 11, 2, 8, 0, tzinfo=VN),
        dt.datetime(2026, 11, 2, 8, 30, tzinfo=VN),
        Severity.MAJOR,
    )
    _incident(
        dt.datetime(2026, 12, 31, 23, 0, tzinfo=VN), None, Severity.CRITICAL
    )  # open: 60 min to year end
    _incident(
        dt.datetime(2027, 1, 1, 0, 0, tzinfo=VN), dt.datetime(2027, 1, 1, 1, 0, tzinfo=VN)
    )  # Q1 2027
    _incident(
        dt.datetime(2026, 9, 1, 8, 0, tzinfo=VN), dt.datetime(2026, 9, 1, 9, 0, tzinfo=VN)
    )  # Q3 only
    q4 = selectors.incidents_per_quarter(year=2026, quarter=4)
    assert (q4.total, q4.downtime_minutes) == (3, 60 + 30 + 60)
    assert q4.by_severity == {"minor": 1, "major": 1, "critical": 1}
    q3 = selectors.incidents_per_quarter(year=2026, quarter=3)
    assert (q3.total, q3.downtime_minutes) == (2, 60 + 60)
    q1 = selectors.incidents_per_quarter(year=2027, quarter=1)
    assert q1.total == 2  # the one still open counts until now
    with pytest.raises(ValueError):
        selectors.incidents_per_quarter(year=2026, quarter=5)


def test_recent_keeps_ninety_days(time_machine):
    now = dt.datetime(2026, 12, 1, 9, tzinfo=VN)
    time_machine.move_to(now)
    old = _incident(now - dt.timedelta(days=100), now - dt.timedelta(days=91))
    edge = _incident(now - dt.timedelta(days=95), now - dt.timedelta(days=89))
    current = _incident(now - dt.timedelta(days=200), None)
    assert set(selectors.incidents_recent(days=90)) == {edge, current}
    assert old not in selectors.incidents_recent(days=90)


def test_health_checks_run_as_a_periodic_job(org, settings, tmp_path):
    assert "ops.health_checks" in discover()
    bad = tmp_path / "cert.pem"
    bad.write_text("broken")
    settings.TLS_CERTIFICATE_PATHS = [str(bad)]
    out = StringIO()
    call_command("run_periodic", "--job", "ops.health_checks", stdout=out)
    assert "'certificates': 'opened'" in out.getvalue()
    assert Incident.objects.get().check_name == "certificates"


@pytest.mark.parametrize(
    "started_at",
    [
        dt.datetime(1, 1, 1, 0, 0, tzinfo=VN),
        dt.datetime(1, 1, 1, 8, 0, tzinfo=VN),
        dt.datetime(1900, 1, 1, 0, 0, tzinfo=VN),
        dt.datetime(1999, 12, 31, 23, 59, tzinfo=VN),
    ],
)
def test_open_refuses_a_start_before_2000(org, started_at):
    """A typing slip in the start (01/01/0001) was a 500 at midnight and otherwise an incident
    "since year 1" on the public status page."""
    with pytest.raises(ProblemError) as exc:
        incident_open(
            title="Sự cố", severity=Severity.MINOR, affected_services=[], message="m",
            actor=org["ict"], started_at=started_at,
        )
    assert exc.value.extra["errors"] == [
        {"path": "started_at", "message": "Thời điểm bắt đầu phải từ ngày 01/01/2000."}
    ]
    assert Incident.objects.count() == 0
    start = dt.datetime(2000, 1, 1, 0, 0, tzinfo=VN)
    assert incident_open(
        title="Sự cố", severity=Severity.MINOR, affected_services=[], message="m", started_at=start
    ).started_at == start
