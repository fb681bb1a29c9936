"""What the portal fetched from a national registry for one dossier, with the applicant's consent.

A ``RegistryFetch`` is both the consent record (who agreed, when, to which text) and the cache: the
values serve that dossier only and are never reused for another one (Personal Data Protection Law
91/2025/QH15: data is processed for the purpose consented to). Identifiers inside ``values`` are sealed
at rest like a dossier's form data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opendvc.eforms.sealing import SealedFormDataField


class RegistryFetch(models.Model):
    class Registry(models.TextChoices):
        POPULATION = "population", _("Cơ sở dữ liệu quốc gia về dân cư")
        BUSINESS = "business", _("Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp")

    class Outcome(models.TextChoices):
        FOUND = "found", _("Đã lấy thông tin")
        NOT_FOUND = "not_found", _("Không tìm thấy trong cơ sở dữ liệu")
        UNAVAILABLE = "unavailable", _("Cơ sở dữ liệu tạm thời không truy cập được")

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="registry_fetches"
    )
    registry = models.CharField(_("cơ sở dữ liệu"), max_length=20, choices=Registry.choices)
    # sha256 of the identifier looked up (the cache key inside the dossier; the identifier itself is in
    # the sealed values).
    subject_hash = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consent_text = models.TextField(_("nội dung đồng ý"))
    consent_at = models.DateTimeField(_("đồng ý lúc"))
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices)
    values = SealedFormDataField(_("thông tin nhận được"), default=dict, blank=True)
    # The form fields the values filled (marked "từ CSDL quốc gia" on the form and compared at intake).
    filled = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(
                fields=["dossier", "registry", "subject_hash"], name="registry_fetch_cache"
            )
        ]
        verbose_name = _("lượt lấy thông tin từ CSDL quốc gia")
        verbose_name_plural = _("lượt lấy thông tin từ CSDL quốc gia")

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.registry} {self.outcome}"
