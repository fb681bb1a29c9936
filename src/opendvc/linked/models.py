"""Linked procedures (thủ tục liên thông, Decree 61/2018/NĐ-CP Art. 4; the electronic linked procedures of
Decision 06/QĐ-TTg 2022): catalog data and the sub-dossiers of one dossier.

* ``LinkedProcedure`` — a bundle: its member procedures (``LinkedMember``), their order (``after``: the
  members whose results a member needs; none = starts at intake; members after the same one run in
  parallel), the time allotted to each agency (the statutory total split), the hand-off clock, the rule
  for the other parts when one asks for completion, and the combined e-form.
* ``Part`` — the sub-dossier of one member agency inside the applicant's one dossier (one code, one
  receipt, one appointment): its own state, officers, clock, result. ``Part.status`` is only assigned by
  ``services.part_act``.
* ``Handoff`` — the hand-off of the file to a member agency: an event with its own clock.
* ``PartEvent`` — the append-only history of the parts.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from opendvc.core.append_only import AppendOnlyQuerySet


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")


class MemberRole(models.TextChoices):
    """Which office of the receiving commune takes a member's part."""

    RECEIVING = "", _("Cơ quan tiếp nhận hồ sơ (UBND cấp xã)")
    POLICE = "police", _("Cơ quan Công an đăng ký cư trú")
    SOCIAL_INSURANCE = "social_insurance", _("Cơ quan Bảo hiểm xã hội")


class LinkedProcedure(models.Model):
    class CompletionRule(models.TextChoices):
        # The other agencies keep working; those that need the part's result wait for it anyway.
        CONTINUE = "continue", _("Các phần khác tiếp tục giải quyết")
        # Every open part waits (its clock paused) until the applicant completes the file.
        WAIT_ALL = "wait_all", _("Tất cả các phần tạm dừng chờ bổ sung")

    key = models.SlugField(_("mã liên thông"), max_length=80, unique=True)
    name = models.TextField(_("tên thủ tục liên thông"))
    # The published linked procedure itself when the catalog holds it (e.g. 2.000986); else the dossier
    # is filed under the first member's procedure.
    procedure = models.ForeignKey(
        "catalog.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_bundles",
        verbose_name=_("thủ tục liên thông trong danh mục"),
    )
    total_amount = models.DecimalField(
        _("tổng thời hạn"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    total_unit = models.CharField(
        _("đơn vị"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    total_basis = models.TextField(_("căn cứ tổng thời hạn"), blank=True)
    # The time the one-stop office keeps, after the last agency, to return every result.
    return_amount = models.DecimalField(
        _("thời gian trả kết quả"), max_digits=6, decimal_places=2, default=0
    )
    completion_rule = models.CharField(
        _("khi một phần yêu cầu bổ sung"),
        max_length=10,
        choices=CompletionRule.choices,
        default=CompletionRule.CONTINUE,
    )
    # Members the law names that the catalog data does not hold: [{"name", "note"}]. Never invented.
    missing_members = models.JSONField(
        _("thủ tục thành phần chưa có trong dữ liệu"), default=list, blank=True
    )
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    form_key = models.SlugField(_("mã tờ khai kết hợp"), max_length=80, blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("thủ tục liên thông")
        verbose_name_plural = _("thủ tục liên thông")

    def __str__(self) -> str:
        return self.name

    @property
    def filing_procedure(self):
        if self.procedure_id:
            return self.procedure
        first = self.members.exclude(procedure=None).order_by("position").first()
        return first.procedure if first else None


class LinkedMember(models.Model):
    bundle = models.ForeignKey(LinkedProcedure, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(_("mã phần"), max_length=40)
    name = models.TextField(_("tên phần việc"))
    # The member procedure in the catalog; None when the catalog has no record of its own (its part is
    # described by the linked procedure's record, ``source_note`` says where).
    procedure = models.ForeignKey(
        "catalog.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_memberships",
    )
    source_note = models.TextField(_("nguồn"), blank=True)
    # The office that takes the part: the receiving commune's own (""), or its police / social insurance
    # office as mapped per receiving commune (``MemberAgency``).
    agency_role = models.CharField(
        _("cơ quan giải quyết theo xã tiếp nhận"),
        max_length=20,
        choices=MemberRole.choices,
        default=MemberRole.RECEIVING,
        blank=True,
    )
    # A fixed agency for every commune (only when ``agency_role`` is the receiving one); None = the
    # agency that receives the dossier (the commune's one-stop office).
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_memberships",
    )
    agency_label = models.CharField(_("cơ quan giải quyết"), max_length=200)
    allotment_amount = models.DecimalField(
        _("thời hạn của cơ quan"), max_digits=6, decimal_places=2
    )
    allotment_unit = models.CharField(
        max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    allotment_basis = models.TextField(_("căn cứ thời hạn"), blank=True)
    after = models.JSONField(_("sau phần"), default=list, blank=True)
    handoff_amount = models.DecimalField(
        _("thời hạn chuyển hồ sơ"), max_digits=6, decimal_places=2, default=0
    )
    handoff_unit = models.CharField(
        max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    form_key = models.SlugField(_("mã tờ khai"), max_length=80, blank=True)
    # Fields of this member's form that the combined form asks once under another key: {member: combined}.
    same_as = models.JSONField(default=dict, blank=True)
    result_name = models.CharField(_("kết quả"), max_length=300, blank=True)

    class Meta:
        ordering = ["bundle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "key"], name="linked_member_unique_key")
        ]
        verbose_name = _("phần của thủ tục liên thông")
        verbose_name_plural = _("các phần của thủ tục liên thông")

    def __str__(self) -> str:
        return f"{self.bundle.key}/{self.key}"


class PartState(models.TextChoices):
    WAITING = "waiting", _("Chờ kết quả của cơ quan trước")
    HANDED_OFF = "handed_off", _("Đã chuyển hồ sơ, chờ cơ quan nhận")
    PROCESSING = "processing", _("Đang giải quyết")
    COMPLETION_REQUESTED = "completion_requested", _("Yêu cầu bổ sung, hoàn thiện")
    DONE = "done", _("Đã có kết quả")
    REFUSED = "refused", _("Từ chối giải quyết")
    CANCELLED = "cancelled", _("Không thực hiện")


TERMINAL_PART_STATES = frozenset({PartState.DONE, PartState.REFUSED, PartState.CANCELLED})


class Part(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="linked_parts"
    )
    member = models.ForeignKey(LinkedMember, on_delete=models.PROTECT, related_name="parts")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="linked_parts"
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=25,
        choices=PartState.choices,
        default=PartState.WAITING,
        editable=False,
    )
    version = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("bắt đầu giải quyết"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn của cơ quan"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    on_time_class = models.CharField(max_length=10, blank=True, default="")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ giải quyết"),
    )
    result = models.TextField(_("kết quả"), blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    completion_items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dossier", "member__position"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "member"], name="linked_part_unique")
        ]
        indexes = [models.Index(fields=["agency", "status"], name="linked_part_inbox")]
        verbose_name = _("hồ sơ thành phần")
        verbose_name_plural = _("hồ sơ thành phần")

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.member.key}: {self.status}"


class Handoff(models.Model):
    """The file handed to a member agency (by the one-stop intake or by the agency before it)."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="linked_handoffs"
    )
    from_part = models.ForeignKey(
        Part, on_delete=models.PROTECT, null=True, blank=True, related_name="handoffs_out"
    )
    to_part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="handoffs_in")
    sent_at = models.DateTimeField(_("chuyển lúc"))
    due_at = models.DateTimeField(_("hạn nhận"))
    accepted_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_time_class = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("chuyển hồ sơ liên thông")
        verbose_name_plural = _("chuyển hồ sơ liên thông")

    def __str__(self) -> str:
        return f"→ {self.to_part_id} @ {self.sent_at:%Y-%m-%d %H:%M}"


class PartEvent(models.Model):
    """One line of a part's history: never updated, never deleted (Regulation Art. 4.2)."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=25)
    to_state = models.CharField(max_length=25)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Lịch sử chỉ được ghi thêm, không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Lịch sử chỉ được ghi thêm, không được xóa."))


class LinkedDossier(models.Model):
    """Marks a dossier as filed for a linked procedure (the death bundle is filed under its first
    member's procedure, as the catalog holds no record of the bundle itself)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="linked"
    )
    bundle = models.ForeignKey(LinkedProcedure, on_delete=models.PROTECT, related_name="dossiers")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.dossier_id} ({self.bundle.key})"


def part_result_path(instance, filename: str) -> str:
    import uuid

    from django.utils import timezone

    return f"linked/results/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}"


class PartResultFile(models.Model):
    """A result document of a member agency (e.g. the residence notice, the insurance card), uploaded by
    the leader of that agency's part after the portal's upload check. Placed in the applicant's
    document store when the part's result is issued (``vault_entry``)."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="result_files")
    file = models.FileField(upload_to=part_result_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    title = models.CharField(_("tên giấy tờ"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    vault_entry = models.OneToOneField(
        "vault.StoredDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_result",
    )

    class Meta:
        ordering = ["part", "uploaded_at", "pk"]
        verbose_name = _("tệp kết quả của phần liên thông")
        verbose_name_plural = _("tệp kết quả của phần liên thông")

    def __str__(self) -> str:
        return f"{self.part_id}: {self.original_name}"


class MemberAgency(models.Model):
    """The police or social insurance office that takes the parts of the dossiers received by one
    commune (data, edited in the admin): e.g. Phường Biên Hòa → Công an phường Biên Hòa."""

    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="linked_member_agencies",
        verbose_name=_("cơ quan tiếp nhận (UBND cấp xã)"),
    )
    role = models.CharField(
        _("vai trò"),
        max_length=20,
        choices=[c for c in MemberRole.choices if c[0]],
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="linked_member_of",
        verbose_name=_("cơ quan giải quyết phần liên thông"),
    )

    class Meta:
        ordering = ["receiving_agency", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["receiving_agency", "role"], name="linked_member_agency_unique"
            )
        ]
        verbose_name = _("cơ quan liên thông theo xã tiếp nhận")
        verbose_name_plural = _("cơ quan liên thông theo xã tiếp nhận")

    def __str__(self) -> str:
        return f"{self.receiving_agency} → {self.get_role_display()}: {self.agency}"

    def clean(self):
        if self.agency_id and self.agency_id == self.receiving_agency_id:
            raise ValidationError({"agency": _("Cơ quan giải quyết phải khác cơ quan tiếp nhận.")})
