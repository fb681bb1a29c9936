"""Signing certificates of agencies and the record of every document the portal signed."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningCertificate(models.Model):
    """An agency's signing certificate (PKCS#12 on the server's disk or a mounted key store), with the
    name and title printed and recorded for the signer (Decree 30/2020/NĐ-CP: who signs, with which
    title). The newest active one of the agency signs its results."""

    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="signing_certificates",
        verbose_name=_("cơ quan"),
    )
    signer_name = models.CharField(_("người ký"), max_length=200)
    signer_title = models.CharField(_("chức vụ"), max_length=200)
    pkcs12_path = models.CharField(_("tệp PKCS#12"), max_length=500)
    # Encrypted with the portal's field key (accounts.crypto).
    passphrase_ciphertext = models.TextField(blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("chứng thư số ký kết quả")
        verbose_name_plural = _("chứng thư số ký kết quả")

    def __str__(self) -> str:
        return f"{self.signer_name} — {self.agency_id}"

    @property
    def passphrase(self) -> str:
        from opendvc.accounts import crypto

        return crypto.decrypt(self.passphrase_ciphertext)

    @passphrase.setter
    def passphrase(self, value: str) -> None:
        from opendvc.accounts import crypto

        self.passphrase_ciphertext = crypto.encrypt(value)


def _verify_key() -> str:
    return secrets.token_urlsafe(9)


class SignedDocument(models.Model):
    """A document the portal signed: its hash after signing (what the public verification compares),
    the signer, the level reached (PAdES B-T, or B-LT with the revocation data embedded) and the key
    printed in its QR code with the dossier code."""

    class Purpose(models.TextChoices):
        RESULT = "result", _("Kết quả giải quyết")
        SEAL = "seal", _("Con dấu điện tử của hệ thống")

    document = models.OneToOneField(
        "dossiers.DossierDocument", on_delete=models.CASCADE, related_name="signature"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    verify_key = models.CharField(max_length=20, default=_verify_key, db_index=True)
    level = models.CharField(max_length=10)
    signer_name = models.CharField(max_length=200)
    signer_title = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=300, blank=True)
    certificate_serial = models.CharField(max_length=80)
    certificate = models.ForeignKey(
        SigningCertificate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.document_id} ({self.level})"
