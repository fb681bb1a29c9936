"""The agency tree (province → departments / communes) and who works where."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from opendvc.core.models import SortedByName

# QCVN 102:2016/BTTTT agency code, e.g. 000.00.32.H19
AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def validate_agency_code(value: str) -> None:
    if not AGENCY_CODE_RE.match(value or ""):
        raise ValidationError(
            _("Mã cơ quan phải có dạng DDD.DD.DD.Xnn theo QCVN 102:2016, ví dụ 000.00.32.H19."),
            code="invalid_agency_code",
        )


class Tier(models.Model):
    """Administrative tier (tỉnh, xã, …): data, because the tiers changed in 2025 and may again."""

    code = models.SlugField(_("mã cấp"), max_length=20, unique=True)
    name = models.CharField(_("tên cấp"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("thứ bậc"), default=0, help_text=_("0 = cao nhất"))

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("cấp hành chính")
        verbose_name_plural = _("cấp hành chính")

    def __str__(self) -> str:
        return self.name


class Agency(SortedByName):
    class Backend(models.TextChoices):
        INTERNAL = "internal", _("Xử lý trên Cổng")
        ONESTOP = "onestop", _("Phần mềm một cửa điện tử của tỉnh")

    code = models.CharField(
        _("mã cơ quan"), max_length=20, unique=True, validators=[validate_agency_code]
    )
    name = models.CharField(_("tên cơ quan"), max_length=300)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="agencies")
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    hotline = models.CharField(_("đường dây nóng"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("trang thông tin"), blank=True)
    # [["07:30", "11:30"], ["13:00", "17:00"]]; empty = the portal's default office hours.
    office_hours = models.JSONField(_("giờ làm việc"), default=list, blank=True)
    processing_backend = models.CharField(
        _("nơi xử lý hồ sơ"), max_length=20, choices=Backend.choices, default=Backend.INTERNAL
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["tier__rank", "sort_name", "code"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """A role a person holds in one agency. A person may hold several roles in several agencies."""

    class Role(models.TextChoices):
        RECEIVING_OFFICER = "receiving_officer", _("Cán bộ tiếp nhận (bộ phận một cửa)")
        PROCESSING_OFFICER = "processing_officer", _("Cán bộ xử lý")
        LEADER = "leader", _("Lãnh đạo phê duyệt")
        HEAD = "head", _("Thủ trưởng cơ quan")
        FEEDBACK_FOCAL = "feedback_focal", _("Đầu mối phản ánh, kiến nghị")
        SWITCHBOARD = "switchboard", _("Tổng đài viên")
        PROVINCE_OFFICE = "province_office", _("Văn phòng UBND tỉnh (giám sát)")
        ICT_DEPARTMENT = (
            "ict_department",
            _("Sở Khoa học và Công nghệ (báo cáo, vận hành hệ thống và liên thông)"),
        )
        POSTAL_OPERATOR = "postal_operator", _("Nhân viên bưu chính")
        ADMINISTRATOR = "administrator", _("Quản trị hệ thống")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(_("vai trò"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)
    granted_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)

    class Meta:
        ordering = ["agency__code", "role"]
        verbose_name = _("vai trò cán bộ")
        verbose_name_plural = _("vai trò cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="staffrole_unique")
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency.short_name or self.agency.name}"
