"""Feedback items (phản ánh, kiến nghị), their append-only history, attachments, the quarantine of
inbound emails that could not be turned into items, and the published questions and answers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.accounts.crypto import decrypt, encrypt
from opendvc.core.append_only import AppendOnlyQuerySet

from . import timing
from .lifecycle import AT_AGENCY_STATES, OPEN_STATES, State
from .timing import Standing, standing_q


class Channel(models.TextChoices):
    # Regulation Art. 7.1–7.3: the channels through which items arrive, as the regulation lists
    # them (the hotline and email addresses are the settings PORTAL_HOTLINE / PORTAL_EMAIL).
    WEB = "web", _("Biểu mẫu trên Cổng")
    HOTLINE = "hotline", _("Đường dây nóng của tổng đài")
    EMAIL = "email", _("Thư điện tử của tổng đài")
    APP = "app", _("Ứng dụng di động của tổng đài / API")
    CITIZEN_PORTAL = "nguoidan", _("Hệ thống nguoidan.chinhphu.vn")
    BUSINESS_PORTAL = "doanhnghiep", _("Hệ thống doanhnghiep.chinhphu.vn")
    PAPER = "paper", _("Văn bản giấy")
    # Art. 7.4: answers to the satisfaction survey, handled by the agency that sent it.
    SURVEY = "survey", _("Phiếu khảo sát mức độ hài lòng")


class Kind(models.TextChoices):
    QUESTION = "question", _("Hỏi đáp")
    COMPLAINT = "complaint", _("Phản ánh")
    PROPOSAL = "proposal", _("Kiến nghị")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Hài lòng")
    NOT_SATISFIED = "not_satisfied", _("Không hài lòng")


class FeedbackQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATES)

    def at_agency(self):
        return self.filter(status__in=AT_AGENCY_STATES)

    def overdue(self, now=None):
        """At an agency and late: trễ hạn (đang chờ xử lý), as ``timing`` defines it."""
        return self.filter(standing_q(Standing.PENDING_OVERDUE, now or timezone.now()))

    def due_soon(self, *, now=None, until):
        """At an agency, not late, its binding deadline before ``until``."""
        now = now or timezone.now()
        return self.filter(standing_q(Standing.PENDING, now), due_at__lt=until)

    def standing(self, value: str, now=None):
        """Items in one class of ``timing.Standing`` at ``now``."""
        return self.filter(standing_q(value, now or timezone.now()))


class Feedback(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("mã phản ánh"), max_length=30, unique=True, null=True, blank=True)
    channel = models.CharField(_("kênh tiếp nhận"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.COMPLAINT)
    status = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=State.choices,
        default=State.RECEIVED,
        editable=False,
    )
    # The sender: an account, or a name with a phone number and/or email address.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_items",
    )
    sender_name = models.CharField(_("họ và tên người gửi"), max_length=200, blank=True)
    # Personal data (Regulation Art. 4.4, 13.3): the phone number is kept encrypted at rest.
    sender_phone_ciphertext = models.TextField(_("số điện thoại (mã hóa)"), blank=True, default="")
    sender_email = models.EmailField(_("email"), blank=True)
    sender_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    subject = models.CharField(_("tiêu đề"), max_length=300)
    content = models.TextField(_("nội dung"))
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("cơ quan xử lý"),
    )
    suggested_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cơ quan người gửi đề xuất"),
    )
    procedure = models.ForeignKey(
        "catalog.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("thủ tục liên quan"),
    )
    # The related dossier (hồ sơ); the code is kept too, for imported items naming a dossier not held here.
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("hồ sơ liên quan"),
    )
    dossier_code = models.CharField(
        _("mã hồ sơ liên quan"), max_length=40, blank=True, db_index=True
    )
    consent_publish = models.BooleanField(
        _("đồng ý công khai (đã ẩn thông tin cá nhân)"), default=False
    )
    # Who entered it for hotline calls and paper letters.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Imported items: the national portal's id (idempotent import); emails: the Message-ID.
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("tiếp nhận lúc"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Routing and deadlines (Art. 8), all instants.
    forwarded_at = models.DateTimeField(_("chuyển cơ quan lúc"), null=True, blank=True)
    focal_due_at = models.DateTimeField(_("hạn đầu mối"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("chuyển thủ trưởng lúc"), null=True, blank=True)
    head_due_at = models.DateTimeField(_("hạn thủ trưởng"), null=True, blank=True)
    # The deadline of the stage the item is in, as the law sets it (shown beside the appointment) …
    original_due_at = models.DateTimeField(_("hạn theo quy định"), null=True, blank=True)
    # … and the binding deadline (``timing``): the rescheduled appointment, if any.
    due_at = models.DateTimeField(_("hạn trả lời"), null=True, blank=True)
    rescheduled_at = models.DateTimeField(_("gia hạn lúc"), null=True, blank=True)
    reschedule_reason = models.TextField(_("lý do gia hạn"), blank=True)
    # The instant the binding deadline passed unanswered (``timing``); never cleared.
    overdue_since = models.DateTimeField(_("trễ hạn từ"), null=True, blank=True)
    head_notified_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whether the answer came before the item was late (``timing``); None until answered.
    answered_on_time = models.BooleanField(null=True, blank=True)
    satisfaction = models.CharField(
        _("đánh giá"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    # The instant the sender withdrew the item (``services._on_withdraw``), so that a report as of an
    # earlier cut-off still counts it as it stood then. Empty on items withdrawn before the instant was
    # kept and whose history holds no withdrawal (migration 0007): those count as withdrawn at every
    # cut-off, as they did before.
    withdrawn_at = models.DateTimeField(_("rút lúc"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        indexes = [
            models.Index(fields=["status", "due_at"], name="feedback_status_due"),
            models.Index(fields=["agency", "status", "due_at"], name="feedback_agency_due"),
            models.Index(fields=["agency", "created_at"], name="feedback_agency_created"),
            models.Index(fields=["status", "created_at"], name="feedback_status_created"),
            models.Index(fields=["sender", "created_at"], name="feedback_sender"),
            models.Index(fields=["status", "focal_due_at"], name="feedback_focal_due"),
            # The work queues (overdue, due soon) read only items at an agency, ordered by deadline.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=sorted(AT_AGENCY_STATES)),
                name="feedback_open_due",
            ),
            models.Index(
                fields=["agency", "due_at"],
                condition=models.Q(status__in=sorted(AT_AGENCY_STATES)),
                name="feedback_open_agency_due",
            ),
        ]

    def __str__(self) -> str:
        return self.code or str(self.public_id)

    @property
    def sender_phone(self) -> str:
        return decrypt(self.sender_phone_ciphertext) if self.sender_phone_ciphertext else ""

    @sender_phone.setter
    def sender_phone(self, value: str) -> None:
        self.sender_phone_ciphertext = encrypt(value) if value else ""

    @property
    def standing(self) -> Standing | None:
        """On time or late, now (``timing.standing``)."""
        return timing.standing(self)

    @property
    def is_overdue(self) -> bool:
        """Late now, or ever late (stays so): ``timing.is_overdue``."""
        return timing.is_overdue(self)

    @property
    def overdue_label(self) -> str:
        return timing.overdue_label(self)

    @property
    def sender_display(self) -> str:
        if self.sender_id:
            return self.sender_name or self.sender.full_name or self.sender.email or ""
        return self.sender_name


class _FeedbackHistoryRow(models.Model):
    """A row of an item's history: Regulation Art. 4.2, no update, no delete — refused for a row
    (``save`` of a stored one, ``delete``), for a queryset (``core.append_only``) and, on PostgreSQL,
    by a trigger."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Feedback history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Feedback history is append-only.")


class FeedbackEvent(_FeedbackHistoryRow):
    """One line of an item's history. Rows are only ever added ("do not edit history")."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.feedback_id}: {self.action}"


class FeedbackRound(_FeedbackHistoryRow):
    """A forwarding of an item to an agency that has ended while the item goes on: sent back to the
    switchboard (wrong agency) or reopened by the sender after the answer. The item's own row keeps
    only its current forwarding — both actions overwrite its instants — so the ended one is kept here,
    as it stood when it ended, for the reports: as of a cut-off inside it, the item counts at that
    agency, late or on time, open or answered, as it was then (``timing.state_at``).

    Rows are only ever added, by ``services.feedback_act`` in the transaction of the action."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="rounds")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    forwarded_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Recorded by the action before it ended the forwarding (``timing.record_overdue``).
    overdue_since = models.DateTimeField(null=True, blank=True)
    # The forwarding's one reschedule (Regulation Art. 8.3), if it had one: the item's own row starts
    # the next forwarding without it, and the reports as of a cut-off inside this one count it.
    rescheduled_at = models.DateTimeField(null=True, blank=True)
    # The instant of the send-back or the reopening; the forwarding held the item until then.
    ended_at = models.DateTimeField()
    ended_by = models.CharField(max_length=30)

    class Meta:
        ordering = ["forwarded_at", "pk"]
        indexes = [models.Index(fields=["ended_at", "forwarded_at"], name="feedback_round_span")]

    def __str__(self) -> str:
        return f"{self.feedback_id}: {self.forwarded_at:%Y-%m-%d %H:%M} – {self.ended_by}"


def attachment_path(instance, filename: str) -> str:
    return f"feedback/{instance.feedback.public_id}/{uuid.uuid4().hex}-{filename}"


class Attachment(models.Model):
    class Part(models.TextChoices):
        SENDER = "sender", _("Tệp người gửi")
        ANSWER = "answer", _("Tệp trả lời")

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="attachments")
    part = models.CharField(max_length=10, choices=Part.choices, default=Part.SENDER)
    file = models.FileField(upload_to=attachment_path, max_length=400)
    name = models.CharField(max_length=220)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


def quarantine_path(instance, filename: str) -> str:
    return f"feedback/quarantine/{uuid.uuid4().hex}.eml"


class QuarantinedEmail(models.Model):
    """An inbound message that could not become an item: kept whole, with the reason."""

    received_at = models.DateTimeField(default=timezone.now)
    reason_code = models.CharField(max_length=40)
    reason = models.TextField()
    raw = models.FileField(upload_to=quarantine_path, max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    from_header = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.reason_code}: {self.subject}"


class PublishedAnswer(models.Model):
    """An answered item published as a public question and answer (Art. 3.2), personal data masked."""

    feedback = models.OneToOneField(Feedback, on_delete=models.PROTECT, related_name="published")
    title = models.CharField(max_length=300)
    question = models.TextField()
    answer = models.TextField()
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    procedure = models.ForeignKey(
        "catalog.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="published_answers",
    )
    # Folded text (catalog.text.fold), starting with a space, for the search without diacritics.
    search_doc = models.TextField(default="", editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["is_public", "published_at"], name="feedback_qa_public")]

    def __str__(self) -> str:
        return self.title
