"""Payment orders of dossiers' fees, their attempts at a gateway, the gateways' raw messages, refunds
and electronic receipts.

One ``PaymentOrder`` per fee request of a dossier (``dossiers.Payment``: the fees the officer or the
system asked with ``require_payment``). Each time the applicant goes to a gateway a ``PaymentAttempt``
is made with its own merchant reference; what the gateway says about it (IPN, browser return, query,
refund answers) is kept verbatim in ``GatewayMessage``. States only move forward
(``services.attempt_apply``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opendvc.core.fields import EncryptedTextField


class PaymentOrder(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        REFUND_PENDING = "refund_pending", _("Đang hoàn tiền")
        REFUNDED = "refunded", _("Đã hoàn tiền")
        CANCELLED = "cancelled", _("Đã hủy")

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="payment_orders"
    )
    fee_request = models.OneToOneField(
        "dossiers.Payment", on_delete=models.CASCADE, related_name="order"
    )
    # The fee items ({"name", "unit_vnd", "quantity", "amount_vnd"}) and their total, copied from the
    # fee request when the order is made.
    items = models.JSONField(default=list)
    amount_vnd = models.BigIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    paid_attempt = models.ForeignKey(
        "PaymentAttempt", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    # When the first success's consequences were applied (``services.order_settle``: the dossier's
    # ``pay`` action, the receipt, the notice — or the money flagged to go back). The gateway's
    # confirmation commits the payment; this follows right after, once.
    settled_at = models.DateTimeField(null=True, blank=True)
    attempts_made = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # Paid orders whose settlement is still to do: the reconciliation job's catch-up.
            models.Index(
                fields=["paid_at"],
                condition=models.Q(state="paid", settled_at__isnull=True),
                name="payments_order_unsettled",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.amount_vnd} đồng ({self.state})"


class PaymentAttempt(models.Model):
    class State(models.TextChoices):
        CREATED = "created", _("Mới tạo")
        PENDING = "pending", _("Đang chờ xác nhận")
        PAID = "paid", _("Đã thanh toán")
        FAILED = "failed", _("Không thành công")
        CANCELLED = "cancelled", _("Người nộp đã hủy")
        EXPIRED = "expired", _("Hết hạn")
        REFUND_PENDING = "refund_pending", _("Đang hoàn tiền")
        REFUNDED = "refunded", _("Đã hoàn tiền")

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="attempts")
    gateway = models.CharField(max_length=30)
    # The merchant reference sent to the gateway (vnp_TxnRef, the platform's order id): unique.
    reference = models.CharField(max_length=100, unique=True)
    amount_vnd = models.BigIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATED)
    # The gateway's own transaction number and bank, once it confirms.
    gateway_ref = models.CharField(max_length=100, blank=True)
    bank_code = models.CharField(max_length=30, blank=True)
    response_code = models.CharField(max_length=10, blank=True)
    # A second success on an order already paid by another attempt (or a success on a fee request
    # settled some other way): the money is returned (``Refund``).
    needs_refund = models.BooleanField(default=False)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Reconciliation: when the gateway is asked next, and how many times it was asked.
    next_check_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "next_check_at"], name="payattempt_state_check")]

    def __str__(self) -> str:
        return self.reference

    @property
    def gateway_label(self):
        """The gateway's name for a reader (``vnpay`` is a key)."""
        from .registry import GATEWAYS

        gateway = GATEWAYS.get(self.gateway)
        return gateway.label if gateway is not None else self.gateway

    @property
    def final(self) -> bool:
        return self.state not in (self.State.CREATED, self.State.PENDING)


class GatewayMessage(models.Model):
    """Every message from or to a gateway about an attempt, kept verbatim (the raw query string or
    body), with what the portal made of it. Only a message whose signature verified belongs to an
    attempt (``services.message_record``); one that did not keeps the reference it quoted and no
    attempt."""

    class Kind(models.TextChoices):
        IPN = "ipn", _("Thông báo kết quả (IPN)")
        RETURN = "return", _("Trình duyệt quay về")
        QUERY = "query", _("Truy vấn giao dịch")
        REFUND = "refund", _("Hoàn tiền")

    attempt = models.ForeignKey(
        PaymentAttempt, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    gateway = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The merchant reference the message gives, verified or not (a forged one may quote a real
    # attempt's: it stays here, as text, with ``attempt`` empty).
    reference = models.CharField(max_length=100, blank=True)
    # Encrypted at rest: a message names the dossier paid for, the amount, the payer's bank and card
    # type.
    raw = EncryptedTextField(blank=True)
    signature_ok = models.BooleanField(null=True)
    # What the portal did: "confirmed", "already", "late_failure_ignored", "bad_signature"…
    outcome = models.CharField(max_length=40, blank=True)
    answer = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [
            models.Index(fields=["reference"], name="gatewaymsg_reference"),
            # Those of no attempt by age, for their retention (``services.gateway_unmatched_purge``).
            models.Index(
                fields=["received_at"],
                name="gatewaymsg_unmatched",
                condition=models.Q(attempt__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.kind} {self.reference}: {self.outcome}"


class Refund(models.Model):
    """Money returned for a paid attempt: requested by an officer, approved by a leader, sent to the
    gateway, confirmed by a query."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Chờ lãnh đạo duyệt")
        APPROVED = "approved", _("Đã duyệt, chờ gửi cổng thanh toán")
        SENT = "sent", _("Đã gửi cổng thanh toán")
        REFUNDED = "refunded", _("Đã hoàn tiền")
        REJECTED = "rejected", _("Không duyệt")
        FAILED = "failed", _("Cổng thanh toán từ chối")

    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.PROTECT, related_name="refunds")
    amount_vnd = models.BigIntegerField()
    reason = models.TextField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    gateway_ref = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.amount_vnd} đồng ({self.state})"


def _verify_token() -> str:
    return secrets.token_urlsafe(18)


def receipt_path(instance: Receipt, filename: str) -> str:
    return f"payments/receipts/{instance.issued_at:%Y/%m}/{instance.number}.pdf"


class Receipt(models.Model):
    """The electronic receipt (biên lai điện tử) of a paid order, with a QR code to verify it."""

    order = models.OneToOneField(PaymentOrder, on_delete=models.CASCADE, related_name="receipt")
    number = models.CharField(max_length=40, unique=True)
    verify_token = models.CharField(max_length=40, unique=True, default=_verify_token)
    payer_name = models.CharField(max_length=200)
    file = models.FileField(upload_to=receipt_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["issued_at", "pk"]
        # The receipts still waiting for their PDF (``receipts.receipts_pending``): a handful at most.
        indexes = [
            models.Index(
                fields=["issued_at"], condition=models.Q(file=""), name="payments_receipt_unissued"
            )
        ]

    def __str__(self) -> str:
        return self.number
