"""Models of dossier processing (part 2): fee payments and result downloads.

Imported by ``models`` so that Django registers them in the ``dossiers`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    """Fees asked of the applicant (``require_payment``) and how they were paid (``pay``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        CANCELLED = "cancelled", _("Đã hủy")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="payments")
    # [{"name", "fee_item", "unit_vnd", "quantity", "amount_vnd"}]
    items = models.JSONField(default=list)
    total_vnd = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The payment method key (``payments.METHODS``): "counter" now, online gateways later.
    method = models.CharField(max_length=30, blank=True)
    receipt_number = models.CharField(_("số biên lai"), max_length=60, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["dossier", "state"], name="payment_dossier_state")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.total_vnd} đồng ({self.state})"


class ResultDownload(models.Model):
    """Each download of a result document by its applicant (the online return is recorded)."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="result_downloads")
    document = models.ForeignKey("dossiers.DossierDocument", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.at:%Y-%m-%d %H:%M}"
