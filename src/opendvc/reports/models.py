"""Reports and indicators (Regulation Art. 9.3–9.5, 10.3, 13.2, 13.10, 16.1; QĐ 766/QĐ-TTg).

The app only reads the other apps. What it stores is its own: the facts table (one row per filed
dossier, rebuilt from the dossier's frozen dates and history whenever the dossier changes), the
versioned indicator configuration, the generated reports with their submission history, and the
urge messages of the oversight office.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opendvc.core.append_only import AppendOnlyQuerySet


class DossierFact(models.Model):
    """The dated facts of one filed dossier, from which every figure "as of" a date is counted.

    Only instants are stored (when filed, received, finished, returned for completion, apologised,
    when it became overdue) and the classes frozen when handling ended; never the current status.
    A figure for a period ending at T reads only instants ≤ T, so re-running an old period gives the
    same numbers after the dossiers moved on."""

    dossier_id = models.BigIntegerField(primary_key=True)
    code = models.CharField(max_length=40)
    agency_id = models.BigIntegerField(db_index=True)
    tier_id = models.BigIntegerField(null=True)
    procedure_id = models.BigIntegerField()
    field_id = models.BigIntegerField(null=True)
    level = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=20)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True)
    due_at = models.DateTimeField(
        null=True
    )  # the original due instant (statistics keep it: late is late)
    # The first instant at which the dossier was open, not paused, and past its due instant.
    overdue_since = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    # returned / stopped / withdrawn / refused (the finishing state, final once reached).
    outcome = models.CharField(max_length=12, blank=True)
    on_time_class = models.CharField(
        max_length=10, blank=True
    )  # early / on_time / late, frozen at the end
    return_method = models.CharField(max_length=12, blank=True)  # online / counter / postal
    completion_returned_at = models.DateTimeField(null=True)  # first return for completion
    apology_at = models.DateTimeField(null=True)  # first apology letter
    # Working days between intake and the end, in tenths (a histogram gives the p90 in SQL).
    processing_tenths = models.PositiveIntegerField(null=True)
    fee_paid_online = models.BooleanField(
        null=True
    )  # None: no fee; False: paid otherwise; True: online
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dữ kiện hồ sơ")
        verbose_name_plural = _("dữ kiện hồ sơ")
        indexes = [
            models.Index(fields=["received_at"], name="fact_received"),
            models.Index(fields=["finished_at"], name="fact_finished"),
            models.Index(fields=["submitted_at"], name="fact_submitted"),
            models.Index(fields=["agency_id", "received_at"], name="fact_agency_received"),
        ]

    def __str__(self) -> str:
        return self.code


class FactsState(models.Model):
    """The single row recording how far the facts table has been brought up to date."""

    updated_through = models.DateTimeField(null=True)
    rows = models.PositiveBigIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"facts v{self.version} @ {self.updated_through}"


class IndicatorSet(models.Model):
    """A version of the indicator definitions (QĐ 766/QĐ-TTg and its amendments). Each definition:
    ``{"code", "name", "group", "numerator", "denominator", "formula", "points", "basis", "exact"}``
    where numerator/denominator name figures of ``figures.FIGURES`` (sums allowed: "a+b") and
    ``exact: false`` says the national formula is not known exactly. A report records the version
    it used; a new decision is a new version, never an edit of a used one."""

    version = models.CharField(_("phiên bản"), max_length=30, unique=True)
    title = models.CharField(_("tên"), max_length=200)
    basis = models.CharField(_("căn cứ"), max_length=300, blank=True)
    valid_from = models.DateField(_("áp dụng từ"))
    definitions = models.JSONField(_("định nghĩa chỉ số"), default=list)
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("bộ chỉ số")
        verbose_name_plural = _("bộ chỉ số (cấu hình có phiên bản)")

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class Report(models.Model):
    class Kind(models.TextChoices):
        AGENCY_HALF_YEAR = "agency_half_year", _("Báo cáo 6 tháng của cơ quan")
        PROVINCE_QUARTER = "province_quarter", _("Báo cáo quý của tỉnh")
        PROVINCE_YEAR = "province_year", _("Báo cáo năm của tỉnh")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Đã tạo")
        FAILED = "failed", _("Lỗi")

    class Submission(models.TextChoices):
        DRAFT = "draft", _("Chưa gửi")
        SENT = "sent", _("Đã gửi Văn phòng UBND tỉnh")
        RECEIVED = "received", _("Văn phòng UBND tỉnh đã nhận")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    period_label = models.CharField(max_length=30)
    params = models.JSONField(default=dict, blank=True)
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.PROTECT, null=True, related_name="+"
    )
    data_version = models.CharField(_("phiên bản dữ liệu"), max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    figures = models.JSONField(default=dict, blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/%m/", max_length=200, blank=True)
    pdf = models.FileField(upload_to="reports/%Y/%m/", max_length=200, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    submission = models.CharField(
        max_length=10, choices=Submission.choices, default=Submission.DRAFT
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label}"


class ReportEvent(models.Model):
    """The history of a report: generated, sent by the agency leader, received by the province office.
    Only ever appended."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    # What each step is called on the report's page (the column keeps the key).
    ACTION_LABELS = {
        "requested": _("Yêu cầu lập báo cáo"),
        "generated": _("Đã tạo"),
        "sent": _("Đã gửi Văn phòng UBND tỉnh"),
        "received": _("Văn phòng UBND tỉnh đã nhận"),
    }

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(self.ACTION_LABELS.get(self.action, self.action))


class Urge(models.Model):
    """An urge (đôn đốc) sent by the province office to an agency (Regulation Art. 9.3–9.5)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("nội dung đôn đốc"))
    figures = models.JSONField(default=dict, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("đôn đốc")
        verbose_name_plural = _("đôn đốc")

    def __str__(self) -> str:
        return f"{self.agency_id} @ {self.sent_at:%Y-%m-%d}"


class ReminderSent(models.Model):
    """One reminder of a report due date sent to one agency (so the daily job sends it once)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "due_date", "days_before"], name="reports_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.due_date} -{self.days_before}"
