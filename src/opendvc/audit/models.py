"""Append-only, hash-chained audit log (Regulation Art. 4.2: no one may alter, delete or forge data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit entry from the application."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Nhật ký kiểm toán chỉ được ghi thêm, không được sửa.")

    def delete(self):
        raise AppendOnlyError("Nhật ký kiểm toán chỉ được ghi thêm, không được xóa.")


class AuditEntry(models.Model):
    """One state change or one read of personal data.

    ``entry_hash`` = HMAC-SHA256, under the key named by ``key_id`` (kept outside the database, setting
    ``AUDIT_MAC_KEY``), over the previous entry's hash, the key id and this entry's canonical content:
    altering, deleting or reordering any row breaks the chain from that row on, and without the key
    nobody can compute a valid chain again. Rows written before keys existed keep their plain SHA-256
    hash and ``key_id = "legacy"``; no legacy row may follow a keyed one.
    """

    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=200, blank=True)
    action = models.CharField(_("hành động"), max_length=100, db_index=True)
    target_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("mã đối tượng"), max_length=100, blank=True, db_index=True)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=400, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(_("khóa"), max_length=32)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id", "id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Nhật ký kiểm toán chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Nhật ký kiểm toán chỉ được ghi thêm, không được xóa.")


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers chain in a strict order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} bản ghi, cuối chuỗi {self.last_hash[:12]}…"
