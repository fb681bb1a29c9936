"""The procedure catalog: every administrative procedure (TTHC) with all its parts (Regulation Art. 5).

A ``Procedure`` is the editable record. Publishing it freezes a ``ProcedureVersion`` (a JSON snapshot of
every part); dossiers point at the version they were filed under, so editing a procedure never changes
an old dossier. Values that the source did not confirm stay empty and are listed in
``unverified_fields`` so pages can say "chưa xác minh" instead of inventing them.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from opendvc.core.models import SortedByName

# National TTHC code, e.g. 1.001193; synthetic benchmark rows use the prefix SYN-.
NATIONAL_CODE_RE = re.compile(r"^\d\.\d{6}$")
SYNTHETIC_PREFIX = "SYN-"


class Sector(SortedByName):
    """Ngành: the managing ministry the procedure is filed under."""

    code = models.SlugField(_("mã ngành"), max_length=80, unique=True)
    name = models.CharField(_("tên ngành"), max_length=200)

    class Meta:
        ordering = ["sort_name", "code"]
        verbose_name = _("ngành")
        verbose_name_plural = _("ngành")

    def __str__(self) -> str:
        return self.name


class Field(SortedByName):
    """Lĩnh vực, e.g. "Hộ tịch"."""

    code = models.SlugField(_("mã lĩnh vực"), max_length=80, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="fields", null=True, blank=True
    )

    class Meta:
        ordering = ["sort_name", "code"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


class Procedure(SortedByName):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Đang áp dụng")
        SUSPENDED = "suspended", _("Tạm ngưng")

    class Level(models.IntegerChoices):
        # Regulation Art. 2.13
        INFO = 1, _("Mức độ 1")
        FORMS = 2, _("Mức độ 2")
        ONLINE = 3, _("Mức độ 3")
        FULL = 4, _("Mức độ 4")

    class LevelSource(models.TextChoices):
        SOURCE = "source", _("Theo nguồn công bố")
        DERIVED = "derived", _("Cổng tự xác định theo quy tắc")

    class OnlineClass(models.TextChoices):
        FULL = "toan_trinh", _("Toàn trình")
        PARTIAL = "mot_phan", _("Một phần")

    class WorkingDayRule(models.TextChoices):
        # How "N ngày làm việc" becomes an instant (worktime ``add_working_time`` rules).
        WORKING_HOURS = (
            "working-hours",
            _("N ngày làm việc = N × 8 giờ làm việc kể từ khi tiếp nhận"),
        )
        END_OF_DAY = (
            "end-of-day",
            _(
                "Hết giờ làm việc của ngày làm việc thứ N sau ngày tiếp nhận "
                "(Bộ luật Dân sự 2015, Điều 147–148)"
            ),
        )

    code = models.CharField(_("mã thủ tục"), max_length=40, unique=True)
    local_code = models.CharField(_("mã địa phương"), max_length=60, blank=True)
    name = models.TextField(_("tên thủ tục"))
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("ngành")
    )
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    tiers = models.ManyToManyField(
        "agencies.Tier", related_name="procedures", blank=True, verbose_name=_("cấp thực hiện")
    )
    tiers_raw = models.CharField(_("cấp thực hiện (nguyên văn)"), max_length=200, blank=True)
    agencies = models.ManyToManyField(
        "agencies.Agency",
        related_name="procedures",
        blank=True,
        verbose_name=_("cơ quan thực hiện"),
    )
    implementing_agency_text = models.TextField(_("cơ quan thực hiện (nguyên văn)"), blank=True)
    competent_authority = models.TextField(_("cơ quan có thẩm quyền"), blank=True)
    coordinating_agency = models.TextField(_("cơ quan phối hợp"), blank=True)
    level = models.PositiveSmallIntegerField(_("mức độ"), choices=Level.choices, default=Level.INFO)
    level_source = models.CharField(
        _("nguồn mức độ"), max_length=10, choices=LevelSource.choices, default=LevelSource.DERIVED
    )
    level_basis = models.CharField(_("căn cứ xác định mức độ"), max_length=300, blank=True)
    online_class = models.CharField(
        _("phân loại DVC"), max_length=12, choices=OnlineClass.choices, blank=True
    )
    applicants = models.JSONField(_("đối tượng thực hiện"), default=list, blank=True)
    applicants_raw = models.TextField(_("đối tượng (nguyên văn)"), blank=True)
    # None = the source gives no information (kept apart from an empty text on purpose).
    conditions = models.TextField(_("yêu cầu, điều kiện"), null=True, blank=True)  # noqa: DJ001
    result = models.TextField(_("kết quả"), blank=True)
    result_kind = models.CharField(_("loại kết quả"), max_length=100, blank=True)
    announcing_decision = models.CharField(_("quyết định công bố"), max_length=200, blank=True)
    procedure_type = models.CharField(_("loại thủ tục"), max_length=200, blank=True)
    notes = models.JSONField(_("ghi chú nguồn"), default=list, blank=True)
    unverified_fields = models.JSONField(_("trường chưa xác minh"), default=list, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)
    source_copy = models.URLField(_("bản sao nguồn"), max_length=500, blank=True)
    source_list_copy = models.URLField(_("danh sách nguồn"), max_length=500, blank=True)
    is_synthetic = models.BooleanField(
        _("dữ liệu giả lập"),
        default=False,
        help_text=_("Chỉ dùng để đo hiệu năng; không phải thủ tục thật."),
    )
    current_version = models.ForeignKey(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phiên bản đang công bố"),
    )
    # Procedure settings of the dossier timing (set by the province, not part of the published record).
    working_day_rule = models.CharField(
        _("cách tính thời hạn theo ngày làm việc"),
        max_length=15,
        choices=WorkingDayRule.choices,
        default=WorkingDayRule.WORKING_HOURS,
    )
    auto_receive = models.BooleanField(
        _("tiếp nhận tự động"),
        default=False,
        help_text=_(
            "Hệ thống tự tiếp nhận hồ sơ trực tuyến đầy đủ thành phần và hẹn ngày trả kết quả như cán bộ "
            "tiếp nhận."
        ),
    )
    # Denormalised for filters and counts.
    methods_available = models.JSONField(_("hình thức nộp"), default=list, blank=True)
    has_online = models.BooleanField(_("có nộp trực tuyến"), default=False)
    # Folded search columns (see catalog.text.fold); indexed with pg_trgm on PostgreSQL.
    search_name = models.TextField(default="", blank=True, editable=False)
    search_field = models.TextField(default="", blank=True, editable=False)
    search_legal = models.TextField(default="", blank=True, editable=False)
    search_doc = models.TextField(default="", blank=True, editable=False)
    import_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_name", "code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        indexes = [
            models.Index(fields=["status", "level"]),
            models.Index(fields=["status", "has_online"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError(
                {"effective_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")}
            )
        if not self.is_synthetic and not NATIONAL_CODE_RE.match(self.code or ""):
            raise ValidationError({"code": _("Mã thủ tục phải có dạng 1.001193.")})

    def is_unverified(self, name: str) -> bool:
        return name in (self.unverified_fields or [])


class ProcedureMethod(models.Model):
    """One row of "Cách thức thực hiện": a channel with its processing time and fee text."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Trực tuyến")
        DIRECT = "direct", _("Trực tiếp")
        POSTAL = "postal", _("Dịch vụ bưu chính")

    class TimeUnit(models.TextChoices):
        WORKING_DAYS = "working_days", _("ngày làm việc")
        WORKING_HOURS = "working_hours", _("giờ làm việc")
        CALENDAR_DAYS = "calendar_days", _("ngày")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="methods")
    position = models.PositiveSmallIntegerField(default=0)
    method = models.CharField(_("hình thức"), max_length=10, choices=Channel.choices)
    time_amount = models.DecimalField(
        _("thời hạn"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(_("đơn vị"), max_length=15, choices=TimeUnit.choices, blank=True)
    time_text = models.CharField(_("thời hạn (nguyên văn)"), max_length=300, blank=True)
    time_basis = models.TextField(_("căn cứ thời hạn"), blank=True)
    cutoff = models.TimeField(_("giờ chốt nhận trong ngày"), null=True, blank=True)
    fee_text = models.TextField(_("phí, lệ phí (nguyên văn)"), blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("cách thức thực hiện")
        verbose_name_plural = _("cách thức thực hiện")

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.time_text}"


class FeeItem(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fee_items")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.TextField(_("khoản phí"))
    # None = the amount is not stated by the source; 0 = free.
    amount_vnd = models.BigIntegerField(_("số tiền (đồng)"), null=True, blank=True)
    amount_text = models.CharField(_("số tiền (nguyên văn)"), max_length=200, blank=True)
    per = models.CharField(_("đơn vị tính"), max_length=100, blank=True)
    methods = models.JSONField(_("áp dụng cho hình thức"), default=list, blank=True)
    condition = models.TextField(_("điều kiện"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    # The period the amount applies in, both days included, as the source states it in the item's
    # name or note (``catalog.fees.fee_period``); None = not limited on that side.
    valid_from = models.DateField(_("áp dụng từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến hết ngày"), null=True, blank=True)
    # A reduced rate of the amount for a time, as a circular sets it ("Từ 01/7/2025 đến hết 31/12/2026
    # mức thu bằng 50%", Thông tư 64/2025/TT-BTC): ``rate_percent`` % of ``amount_vnd`` is charged from
    # ``rate_from`` to ``rate_to`` (both included; None = not limited on that side), the full amount
    # outside (``catalog.fees.amount_on``). Read from the item's name or note (``fees.fee_rate``).
    rate_percent = models.DecimalField(
        _("mức thu giảm còn (% mức thu)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Ví dụ 50 khi mức thu bằng 50% (giảm 50%). Để trống khi không có mức thu giảm."
        ),
    )
    rate_from = models.DateField(_("mức thu giảm áp dụng từ ngày"), null=True, blank=True)
    rate_to = models.DateField(_("mức thu giảm áp dụng đến hết ngày"), null=True, blank=True)
    rate_basis = models.CharField(
        _("căn cứ mức thu giảm"),
        max_length=200,
        blank=True,
        help_text=_("Văn bản quy định mức thu giảm, ví dụ Thông tư 64/2025/TT-BTC."),
    )

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("khoản phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("Ngày hết áp dụng phải từ ngày bắt đầu áp dụng trở về sau.")}
            )
        errors = {}
        if self.rate_percent is not None and not 0 <= self.rate_percent <= 100:
            errors["rate_percent"] = _("Mức thu giảm phải từ 0 đến 100% mức thu.")
        elif self.rate_percent is not None and not (self.rate_from or self.rate_to):
            errors["rate_from"] = _("Nêu thời gian áp dụng mức thu giảm (từ ngày, đến hết ngày).")
        elif self.rate_percent is None and (self.rate_from or self.rate_to or self.rate_basis):
            errors["rate_percent"] = _("Nhập mức thu giảm (% mức thu) cho thời gian đã nêu.")
        if self.rate_from and self.rate_to and self.rate_to < self.rate_from:
            errors["rate_to"] = _("Ngày hết áp dụng phải từ ngày bắt đầu áp dụng trở về sau.")
        if errors:
            raise ValidationError(errors)


class Component(models.Model):
    """Thành phần hồ sơ."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("Nộp")
        PRESENT = "present", _("Xuất trình")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    required = models.BooleanField(_("bắt buộc"), default=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.SUBMIT)
    case = models.TextField(_("trường hợp"), blank=True)
    form_file_name = models.CharField(_("tên tệp mẫu"), max_length=300, blank=True)
    # None = not stated by the source.
    accepts_electronic_copy = models.BooleanField(_("nhận bản điện tử"), null=True, blank=True)

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name[:80]


class Step(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("nội dung"))

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("bước thực hiện")
        verbose_name_plural = _("trình tự thực hiện")

    def __str__(self) -> str:
        return self.text[:80]


class LegalBasis(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="legal_basis")
    position = models.PositiveSmallIntegerField(default=0)
    number = models.CharField(_("số hiệu"), max_length=100, blank=True)
    date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    title = models.TextField(_("trích yếu"), blank=True)

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")

    def __str__(self) -> str:
        return self.number or self.title[:60]


def form_upload_to(instance: FormFile, filename: str) -> str:
    return f"catalog/forms/{instance.procedure.code}/{filename}"


class FormFile(models.Model):
    """A downloadable form (biểu mẫu). ``file`` is empty until the template itself is uploaded."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="forms")
    name = models.CharField(_("tên biểu mẫu"), max_length=300)
    file = models.FileField(_("tệp"), upload_to=form_upload_to, blank=True)
    uploaded_at = models.DateTimeField(_("tải lên lúc"), null=True, blank=True)

    class Meta:
        ordering = ["procedure", "name"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "name"], name="catalog_form_unique_name")
        ]
        verbose_name = _("biểu mẫu")
        verbose_name_plural = _("biểu mẫu")

    def __str__(self) -> str:
        return self.name

    @property
    def is_available(self) -> bool:
        return bool(self.file)


class ProcedureVersion(models.Model):
    """An immutable snapshot of a published procedure. Never updated, never deleted."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    snapshot = models.JSONField(_("nội dung"))
    content_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(_("công bố lúc"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="catalog_version_unique_number"
            )
        ]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Phiên bản đã công bố không thể sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Phiên bản đã công bố không thể xóa."))
