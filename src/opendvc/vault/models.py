"""The citizen's document store (Kho quản lý dữ liệu điện tử, Regulation QĐ 31/2020/QĐ-UBND Art. 6.2):
documents a person or organisation uploaded, and every result and receipt the portal issued to them."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def vault_path(instance, filename: str) -> str:
    return f"vault/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}"


class StoredDocument(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", _("Tự tải lên")
        RESULT = "result", _("Kết quả giải quyết")
        RECEIPT = "receipt", _("Giấy tờ do cơ quan cấp")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vault_documents"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vault_documents",
    )
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    document_type = models.CharField(_("loại giấy tờ"), max_length=200)
    title = models.CharField(_("tên"), max_length=300, blank=True)
    issuer = models.CharField(_("cơ quan cấp"), max_length=300, blank=True)
    number = models.CharField(_("số"), max_length=100, blank=True)
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    expires_on = models.DateField(_("ngày hết hạn"), null=True, blank=True)
    # Uploads own their bytes; issued documents point at the dossier's document (no copy).
    original_name = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to=vault_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    dossier_document = models.OneToOneField(
        "dossiers.DossierDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vault_entry",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "source"], name="vault_owner_source")]

    def __str__(self) -> str:
        return self.title or self.document_type

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    def _translated(self) -> bool:
        # An issued document was filed under its Vietnamese name: read in another language, it is
        # named by its kind in that language.
        return bool(self.dossier_document_id) and get_language() != settings.LANGUAGE_CODE

    @property
    def type_label(self) -> str:
        """The type as the pages show it: a document the portal issued by its kind, in the reader's
        language (its stored type is the Vietnamese name it was filed under); an upload's as typed."""
        if self._translated():
            return str(self.dossier_document.get_kind_display())
        return self.document_type

    @property
    def display_title(self) -> str:
        """The heading the pages show: the title it was filed under (an upload's as typed), or — for
        an issued document read in another language — its kind, number and dossier code."""
        if self._translated():
            code = self.dossier_document.dossier.code
            parts = [self.type_label, *(p for p in (self.number, code) if p)]
            return " — ".join(dict.fromkeys(parts))
        return self.title or self.document_type

    @property
    def stored(self):
        """The file to serve: the upload's own, or the issued dossier document's."""
        return self.dossier_document.file if self.dossier_document_id else self.file


def _token() -> str:
    return secrets.token_urlsafe(24)


class ShareLink(models.Model):
    """A link that lets anyone holding it read one document until it expires or is revoked."""

    document = models.ForeignKey(
        StoredDocument, on_delete=models.CASCADE, related_name="share_links"
    )
    token = models.CharField(max_length=64, unique=True, default=_token)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.expires_at:%Y-%m-%d}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ShareAccess(models.Model):
    """Each read through a share link (shown to the owner)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.link_id} @ {self.at:%Y-%m-%d %H:%M}"
