"""Writes of the reports app: request and build a report (in the background, with progress), the
submission step (agency leader sends → province office receives), urging an agency, and the due-date
reminders. Every change writes its audit entry; nothing here writes another app's data."""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import active_roles, ancestor_ids, has_any_role
from opendvc.audit.services import audit_record
from opendvc.core.links import absolute_url
from opendvc.core.problems import ProblemError
from opendvc.notifications.services import notify
from opendvc.worktime import default_calendar, is_working_day, working_day_count

from .exports import build_pdf, build_xlsx
from .facts import data_version, facts_refresh
from .indicators import current_set
from .models import ReminderSent, Report, ReportEvent, Urge
from .periods import Period, due_dates, period_of
from .selectors import OVERSIGHT_ROLES, dossier_rows, linked_period_figures, period_figures
from .tasks import build_report

logger = logging.getLogger(__name__)

KIND_PERIOD = {
    Report.Kind.AGENCY_HALF_YEAR: "H",
    Report.Kind.PROVINCE_QUARTER: "Q",
    Report.Kind.PROVINCE_YEAR: "Y",
}
SEND_ROLES = {StaffRole.Role.LEADER, StaffRole.Role.HEAD}
RECEIVE_ROLES = {StaffRole.Role.PROVINCE_OFFICE}


def _roles_in(user, agency) -> set[str]:
    scope = {agency.pk, *ancestor_ids(agency)} if agency is not None else None
    return {sr.role for sr in active_roles(user) if scope is None or sr.agency_id in scope}


def _check_period(kind: str, label: str) -> Period:
    period = period_of(label)
    wanted = KIND_PERIOD[kind]
    kind_of = "Y" if "-" not in period.label else period.label.split("-")[1][0]
    if kind_of != wanted:
        raise ProblemError(
            "validation_error",
            _("Kỳ báo cáo không khớp với loại báo cáo."),
            extra={
                "errors": [
                    {
                        "path": "period",
                        "message": {
                            "H": _("Báo cáo 6 tháng: nhập dạng 2026-H1."),
                            "Q": _("Báo cáo quý: nhập dạng 2026-Q1."),
                            "Y": _("Báo cáo năm: nhập dạng 2026."),
                        }[wanted],
                    }
                ]
            },
        )
    # A report counts what happened in its period: one whose period has not started would be built
    # from the data of today and read as the figures of a period still to come (Regulation Art. 13.10
    # asks for the figures of the six months past). A period in progress may be reported on: the
    # figures then count up to the present (``periods.parse_as_of``), as an interim report.
    today = timezone.localdate()
    if period.start > today:
        raise ProblemError(
            "validation_error",
            _("Kỳ báo cáo chưa bắt đầu."),
            extra={
                "errors": [
                    {
                        "path": "period",
                        "message": _(
                            "Kỳ %(period)s bắt đầu từ ngày %(start)s: chỉ lập được báo cáo cho kỳ "
                            "đã bắt đầu."
                        )
                        % {"period": period.label, "start": f"{period.start:%d/%m/%Y}"},
                    }
                ]
            },
        )
    return period


def report_request(*, kind: str, period_label: str, actor, agency=None, request=None) -> Report:
    """Queue a report. Checks: the kind; an agency for the six-monthly report (the actor's leaders or heads
    there, or an oversight role); the period matches the kind and has started. Side effects: the report row, its history
    line, the audit entry; the build starts after commit (Celery, else a thread)."""

    if kind not in Report.Kind.values:
        raise ProblemError(
            "validation_error",
            _("Loại báo cáo không hợp lệ."),
            extra={"errors": [{"path": "kind", "message": _("Chọn loại báo cáo.")}]},
        )
    oversight = actor.is_superuser or has_any_role(actor, OVERSIGHT_ROLES)
    if kind == Report.Kind.AGENCY_HALF_YEAR:
        if agency is None:
            raise ProblemError(
                "validation_error",
                _("Báo cáo 6 tháng cần chọn cơ quan."),
                extra={"errors": [{"path": "agency", "message": _("Chọn cơ quan.")}]},
            )
        if not oversight and not (_roles_in(actor, agency) & SEND_ROLES):
            raise ProblemError(
                "permission_denied",
                _(
                    "Chỉ lãnh đạo cơ quan hoặc Văn phòng UBND tỉnh, Sở Khoa học "
                    "và Công nghệ được lập báo cáo này."
                ),
                status=403,
            )
    else:
        agency = None
        if not oversight:
            raise ProblemError(
                "permission_denied",
                _("Chỉ Văn phòng UBND tỉnh và Sở Khoa học và Công nghệ được lập báo cáo của tỉnh."),
                status=403,
            )
    period = _check_period(kind, period_label)
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind,
            agency=agency,
            period_start=period.start,
            period_end=period.end,
            period_label=period.label,
            params={
                "kind": kind,
                "period": period.label,
                "agency": getattr(agency, "code", None),
                "period_rule": getattr(settings, "REPORTS_PERIOD_RULE", "nd09"),
            },
            generated_by=actor,
        )
        ReportEvent.objects.create(
            report=report, action="requested", actor=actor, at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="report.requested",
            target=report,
            changes={"kind": kind, "period": period.label, "agency": getattr(agency, "code", None)},
            request=request,
        )
        if not getattr(settings, "REPORTS_RUN_INLINE", False):
            transaction.on_commit(lambda: start_build(report.pk))
    if getattr(settings, "REPORTS_RUN_INLINE", False):
        report_build(report_id=report.pk)
        report.refresh_from_db()
    return report


def start_build(report_id: int) -> None:
    """Run the build off the request: a Celery worker when a broker is configured; otherwise a thread.
    (``REPORTS_RUN_INLINE`` makes ``report_request`` build at once instead, for tests and the shell.)"""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        build_report.delay(report_id)
        return

    def run() -> None:
        try:
            report_build(report_id=report_id)
        finally:
            close_old_connections()

    threading.Thread(target=run, name=f"report-{report_id}", daemon=True).start()


def _progress(report: Report, percent: int, note: str) -> None:
    Report.objects.filter(pk=report.pk).update(progress=percent, progress_note=note[:200])


def report_build(*, report_id: int) -> Report:
    """Build one report: refresh the facts, count the figures, write the xlsx and the PDF, store them with
    the data version and the indicator version. Progress goes to the row (the page polls it); a failure
    is recorded on the row, never raised to a request."""

    report = Report.objects.select_related("agency").get(pk=report_id)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=1)
    try:
        _progress(report, 5, _("Cập nhật dữ liệu hồ sơ"))
        state = facts_refresh(
            progress=lambda done, total: _progress(
                report,
                5 + int(45 * done / max(total, 1)),
                _("Cập nhật dữ liệu hồ sơ: %(d)s/%(t)s") % {"d": done, "t": total},
            )
        )
        _progress(report, 55, _("Tính số liệu"))
        period = Period(report.period_label, report.period_start, report.period_end)
        iset = current_set(report.period_end)
        agency_ids = None
        if report.agency_id:
            agency_ids = [
                report.agency_id,
                *Agency.objects.filter(parent_id=report.agency_id).values_list("pk", flat=True),
            ]
        figures = period_figures(
            period=period, dimension="agency", agency_ids=agency_ids, indicator_set=iset
        )
        for dimension in ("field", "channel"):
            figures[f"by_{dimension}"] = dossier_rows(
                period=period, dimension=dimension, agency_ids=agency_ids
            )
        figures["linked"] = linked_period_figures(period=period, agency_ids=agency_ids)
        figures = _jsonable(figures)
        _progress(report, 75, _("Tạo tệp Excel"))
        report.figures = figures
        report.indicator_set = iset
        report.data_version = data_version(state)
        report.xlsx.save(
            f"bao-cao-{report.public_id}.xlsx", ContentFile(build_xlsx(report)), save=False
        )
        _progress(report, 85, _("Tạo tệp PDF"))
        report.pdf.save(
            f"bao-cao-{report.public_id}.pdf", ContentFile(build_pdf(report)), save=False
        )
        report.status = Report.Status.DONE
        report.progress = 100
        report.progress_note = ""
        report.finished_at = timezone.now()
        with transaction.atomic():
            report.save()
            ReportEvent.objects.create(
                report=report,
                action="generated",
                actor=report.generated_by,
                at=report.finished_at,
                note=report.data_version,
            )
            audit_record(
                actor=report.generated_by,
                action="report.generated",
                target=report,
                changes={"data_version": report.data_version, "indicator_set": iset.version},
            )
    except Exception as exc:  # noqa: BLE001 - recorded on the report, shown on its page
        logger.exception("Report %s failed", report_id)
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        report.refresh_from_db()
    return report


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__html__") or type(value).__name__ == "__proxy__":
        return str(value)
    return value


def _record_submission(report: Report, submission: str, *, actor, note, request):
    """Move a locked report to ``submission``, with its history row and audit entry (both named
    after the new submission state: ``sent``, ``received``)."""
    action = str(submission)
    report.submission = submission
    report.save(update_fields=["submission"])
    ReportEvent.objects.create(
        report=report, action=action, actor=actor, at=timezone.now(), note=note[:2000]
    )
    audit_record(
        actor=actor,
        action=f"report.{action}",
        target=report,
        changes={"submission": action},
        request=request,
    )


def report_send(*, report: Report, actor, note: str = "", request=None) -> Report:
    """The agency's leader or head sends a generated six-monthly report to the province office
    (Regulation Art. 13.10). 403 for anyone else, 409 unless generated and not yet sent, or when its
    period has not started."""
    with transaction.atomic():
        locked = (
            Report.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=report.pk)
        )
        if locked.kind != Report.Kind.AGENCY_HALF_YEAR or not (
            actor.is_superuser or _roles_in(actor, locked.agency) & SEND_ROLES
        ):
            raise ProblemError(
                "permission_denied",
                _("Chỉ lãnh đạo, thủ trưởng cơ quan được gửi báo cáo này."),
                status=403,
            )
        if locked.status != Report.Status.DONE or locked.submission != Report.Submission.DRAFT:
            raise ProblemError("conflict", _("Báo cáo chưa tạo xong hoặc đã được gửi."), status=409)
        # A report lodged before periods were checked may name a period still to come: its figures
        # are not those of the period, so it is not sent (see ``_check_period``).
        if locked.period_start > timezone.localdate():
            raise ProblemError(
                "conflict",
                _(
                    "Kỳ báo cáo chưa bắt đầu: báo cáo này không gửi được, hãy lập báo cáo khi kỳ "
                    "đã bắt đầu."
                ),
                status=409,
            )
        _record_submission(locked, Report.Submission.SENT, actor=actor, note=note, request=request)
        _notify_office(locked)
    return locked


def report_receive(*, report: Report, actor, note: str = "", request=None) -> Report:
    """The province office acknowledges a sent report. 403 for other roles, 409 unless sent."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not (actor.is_superuser or _roles_in(actor, None) & RECEIVE_ROLES):
            raise ProblemError(
                "permission_denied",
                _("Chỉ Văn phòng UBND tỉnh được xác nhận đã nhận báo cáo."),
                status=403,
            )
        if locked.submission != Report.Submission.SENT:
            raise ProblemError(
                "conflict", _("Báo cáo chưa được gửi hoặc đã được nhận."), status=409
            )
        _record_submission(
            locked, Report.Submission.RECEIVED, actor=actor, note=note, request=request
        )
    return locked


def _users_with(roles: set[str], agency=None):
    qs = StaffRole.objects.filter(role__in=roles, is_active=True).select_related("user")
    if agency is not None:
        qs = qs.filter(agency=agency)
    seen, users = set(), []
    for sr in qs:
        if sr.user_id not in seen and sr.user.is_active:
            seen.add(sr.user_id)
            users.append(sr.user)
    return users


def _notify_office(report: Report) -> None:
    for user in _users_with(RECEIVE_ROLES):
        notify(
            template="report_sent",
            recipient=user,
            context={
                "agency": report.agency.name if report.agency else "",
                "period": report.period_label,
                "url": absolute_url("reports:detail", args=[report.public_id]),
            },
        )


def agency_urge(*, agency, actor, message: str, figures: dict | None = None, request=None) -> Urge:
    """Urge (đôn đốc) an agency about its late work (Regulation Art. 9.3–9.5): the message goes to its
    leaders and heads (mail and in-app), is kept, and audited. 403 outside the province office and
    the ICT department, 422 without a message."""

    if not (
        actor.is_superuser
        or has_any_role(actor, [StaffRole.Role.PROVINCE_OFFICE, StaffRole.Role.ICT_DEPARTMENT])
    ):
        raise ProblemError(
            "permission_denied",
            _("Chỉ Văn phòng UBND tỉnh, Sở Khoa học và Công nghệ được đôn đốc."),
            status=403,
        )
    message = (message or "").strip()
    if not message:
        raise ProblemError(
            "validation_error",
            _("Nhập nội dung đôn đốc."),
            extra={"errors": [{"path": "message", "message": _("Nhập nội dung đôn đốc.")}]},
        )
    with transaction.atomic():
        recipients = _users_with({StaffRole.Role.LEADER, StaffRole.Role.HEAD}, agency)
        urge = Urge.objects.create(
            agency=agency,
            message=message[:4000],
            figures=figures or {},
            sent_by=actor,
            sent_at=timezone.now(),
            recipients=len(recipients),
        )
        for user in recipients:
            notify(
                template="report_urge",
                recipient=user,
                context={
                    "agency": agency.name,
                    "message": urge.message,
                    "sender": actor.full_name or str(actor),
                    "url": absolute_url("backoffice:home"),
                },
            )
        audit_record(
            actor=actor,
            action="report.urge",
            target=urge,
            changes={"agency": agency.code, "recipients": len(recipients)},
            request=request,
        )
    return urge


def reminders_send(*, today: date | None = None) -> int:
    """Remind the leaders and heads of every agency 10 and 3 working days before each six-monthly due
    date (15/6, 15/12; Regulation Art. 13.10) when the agency's report of that period was not sent yet.
    Each reminder is sent once. Returns how many agencies were reminded."""

    today = today or timezone.localdate()
    sent = 0
    calendar = default_calendar()
    if not is_working_day(today, calendar=calendar):
        return 0
    for due, label in due_dates(today.year):
        if due <= today:
            continue
        # Working days from tomorrow up to the day before the due date.
        left = working_day_count(today, due, calendar=calendar)
        for days_before in (10, 3):
            if left != days_before:
                continue
            for agency in Agency.objects.filter(is_active=True):
                if Report.objects.filter(
                    agency=agency,
                    kind=Report.Kind.AGENCY_HALF_YEAR,
                    period_label=label,
                    submission__in=[Report.Submission.SENT, Report.Submission.RECEIVED],
                ).exists():
                    continue
                with transaction.atomic():
                    _, created = ReminderSent.objects.get_or_create(
                        agency=agency, due_date=due, days_before=days_before
                    )
                    if not created:
                        continue
                    for user in _users_with({StaffRole.Role.LEADER, StaffRole.Role.HEAD}, agency):
                        notify(
                            template="report_reminder",
                            recipient=user,
                            context={
                                "agency": agency.name,
                                "period": label,
                                "due": due.strftime("%d/%m/%Y"),
                                "days": days_before,
                            },
                        )
                    sent += 1
    return sent
