"""The outbox: every message to a peer is a ``Message`` row written in the transaction of the business
change it reports, with one ``Delivery`` row per destination (the ledger the relay works through).

A message never changes once written; its ``message_id`` is sent to the peer as the idempotency key, so
a message sent twice (a relay killed after sending, before recording) is applied once. Deliveries of
one destination that share an ``ordering_key`` (one dossier) are delivered in the order they were
written: a delivery is not claimed while an earlier one of the same key is still open.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.core.fields import EncryptedTextField
from opendvc.dossiers.lifecycle import Action, State
from opendvc.dossiers.models import Channel


class Message(models.Model):
    message_id = models.UUIDField(
        _("mã thông điệp"), default=uuid.uuid4, unique=True, editable=False
    )
    kind = models.CharField(_("loại"), max_length=60)
    # Deliveries of one destination with the same key go in the order written ("dossier:<pk>").
    ordering_key = models.CharField(_("khóa thứ tự"), max_length=100, blank=True, default="")
    payload = models.JSONField(_("nội dung"), default=dict)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("thông điệp gửi đi")
        verbose_name_plural = _("thông điệp gửi đi")

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERING = "delivering", _("Đang gửi")
        DELIVERED = "delivered", _("Đã gửi")
        FAILED = "failed", _("Lỗi, sẽ gửi lại")
        DEAD = "dead", _("Ngừng gửi (quá hạn)")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    destination = models.CharField(_("nơi nhận"), max_length=60)
    ordering_key = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới"), default=timezone.now)
    # A claimed delivery belongs to one relay until ``lease_until``; after that (the relay died) it is
    # claimed again.
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    # Which relay (host:pid) claimed it last.
    claimed_by = models.CharField(_("tiến trình gửi"), max_length=100, blank=True, default="")
    last_error = models.TextField(_("lỗi gần nhất"), blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(_("trả lời của nơi nhận"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the window of retries began again (sent again by hand, or its destination resumed after a
    # pause); the window begins with the message otherwise.
    retry_from = models.DateTimeField(_("gửi lại từ"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("gửi xong lúc"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("sổ gửi đi")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "destination"], name="integrations_delivery_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="integrations_delivery_due",
                condition=models.Q(status__in=["pending", "failed", "delivering"]),
            ),
            models.Index(
                fields=["destination", "ordering_key", "id"],
                name="integrations_delivery_order",
                condition=models.Q(status__in=["pending", "failed", "delivering"]),
            ),
            models.Index(fields=["destination", "status"], name="integrations_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.destination} {self.message_id_display}: {self.status}"

    @property
    def message_id_display(self) -> str:
        return str(self.message.message_id) if self.message_id else ""

    @property
    def last_error_words(self) -> tuple[str, bool]:
        """The last error in the page's language, and whether it is (``transport.error_words``)."""
        from .transport import error_words

        return error_words(self.last_error)


class Destination(models.Model):
    """What the ICT department sets per destination: paused (the relay leaves its deliveries); and
    what the peer asked for: held (it answered 429 or 503 with ``Retry-After``, so the relay sends it
    nothing before ``held_until``). The two are apart: a pause lasts until someone resumes it, a hold
    ends by itself at its time (or at a delivery sent to the peer by hand that it accepts)."""

    code = models.CharField(_("nơi nhận"), max_length=60, unique=True)
    paused = models.BooleanField(_("tạm dừng"), default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept here, not in a relay's memory, so that every relay (Celery workers, cron, several hosts)
    # claims nothing of the destination before then; ``held_at``: when the peer's answer came.
    held_until = models.DateTimeField(_("nơi nhận yêu cầu chờ đến"), null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("nơi nhận")
        verbose_name_plural = _("nơi nhận")

    def __str__(self) -> str:
        return self.code


NATIONAL_STATUS_LABELS = {
    1: _("Mới đăng ký"),
    2: _("Được tiếp nhận"),
    3: _("Không được tiếp nhận"),
    4: _("Đang xử lý"),
    5: _("Yêu cầu bổ sung giấy tờ"),
    6: _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    7: _("Công dân yêu cầu rút hồ sơ"),
    8: _("Dừng xử lý"),
    9: _("Đã xử lý xong"),
    10: _("Đã trả kết quả"),
}
NATIONAL_CHANNEL_LABELS = {1: _("Trực tiếp"), 2: _("Trực tuyến"), 3: _("Qua bưu chính")}


class NationalStatusMap(models.Model):
    """Which national status code (TrangThaiHoSo 1–10) each of our dossier states is sent as; empty:
    the state is never sent (drafts). Every state has a row (seeded; the admin edits, never deletes)."""

    state = models.CharField(
        _("trạng thái trên Cổng"), max_length=30, choices=State.choices, unique=True
    )
    code = models.PositiveSmallIntegerField(
        _("mã trạng thái quốc gia"),
        null=True,
        blank=True,
        choices=sorted(NATIONAL_STATUS_LABELS.items()),
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )

    class Meta:
        ordering = ["state"]
        verbose_name = _("ánh xạ trạng thái Cổng DVC quốc gia")
        verbose_name_plural = _("ánh xạ trạng thái Cổng DVC quốc gia")

    def __str__(self) -> str:
        return f"{self.get_state_display()} → {self.code or '—'}"


class NationalChannelMap(models.Model):
    """Which national channel (HinhThuc: 1 counter, 2 online, 3 post) each of our channels is sent as."""

    channel = models.CharField(
        _("hình thức nộp"), max_length=20, choices=Channel.choices, unique=True
    )
    code = models.PositiveSmallIntegerField(
        _("mã hình thức quốc gia"),
        choices=sorted(NATIONAL_CHANNEL_LABELS.items()),
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )

    class Meta:
        ordering = ["channel"]
        verbose_name = _("ánh xạ hình thức nộp Cổng DVC quốc gia")
        verbose_name_plural = _("ánh xạ hình thức nộp Cổng DVC quốc gia")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.code}"


# What each result code of a peer's request means, for the ICT department's page (the code itself is
# what the log keeps and the JSON API gives). The general codes of every API problem (``conflict``,
# ``payload_too_large``…) take their problem title (``core.problems.TITLES``); a code that is a bare
# HTTP status (a refusal without a problem body) the title of that status.
INBOUND_CODE_LABELS = {
    "bad_signature": _("Sai chữ ký"),
    "stale_request": _("Thời điểm gửi nằm ngoài khoảng cho phép"),
    "unauthenticated": _("Thiếu chữ ký hoặc chữ ký sai"),
    "malformed_json": _("Nội dung không phải JSON hợp lệ"),
    "validation_error": _("Dữ liệu không hợp lệ"),
    "duplicate": _("Thông điệp đã được xử lý trước đó"),
    "not_found": _("Không tìm thấy hồ sơ hoặc chưa cấu hình liên thông"),
    "invalid_status": _("Trạng thái không được nhận"),
    "conflict": _("Hồ sơ không ở bước cho phép thay đổi này"),
    "permission_denied": _("Bên gửi không được làm thao tác này"),
}


def inbound_code_label(code: str) -> str:
    """The words of a result code of ``InboundMessage`` in the language of the page."""
    from opendvc.core.problems import TITLES, default_title, title_text

    if not code:
        return ""
    if code in INBOUND_CODE_LABELS:
        return str(INBOUND_CODE_LABELS[code])
    if code in TITLES:
        return title_text(TITLES[code][1])
    if code.isdigit() and len(code) == 3:
        return title_text(default_title("", int(code)))
    return str(_("Lý do khác"))


class InboundMessage(models.Model):
    """Every request a peer sends to the portal (webhooks), accepted or refused, with the reason: the
    ICT department's log, and (accepted ones) the replay guard by the peer's message id."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Đã áp dụng")
        REFUSED = "refused", _("Từ chối")

    peer = models.CharField(_("bên gửi"), max_length=60)
    message_id = models.CharField(
        _("mã thông điệp của bên gửi"), max_length=100, blank=True, default=""
    )
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices)
    code = models.CharField(_("mã lỗi"), max_length=60, blank=True, default="")
    detail = models.TextField(_("chi tiết"), blank=True, default="")
    # The body as received (at most 20 000 characters), encrypted at rest: it carries citizens' data.
    body = EncryptedTextField(_("nội dung nhận"), blank=True, default="")
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("thông điệp nhận vào")
        verbose_name_plural = _("thông điệp nhận vào")
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "message_id"],
                name="integrations_inbound_once",
                condition=models.Q(outcome="accepted"),
            ),
        ]
        indexes = [
            # The refused ones by age, for their retention (``inbound.inbound_refused_purge``).
            models.Index(
                fields=["received_at"],
                name="integrations_inbound_refused",
                condition=models.Q(outcome="refused"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer} {self.message_id}: {self.outcome}"

    @property
    def peer_label(self) -> str:
        from .outbox import destination_label

        return destination_label(self.peer)

    @property
    def code_label(self) -> str:
        return inbound_code_label(self.code)

    @property
    def detail_display(self) -> str:
        """The detail in words: an applied request is logged as ``<action> → <state>`` (the
        dossier's codes), shown as the action's and the state's names."""
        if self.outcome == self.Outcome.ACCEPTED:
            action, sep, state = self.detail.partition(" → ")
            if sep and action in Action.values and state in State.values:
                return f"{Action(action).label} → {State(state).label}"
        return self.detail

    # Refusals decided before the signature and the time were found valid.
    UNVERIFIED = ("bad_signature", "stale_request")

    @property
    def reapplicable(self) -> bool:
        """A refused request of the one-stop software that was signed and on time (its message id is
        read only after both checks): the ICT department may apply it again."""
        return (
            self.peer == "onestop"
            and self.outcome == self.Outcome.REFUSED
            and bool(self.message_id)
            and self.code not in self.UNVERIFIED
        )


class CatalogPull(models.Model):
    """One pull of the national catalogue into the staging area; an officer reviews the difference and
    publishes it through the catalog's import (``integrations.national.catalog``)."""

    class Status(models.TextChoices):
        STAGED = "staged", _("Chờ duyệt")
        PUBLISHED = "published", _("Đã cập nhật vào danh mục")

    started_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STAGED)
    agencies = models.JSONField(default=list, blank=True)
    fields = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("lần lấy danh mục quốc gia")
        verbose_name_plural = _("lần lấy danh mục quốc gia")

    def __str__(self) -> str:
        return f"{self.started_at:%d/%m/%Y %H:%M} ({self.get_status_display()})"


class CatalogPullItem(models.Model):
    class Change(models.TextChoices):
        NEW = "new", _("Thủ tục mới")
        CHANGED = "changed", _("Có thay đổi")
        SAME = "same", _("Không đổi")
        INVALID = "invalid", _("Dữ liệu không hợp lệ")

    pull = models.ForeignKey(CatalogPull, on_delete=models.CASCADE, related_name="items")
    national_code = models.CharField(max_length=20)
    name = models.TextField()
    current_name = models.TextField(blank=True)
    change = models.CharField(max_length=10, choices=Change.choices)
    record = models.JSONField(default=dict)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["national_code"]

    def __str__(self) -> str:
        return f"{self.national_code} {self.get_change_display()}"
