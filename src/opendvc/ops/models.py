"""Incidents of the portal's service (Regulation Art. 10.7, 13.5: incidents are reported and
tracked): opened by a failing health check or by ICT staff, updated, resolved; each change is a
row of ``IncidentUpdate`` (only ever appended)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .words import automatic_words


class Severity(models.TextChoices):
    MINOR = "minor", _("Nhẹ (chậm, một phần)")
    MAJOR = "major", _("Nghiêm trọng (một dịch vụ ngừng)")
    CRITICAL = "critical", _("Đặc biệt nghiêm trọng (cổng ngừng)")


class Status(models.TextChoices):
    INVESTIGATING = "investigating", _("Đang tìm nguyên nhân")
    IDENTIFIED = "identified", _("Đã xác định nguyên nhân")
    MONITORING = "monitoring", _("Đã khắc phục, đang theo dõi")
    RESOLVED = "resolved", _("Đã giải quyết")


OPEN_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)


class Incident(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("tiêu đề"), max_length=200)
    severity = models.CharField(_("mức độ"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("trạng thái"), max_length=15, choices=Status.choices, default=Status.INVESTIGATING
    )
    affected_services = models.JSONField(_("dịch vụ bị ảnh hưởng"), default=list)
    started_at = models.DateTimeField(_("bắt đầu lúc"))
    resolved_at = models.DateTimeField(_("giải quyết lúc"), null=True, blank=True)
    resolution = models.TextField(_("cách giải quyết"), blank=True)
    # Opened by a failing health check (its name) or by a person.
    check_name = models.CharField(_("kiểm tra tự động"), max_length=50, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("sự cố")
        verbose_name_plural = _("sự cố")
        constraints = [
            # One open incident per failing check: a check that keeps failing does not pile up.
            models.UniqueConstraint(
                fields=["check_name"],
                condition=models.Q(resolved_at__isnull=True) & ~models.Q(check_name=""),
                name="ops_one_open_incident_per_check",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "started_at"], name="ops_incident_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def title_words(self) -> tuple[str, bool]:
        """The title in the page's language when a check wrote it, and whether it is."""
        return automatic_words(self.title) if self.check_name else (self.title, False)

    def resolution_words(self) -> tuple[str, bool]:
        """How it was resolved, in the page's language when the check that passed again wrote it."""
        return automatic_words(self.resolution) if self.check_name else (self.resolution, False)

    def affected_words(self) -> tuple[str, bool]:
        """The affected services, joined, in the page's language when a check named them all."""
        words = [
            automatic_words(s) if self.check_name else (s, False) for s in self.affected_services
        ]
        return ", ".join(w for w, _said in words), bool(words) and all(said for _w, said in words)


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    created_at = models.DateTimeField(_("lúc"))
    status = models.CharField(_("trạng thái"), max_length=15, choices=Status.choices)
    message = models.TextField(_("nội dung"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("cập nhật sự cố")
        verbose_name_plural = _("cập nhật sự cố")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    def message_words(self) -> tuple[str, bool]:
        """The message in the page's language when a check wrote it (no author), and whether it is."""
        return automatic_words(self.message) if self.author_id is None else (self.message, False)
