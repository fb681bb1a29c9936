"""The calendar as data: the days that differ from a plain Monday–Friday week, and its version.

Each year the government fixes the exact Tết and National Day days and any swaps, so days off and
make-up working days are rows here: seeded from the ``holidays`` package for a span of years, then
reviewed and edited by administrators (Labour Code 2019 Art. 112; Regulation Art. 13.4).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day off (holiday, compensatory or swapped day) or make-up working day (a worked Saturday)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc")

    class Source(models.TextChoices):
        SEED = "seed", _("Khởi tạo từ quy định ngày lễ")
        ADMIN = "admin", _("Quản trị viên chỉnh sửa")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại ngày"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("tên ngày"), max_length=200)
    reason = models.CharField(_("lý do, căn cứ"), max_length=500, blank=True)
    source = models.CharField(
        _("nguồn"), max_length=10, choices=Source.choices, default=Source.ADMIN
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày đặc biệt trong lịch làm việc")
        verbose_name_plural = _("ngày đặc biệt trong lịch làm việc")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["day_off", "working_day"]),
                name="worktime_day_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class SeededYear(models.Model):
    """A year whose days off were seeded from the ``holidays`` package: from then on its rows are the
    whole truth for that year (a removed row stays removed; seeding again does not bring it back)."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    seeded_at = models.DateTimeField(_("khởi tạo lúc"), auto_now_add=True)
    package_version = models.CharField(_("phiên bản gói holidays"), max_length=30, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("năm đã khởi tạo lịch")
        verbose_name_plural = _("năm đã khởi tạo lịch")

    def __str__(self) -> str:
        return str(self.year)


class CalendarVersion(models.Model):
    """A single row whose number grows with every change of the calendar (cache key, API field)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveIntegerField(_("phiên bản"), default=0)
    changed_at = models.DateTimeField(_("thay đổi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản lịch làm việc")
        verbose_name_plural = _("phiên bản lịch làm việc")

    def __str__(self) -> str:
        return f"v{self.version}"
