"""Messages to people (email, in-app) and the log of every delivery attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        IN_APP = "in_app", _("Trong ứng dụng")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    to_address = models.CharField(_("địa chỉ nhận"), max_length=254, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    template = models.CharField(_("mẫu"), max_length=100)
    language = models.CharField(max_length=5, default="vi")
    subject = models.CharField(_("tiêu đề"), max_length=300)
    body = models.TextField(_("nội dung"))
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [models.Index(fields=["recipient", "channel", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"


class DeliveryLog(models.Model):
    """One row per event in a notification's delivery: queued, sent, failed (with the error)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=10, choices=Notification.Status.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event} {self.created_at:%d/%m/%Y %H:%M}"
