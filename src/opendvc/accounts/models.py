"""The one account for every service (Regulation Art. 14.3)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra):
        email = self.normalize_email(email) if email else None
        phone = extra.pop("phone", None) or None
        if not email and not phone:
            raise ValueError("Cần có email hoặc số điện thoại để tạo tài khoản.")
        user = self.model(email=email, phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        """Log in with an email address or a phone number."""
        value = (username or "").strip()
        if "@" in value:
            return self.get(email__iexact=value)
        return self.get(phone=value)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's account. Login is the email address or the phone number.

    ``public_id`` is the only identifier shown in URLs and the API: the integer key never leaves.
    """

    public_id = models.UUIDField(_("mã công khai"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, unique=True, null=True, blank=True)
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    is_staff = models.BooleanField(_("cán bộ quản trị"), default=False)
    date_joined = models.DateTimeField(_("ngày tạo"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="user_has_email_or_phone",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or str(self.public_id)

    def clean(self) -> None:
        super().clean()
        if self.email:
            self.email = type(self).objects.normalize_email(self.email)
        self.email = self.email or None
        self.phone = self.phone or None

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return (self.full_name.split() or [""])[-1]
