"""Postal pickup and return (Regulation QĐ 31/2020/QĐ-UBND Art. 6.4, Art. 15; QĐ 45/2016/QĐ-TTg).

A ``PostalOrder`` is one leg carried by the public postal service: ``pickup`` (the applicant's dossier
collected at their address and handed to the one-stop office, where it is received with the channel
"postal") or ``return`` (the result handed over by the office and delivered to the applicant). Its
``order_number`` is the dossier code (or the pickup's reference) followed by the leg, as the postal
operator's order API wants it. ``PostalEvent`` rows are its timeline, only ever appended; a tracking
update from the operator carries its own id, stored once (``external_id``), so a callback sent twice
is applied once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Leg(models.TextChoices):
    PICKUP = "pickup", _("Thu gom hồ sơ")
    RETURN = "return", _("Trả kết quả")


class Status(models.TextChoices):
    # Pickup leg
    REQUESTED = "requested", _("Chờ thu gom")
    COLLECTED = "collected", _("Đã thu gom")
    HANDED_TO_OFFICE = "handed_to_office", _("Đã giao bộ phận một cửa")
    RECEIVED = "received", _("Một cửa đã tiếp nhận")
    # Return leg
    READY = "ready", _("Chờ bưu điện nhận kết quả")
    HANDED_TO_POST = "handed_to_post", _("Bưu điện đã nhận kết quả")
    IN_TRANSIT = "in_transit", _("Đang phát")
    DELIVERED = "delivered", _("Đã phát thành công")
    FAILED = "failed", _("Phát không thành công")
    RETURNED_TO_OFFICE = "returned_to_office", _("Đã chuyển hoàn về một cửa")
    # Either leg
    CANCELLED = "cancelled", _("Đã hủy")


# A state's words where the pickup leg says it otherwise: the post failed to collect, not to deliver.
PICKUP_LABELS = {Status.FAILED: _("Thu gom không thành công")}


def status_label(leg: str, status: str) -> str:
    """The words of ``status`` on ``leg``."""
    if leg == Leg.PICKUP and status in PICKUP_LABELS:
        return str(PICKUP_LABELS[status])
    try:
        return str(Status(status).label)
    except ValueError:
        return status


# States a leg does not leave: a late or repeated tracking update never moves it back.
FINAL = frozenset({Status.RECEIVED, Status.DELIVERED, Status.RETURNED_TO_OFFICE, Status.CANCELLED})
# States in which the postal worker still has something to do (the queue).
OPEN_PICKUP = (Status.REQUESTED, Status.COLLECTED, Status.HANDED_TO_OFFICE)
OPEN_RETURN = (Status.READY, Status.HANDED_TO_POST, Status.IN_TRANSIT, Status.FAILED)


class PostalOrder(models.Model):
    leg = models.CharField(_("chiều"), max_length=10, choices=Leg.choices)
    order_number = models.CharField(_("số đơn"), max_length=60, unique=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="postal_orders",
        verbose_name=_("cơ quan tiếp nhận"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="postal_orders",
        verbose_name=_("người nộp"),
    )
    procedure = models.ForeignKey(
        "catalog.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thủ tục"),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postal_orders",
        verbose_name=_("hồ sơ"),
    )
    # The pickup a return leg goes back to (the same address by default).
    pickup = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The applicant's side: where the worker collects the dossier or delivers the result.
    contact_name = models.CharField(_("người liên hệ"), max_length=200)
    contact_phone = models.CharField(_("điện thoại"), max_length=20)
    address = models.CharField(_("địa chỉ"), max_length=300)
    province = models.CharField(_("tỉnh, thành phố"), max_length=100)
    inside_province = models.BooleanField(_("trong tỉnh"), default=True)
    window_start = models.DateTimeField(_("thu gom từ"), null=True, blank=True)
    window_end = models.DateTimeField(_("thu gom đến"), null=True, blank=True)
    fee_vnd = models.PositiveIntegerField(_("cước phí (đồng)"), default=0)
    cod_vnd = models.PositiveIntegerField(_("thu hộ khi phát (đồng)"), default=0)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    # The 24-hour hand-over rule (return leg): from the result being ready for postal return to its
    # delivery, on the working-day clock (``clock``); the class is frozen at delivery.
    ready_at = models.DateTimeField(_("kết quả sẵn sàng trả qua bưu chính"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn phát"), null=True, blank=True)
    handed_at = models.DateTimeField(_("giao bưu điện lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    on_time_class = models.CharField(_("đúng hạn"), max_length=10, blank=True, default="")
    failure_reason = models.CharField(_("lý do không phát được"), max_length=300, blank=True)
    # Proof of delivery.
    receiver_name = models.CharField(_("người nhận"), max_length=200, blank=True)
    proof_file = models.FileField(_("ảnh hoặc chữ ký người nhận"), max_length=300, blank=True)
    proof_content_type = models.CharField(max_length=100, blank=True)
    # The postal operator's side.
    carrier_code = models.CharField(_("mã bưu gửi"), max_length=60, blank=True)
    carrier_error = models.CharField(_("lỗi gửi đơn sang bưu điện"), max_length=300, blank=True)
    last_tracking_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("đơn bưu chính")
        verbose_name_plural = _("đơn bưu chính")
        indexes = [
            models.Index(fields=["agency", "leg", "status"], name="postal_queue"),
            models.Index(
                fields=["due_at"],
                name="postal_due",
                condition=models.Q(finished_at__isnull=True, due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.order_number

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def get_status_display(self) -> str:
        return status_label(self.leg, self.status)


class PostalEvent(models.Model):
    class Source(models.TextChoices):
        STAFF = "staff", _("Nhân viên")
        CARRIER = "carrier", _("Bưu điện (tự động)")
        SYSTEM = "system", _("Hệ thống")

    order = models.ForeignKey(PostalOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("lúc"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices)
    # Whether the event moved the order (a stale tracking update is kept but not applied).
    applied = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    data = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status} @ {self.at:%Y-%m-%d %H:%M}"

    def get_status_display(self) -> str:
        return status_label(self.order.leg, self.status)


class RefusedTrackingEvent(models.Model):
    """An event of the operator's tracking answer the portal refused, once per order: the operator
    answers the whole tracking again at each pull, and the event already logged with the refused
    requests (``services.tracking_refresh``) is not logged again. ``key`` is the SHA-256 of the event
    as received (its id included): the same event changed by the operator is a new one."""

    order = models.ForeignKey(PostalOrder, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "key"], name="postal_refused_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.key[:12]}"
