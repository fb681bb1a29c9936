"""Internal processes (quy trình nội bộ, Regulation Art. 13.8) and the steps each dossier goes through.

A ``Process`` is one version of the ordered steps of a procedure at an agency (or at every agency when
``agency`` is empty); saving a new one makes a new version and keeps the old ones, as forms are kept.
A ``StepRun`` is one dossier's stay in one step: entered, due, assigned or queued, left — the line of the
process control sheet (*phiếu kiểm soát quá trình giải quyết hồ sơ*, Decree 61/2018/NĐ-CP Art. 20).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StepRole(models.TextChoices):
    RECEIVING_OFFICER = "receiving_officer", _("Bộ phận một cửa")
    PROCESSING_OFFICER = "processing_officer", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")


class ClockOnWait(models.TextChoices):
    """What happens to the time limit while waiting for the applicant (DOMAIN.md, per procedure)."""

    PAUSE = "pause", _("Tạm dừng, tiếp tục phần thời gian còn lại")
    RESTART = "restart", _("Tính lại toàn bộ thời hạn từ khi nhận đủ")


class Timing(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Trễ hạn")


class Process(models.Model):
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.CASCADE, related_name="processes")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="processes")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    clock_on_wait = models.CharField(_("khi chờ bổ sung, nộp phí"), max_length=10, choices=ClockOnWait.choices,
                                     default=ClockOnWait.PAUSE)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["procedure", "agency", "-version"]
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "agency", "version"], name="process_version_unique"),
        ]
        indexes = [models.Index(fields=["procedure", "agency", "is_current"], name="process_current")]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.version}"


class ProcessStep(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("tên bước"), max_length=200)
    role = models.CharField(_("vai trò thực hiện"), max_length=30, choices=StepRole.choices)
    # The department whose queue receives the step; empty = the dossier's receiving agency.
    department = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    # Exactly one of: working hours, or a percentage of the procedure's total time.
    hours = models.DecimalField(_("số giờ làm việc"), max_digits=7, decimal_places=2, null=True, blank=True)
    share = models.DecimalField(_("tỷ lệ (%) tổng thời gian"), max_digits=5, decimal_places=2, null=True,
                                blank=True)

    class Meta:
        ordering = ["process", "position"]
        constraints = [models.UniqueConstraint(fields=["process", "position"], name="process_step_unique")]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.name}"


class StepRun(models.Model):
    """One dossier in one step. Open while ``left_at`` is empty; at most one open run per dossier."""

    class Outcome(models.TextChoices):
        FORWARDED = "forwarded", _("Chuyển bước tiếp theo")
        SENT_BACK = "sent_back", _("Trả lại bước trước")
        FINISHED = "finished", _("Kết thúc")
        STOPPED = "stopped", _("Dừng xử lý")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="step_runs")
    process = models.ForeignKey(Process, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=30, choices=StepRole.choices)
    department = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    allotted_hours = models.DecimalField(max_digits=9, decimal_places=4)
    entered_at = models.DateTimeField()
    due_at = models.DateTimeField()
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="step_runs")
    claimed_at = models.DateTimeField(null=True, blank=True)
    # While the dossier waits for the applicant (supplement, payment).
    paused_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    left_by_label = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    timing = models.CharField(max_length=10, choices=Timing.choices, blank=True)
    note = models.TextField(blank=True)
    # Each reminder and escalation is sent once (the periodic job sets these).
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["entered_at", "pk"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(left_at__isnull=True), name="steprun_open_due"),
            models.Index(fields=["assignee", "due_at"], condition=Q(left_at__isnull=True),
                         name="steprun_open_assignee"),
            # The department queues: open, unclaimed steps.
            models.Index(fields=["department", "role", "due_at"], condition=Q(left_at__isnull=True,
                                                                              assignee__isnull=True),
                         name="steprun_open_queue"),
            models.Index(fields=["dossier", "entered_at"], name="steprun_dossier"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=Q(left_at__isnull=True), name="steprun_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} — {self.position + 1}. {self.name}"


class JobMark(models.Model):
    """Up to when a periodic pass has looked (e.g. the overdue dossiers' due instants already told)."""

    name = models.CharField(max_length=60, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M}"
