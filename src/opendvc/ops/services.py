"""Incidents: opening, the one transition function (update, resolve), and turning health-check
results into incidents (Regulation Art. 10.7, 13.5).

Every change writes an ``IncidentUpdate`` row and an audit entry in the same transaction; opening
and resolving notify the province office and the ICT department (email and in-app) after commit."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opendvc.agencies.models import StaffRole
from opendvc.audit.services import audit_record
from opendvc.core.params import FIRST_DAY
from opendvc.core.problems import ProblemError
from opendvc.notifications.services import notify

from .checks import CheckResult, check_by_name
from .models import OPEN_STATUSES, Incident, IncidentUpdate, Severity, Status
from .words import CHECK_FAILED, CHECK_PASSES, INCIDENT_TITLE

NOTIFIED_ROLES = (StaffRole.Role.PROVINCE_OFFICE, StaffRole.Role.ICT_DEPARTMENT)
# A failed check's severity: the database down stops the whole portal.
CHECK_SEVERITY = {
    "database": Severity.CRITICAL,
    "storage": Severity.MAJOR,
    "broker": Severity.MAJOR,
    "redis": Severity.MAJOR,
}


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        "validation_error",
        message,
        status=422,
        extra={"errors": [{"path": field, "message": message}]},
    )


def _notify(incident: Incident, *, template: str) -> None:
    users = {
        sr.user_id: sr.user
        for sr in StaffRole.objects.filter(role__in=NOTIFIED_ROLES, is_active=True).select_related(
            "user"
        )
    }
    context = {
        "title": incident.title,
        "severity": incident.get_severity_display(),
        "status": incident.get_status_display(),
        "started_at": timezone.localtime(incident.started_at).strftime("%H:%M %d/%m/%Y"),
        "services": ", ".join(incident.affected_services),
        "resolution": incident.resolution,
        "link": f"/quan-tri/su-co/{incident.public_id}/",
    }
    for user in users.values():
        notify(template=template, context=context, recipient=user)


def incident_open(
    *,
    title: str,
    severity: str,
    affected_services: list[str],
    message: str,
    actor=None,
    check_name: str = "",
    started_at: dt.datetime | None = None,
    request=None,
) -> Incident:
    """Open an incident (by a person, or by a failing check when ``check_name`` is given).
    Side effects: the first update, an audit entry, notifications to the province office and the
    ICT department."""
    title, message = (title or "").strip(), (message or "").strip()
    if not title:
        raise _invalid("title", _("Vui lòng nhập tiêu đề sự cố."))
    if severity not in Severity.values:
        raise _invalid("severity", _("Mức độ sự cố không hợp lệ."))
    if not message:
        raise _invalid("message", _("Vui lòng mô tả sự cố."))
    now = timezone.now()
    started_at = started_at or now
    if started_at > now + dt.timedelta(minutes=5):
        raise _invalid("started_at", _("Thời điểm bắt đầu không được ở tương lai."))
    try:
        day = timezone.localtime(started_at).date()
    except OverflowError:  # the first hours of year 1 in another time zone
        day = dt.date.min
    if day < FIRST_DAY:
        # A typing slip (01/01/0001, 1900): stored as told, it stood on the public status page as
        # an incident lasting centuries; midnight of year 1 in Vietnam time is no date in UTC (500).
        raise _invalid(
            "started_at",
            _("Thời điểm bắt đầu phải từ ngày %(first)s.") % {"first": f"{FIRST_DAY:%d/%m/%Y}"},
        )
    services = [s.strip() for s in affected_services if s and s.strip()]
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title[:200],
            severity=severity,
            affected_services=services,
            started_at=started_at,
            check_name=check_name,
            opened_by=actor if getattr(actor, "pk", None) else None,
        )
        IncidentUpdate.objects.create(
            incident=incident,
            created_at=now,
            status=Status.INVESTIGATING,
            message=message,
            author=incident.opened_by,
        )
        audit_record(
            actor=actor,
            action="incident.open",
            target=incident,
            changes={"severity": severity, "check": check_name, "services": services},
            request=request,
        )
        transaction.on_commit(lambda: _notify(incident, template="incident_opened"))
    return incident


def incident_transition(
    *,
    incident: Incident,
    status: str,
    message: str,
    actor=None,
    severity: str | None = None,
    request=None,
) -> Incident:
    """Move an open incident to ``status`` with a message (``resolved`` closes it and the message is
    the resolution). Side effects: an update row, an audit entry; on resolution, notifications."""
    message = (message or "").strip()
    if status not in Status.values:
        raise _invalid("status", _("Trạng thái không hợp lệ."))
    if severity and severity not in Severity.values:
        raise _invalid("severity", _("Mức độ sự cố không hợp lệ."))
    if not message:
        raise _invalid("message", _("Vui lòng nhập nội dung cập nhật."))
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.status not in OPEN_STATUSES:
            raise ProblemError(
                "incident_resolved",
                _("Sự cố đã được giải quyết, không cập nhật được nữa."),
                status=409,
            )
        now = timezone.now()
        before = {"status": locked.status, "severity": locked.severity}
        locked.status = status
        locked.severity = severity or locked.severity
        if status == Status.RESOLVED:
            locked.resolved_at = now
            locked.resolution = message
        locked.save(update_fields=["status", "severity", "resolved_at", "resolution"])
        author = actor if getattr(actor, "pk", None) else None
        IncidentUpdate.objects.create(
            incident=locked, created_at=now, status=status, message=message, author=author
        )
        audit_record(
            actor=actor,
            action="incident.update" if status != Status.RESOLVED else "incident.resolve",
            target=locked,
            changes={"from": before, "to": {"status": status, "severity": locked.severity}},
            request=request,
        )
        if status == Status.RESOLVED:
            transaction.on_commit(lambda: _notify(locked, template="incident_resolved"))
    return locked


def incidents_from_checks(*, results: list[CheckResult]) -> dict[str, str]:
    """Open an incident for each failing check that has none open; resolve the automatic incident
    of each check that passes again. Returns what happened per check."""
    outcome: dict[str, str] = {}
    open_by_check = {
        i.check_name: i
        for i in Incident.objects.filter(resolved_at__isnull=True).exclude(check_name="")
    }
    for result in results:
        current = open_by_check.get(result.name)
        check = check_by_name(result.name)
        # Written in Vietnamese whatever language is active: pages in another language say them
        # again in theirs (words.automatic_words).
        with translation.override("vi"):
            label = str(check.label) if check else result.name
            title = _(INCIDENT_TITLE) % {"service": label}
            failed = _(CHECK_FAILED) % {"check": result.name, "detail": result.detail}
            passes = _(CHECK_PASSES) % {"detail": result.detail}
        if not result.ok and current is None:
            try:
                incident_open(
                    title=title,
                    severity=CHECK_SEVERITY.get(result.name, Severity.MINOR),
                    affected_services=[label],
                    message=failed,
                    check_name=result.name,
                )
                outcome[result.name] = "opened"
            except IntegrityError:  # another run opened it at the same moment
                outcome[result.name] = "already open"
        elif result.ok and current is not None:
            incident_transition(
                incident=current,
                status=Status.RESOLVED,
                message=passes,
            )
            outcome[result.name] = "resolved"
        else:
            outcome[result.name] = "ok" if result.ok else "still failing"
    return outcome
