"""E-forms (Regulation Art. 2.8): a definition edited in the back office, immutable published versions,
the assignment of a version to each procedure, and applicants' drafts.

A draft and (in the dossiers app) a dossier point at the exact ``FormVersion`` they were filled with,
so publishing a new version never changes what was already entered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .sealing import SealedFormDataField


class FormDefinition(models.Model):
    """The editable working copy of a form; publishing freezes it into a ``FormVersion``."""

    key = models.SlugField(_("mã biểu mẫu"), max_length=80, unique=True)
    title = models.CharField(_("tên biểu mẫu"), max_length=500)
    working_copy = models.JSONField(_("bản đang soạn"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("biểu mẫu điện tử")
        verbose_name_plural = _("biểu mẫu điện tử")

    def __str__(self) -> str:
        return self.title


class FormVersion(models.Model):
    """A published definition. Never updated, never deleted."""

    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    definition = models.JSONField(_("định nghĩa"))
    content_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(_("công bố lúc"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="eforms_version_unique_number")
        ]
        verbose_name = _("phiên bản biểu mẫu")
        verbose_name_plural = _("phiên bản biểu mẫu")

    def __str__(self) -> str:
        return f"{self.form.key} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Phiên bản biểu mẫu đã công bố không thể sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Phiên bản biểu mẫu đã công bố không thể xóa."))

    @property
    def title(self) -> str:
        return self.definition.get("title", "")


class FormAssignment(models.Model):
    """Which published form version a procedure uses now (one per procedure)."""

    procedure = models.OneToOneField(
        "catalog.Procedure", on_delete=models.CASCADE, related_name="form_assignment"
    )
    form_version = models.ForeignKey(
        FormVersion, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("biểu mẫu của thủ tục")
        verbose_name_plural = _("biểu mẫu của thủ tục")

    def __str__(self) -> str:
        return f"{self.procedure.code} → {self.form_version}"


class FormDraft(models.Model):
    """An applicant's unfinished form: only valid values are kept; expires after ``EFORMS_DRAFT_DAYS``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_drafts"
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.CASCADE, related_name="form_drafts"
    )
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="drafts")
    # Identifiers (CCCD, phone, tax code) are sealed at rest like a dossier's (see sealing.py).
    data = SealedFormDataField(_("dữ liệu"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("lưu lúc"), auto_now=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    completed_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    expiry_warned_at = models.DateTimeField(_("đã báo sắp hết hạn lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["user", "-updated_at"]),
            models.Index(fields=["expires_at"]),
        ]
        verbose_name = _("bản nháp tờ khai")
        verbose_name_plural = _("bản nháp tờ khai")

    def __str__(self) -> str:
        return f"{self.procedure.code} ({self.user})"


class DraftStart(models.Model):
    """The one-time token of the form page whose first save created ``draft`` (``core.page_tokens``):
    the same page sent again (a double click, a resent request) finds this draft instead of starting
    another. Goes with its draft."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    draft = models.OneToOneField(FormDraft, on_delete=models.CASCADE, related_name="start")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="eforms_draft_start_unique")
        ]

    def __str__(self) -> str:
        return self.token
