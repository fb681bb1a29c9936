"""Dossiers (hồ sơ), their files, their append-only history and the documents issued to them.

``Dossier.status`` is only ever assigned by ``services.dossier_act`` (see ``lifecycle``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.core.append_only import AppendOnlyQuerySet

from .fields import EncryptedFormDataField
from .lifecycle import Action, Document, State

# Stored files are partitioned by (UTC) day, so the cleanup job can sweep a day's folder for files that
# no row refers to (a process killed between storing a file and committing its row).
FILES_DIR = "dossiers/files"
DOCUMENTS_DIR = "dossiers/documents"


def dossier_file_path(instance, filename: str) -> str:
    return f"{FILES_DIR}/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}"


def document_path(instance, filename: str) -> str:
    return f"{DOCUMENTS_DIR}/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.pdf"


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Trực tiếp tại bộ phận một cửa")
    POSTAL = "postal", _("Qua dịch vụ bưu chính")
    NATIONAL_PORTAL = "national_portal", _("Cổng Dịch vụ công quốc gia")


# HinhThuc of the national sync (1 in person, 2 online, 3 postal).
CHANNEL_NATIONAL = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.NATIONAL_PORTAL: 2, Channel.POSTAL: 3}
# The catalog method whose time limit applies to each channel.
CHANNEL_METHOD = {
    Channel.ONLINE: "online",
    Channel.NATIONAL_PORTAL: "online",
    Channel.COUNTER: "direct",
    Channel.POSTAL: "postal",
}


class Dossier(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Allocated on submission (codes.allocate_code); drafts have none.
    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True, null=True, blank=True)
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers", null=True, blank=True
    )
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers")
    acting_for = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers"
    )
    receiving_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="dossiers")
    channel = models.CharField(_("hình thức nộp"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("trạng thái"), max_length=30, choices=State.choices, default=State.DRAFT,
                              editable=False)
    # Identifiers (CCCD, phone, tax code) inside are encrypted at rest (see personal_data.py).
    form_data = EncryptedFormDataField(_("dữ liệu tờ khai"), default=dict, blank=True)
    # The e-form version the data was filled in (eforms.FormVersion id); None when the procedure has none.
    form_version_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The case (trường hợp) the applicant chose when the procedure's components are listed by case: the
    # required components of that case are required of the dossier (``services.filing.required_components``).
    # Nullable so that the release before it keeps inserting rows (docs/adr/0004); None and "" = none chosen.
    case = models.TextField(_("trường hợp"), blank=True, null=True)  # noqa: DJ001
    # How the applicant wants to receive the result (Regulation Art. 6.4; ``returns.CHOICES``: online,
    # at the counter, by post) and, by post, where (the phone encrypted as every phone number). None:
    # not chosen, the result goes back the way the dossier was filed (``returns.CHANNEL_RETURN``).
    # Nullable so that the release before them keeps inserting rows (docs/adr/0004).
    return_method = models.CharField(_("hình thức nhận kết quả"), max_length=10, blank=True, null=True)  # noqa: DJ001
    return_contact_name = models.CharField(_("người nhận kết quả"), max_length=200, blank=True, null=True)  # noqa: DJ001
    return_phone_ciphertext = models.TextField(blank=True, null=True)  # noqa: DJ001
    return_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=300, blank=True, null=True)  # noqa: DJ001
    return_province = models.CharField(_("tỉnh, thành phố nhận kết quả"), max_length=100, blank=True, null=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    # When the applicant confirmed the declaration before filing online (Regulation Art. 14.5).
    declared_at = models.DateTimeField(_("cam đoan lúc"), null=True, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả"), null=True, blank=True)
    calendar_version = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    # The key printed on the receipt for the public lookup: hash to compare, ciphertext to reprint.
    lookup_key_hash = models.CharField(max_length=64, blank=True, default="")
    lookup_key_ciphertext = models.TextField(blank=True, default="")
    # Items listed by the last return for completion (shown to the applicant until resubmission).
    completion_items = models.JSONField(default=list, blank=True)
    # Optimistic version: incremented by every transition.
    version = models.PositiveIntegerField(default=0)
    # Processing (``services.processing``/``services.late``): the class frozen when handling ends (early, on_time,
    # late — from the original ``due_at``); the new appointment after an apology (shown to the applicant,
    # statistics keep ``due_at``); when the clock was paused waiting for the applicant.
    on_time_class = models.CharField(_("kết quả đúng hạn"), max_length=10, blank=True, default="")
    appointment_at = models.DateTimeField(_("hẹn lại ngày trả"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            models.Index(fields=["receiving_agency", "status", "submitted_at"], name="dossier_inbox"),
            models.Index(fields=["receiving_agency", "submitted_at"], name="dossier_agency_date"),
            models.Index(fields=["receiving_agency", "status", "due_at"], name="dossier_due"),
            models.Index(fields=["applicant", "created_at"], name="dossier_applicant"),
            models.Index(fields=["procedure", "status"], name="dossier_procedure"),
            # The inbox: one procedure of an agency, newest first; open dossiers of an agency by due date
            # (the "overdue" and "due soon" lists).
            models.Index(fields=["receiving_agency", "procedure", "submitted_at"], name="dossier_agency_procedure"),
            models.Index(fields=["receiving_agency", "due_at"], name="dossier_agency_open_due",
                         condition=models.Q(status__in=["received", "processing", "result_ready"])),
            models.Index(fields=["receiving_agency", "finished_at"], name="dossier_finished"),
            # Open dossiers by due instant, all agencies (the overdue escalation's time window).
            models.Index(fields=["due_at"], name="dossier_open_due",
                         condition=models.Q(status__in=["received", "processing", "result_ready"])),
        ]

    def __str__(self) -> str:
        return self.code or f"({self.get_status_display()}) {self.public_id}"


class DailyCounter(models.Model):
    """The last sequence number given to an agency's dossiers on one day (locked while allocating)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day:%Y-%m-%d}: {self.last}"


class StoredFileFields(models.Model):
    original_name = models.CharField(_("tên tệp"), max_length=255)
    file = models.FileField(upload_to=dossier_file_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)

    class Meta:
        abstract = True


class Upload(StoredFileFields):
    """A file sent ahead of a dossier (API ``POST /files``); unclaimed ones are removed after a day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.original_name


class DossierFile(StoredFileFields):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(
        "catalog.Component", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    component_name = models.TextField(_("thành phần hồ sơ"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["component_id", "created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DossierEvent(models.Model):
    """One line of the append-only history: never updated, never deleted (Regulation Art. 4.2; the
    guards are in ``core.append_only``, with a PostgreSQL trigger). Neither the dossier nor the actor
    can be removed from under it: deleting either is refused while history refers to it (a deleted
    draft is a state, its row and history stay)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    from_state = models.CharField(max_length=30, choices=State.choices)
    to_state = models.CharField(max_length=30, choices=State.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Lịch sử hồ sơ chỉ được ghi thêm, không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Lịch sử hồ sơ chỉ được ghi thêm, không được xóa."))


class DossierDocument(models.Model):
    """A PDF issued to the dossier (receipt, completion request, refusal…)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    event = models.ForeignKey(DossierEvent, on_delete=models.CASCADE, related_name="documents", null=True)
    kind = models.CharField(max_length=30, choices=Document.choices)
    file = models.FileField(upload_to=document_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # The public verification finds an issued document by the hash of the bytes it is shown.
        indexes = [models.Index(fields=["sha256"], name="dossier_document_sha256")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.dossier.code or self.dossier.public_id}.pdf"


class IdempotencyRecord(models.Model):
    """The first answer to a submission with a given key (API ``Idempotency-Key`` or a page token)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, blank=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="dossier_idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class Payment(models.Model):
    """Fees asked of the applicant (``require_payment``) and how they were paid (``pay``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        CANCELLED = "cancelled", _("Đã hủy")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="payments")
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

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="result_downloads")
    document = models.ForeignKey(DossierDocument, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.at:%Y-%m-%d %H:%M}"


class DossierAccess(models.Model):
    """Every staff read of a dossier (Regulation Art. 4.4, 13.3: log who read personal data); only
    ever appended. The applicant sees these rows in their personal data export."""

    class Action(models.TextChoices):
        READ = "read", _("Xem hồ sơ")
        API = "api", _("Xem qua API")
        REVEAL = "reveal", _("Xem số định danh đầy đủ")
        # A fetch from a national database the applicant consented to (``opendvc.registries``).
        REGISTRY = "registry", _("Lấy thông tin từ cơ sở dữ liệu quốc gia (có sự đồng ý)")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.READ)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lượt xem hồ sơ")
        verbose_name_plural = _("nhật ký xem hồ sơ")
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_access_dossier")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.dossier_id} {self.at:%Y-%m-%d %H:%M}"
