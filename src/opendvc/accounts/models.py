"""The one account for every service (Regulation Art. 14.3), the person's profile, organisations.

CCCD and phone numbers are personal data (Regulation Art. 4.4, 13.3; Decree 13/2023/ND-CP): they are
stored encrypted (``*_ciphertext``) next to a keyed hash (``*_hash``) used for exact lookup and
uniqueness. Plaintext never reaches the database.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.core.models import SortedByName

from . import crypto
from .validators import FEMALE, MALE, normalize_phone, province_name, ward_name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra):
        email = self.normalize_email(email) if email else None
        phone = extra.pop("phone", None) or None
        if not email and not phone:
            raise ValueError("Cần có email hoặc số điện thoại để tạo tài khoản.")
        user = self.model(email=email, **extra)
        user.phone = phone
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

    def get_by_phone(self, phone: str) -> User:
        """Exact lookup through the keyed hash of the normalised number."""
        try:
            normalised = normalize_phone(phone)
        except ValidationError:
            raise self.model.DoesNotExist from None
        return self.get(phone_hash=crypto.lookup_hash(normalised))

    def get_by_natural_key(self, username):
        """Log in with an email address or a phone number."""
        value = (username or "").strip()
        if "@" in value:
            return self.get(email__iexact=value)
        return self.get_by_phone(value)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's account. Login is the email address or the phone number.

    ``public_id`` is the only identifier shown in URLs and the API: the integer key never leaves.
    """

    public_id = models.UUIDField(_("mã công khai"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    phone_ciphertext = models.TextField(
        _("số điện thoại (mã hóa)"), blank=True, default="", editable=False
    )
    phone_hash = models.CharField(
        _("băm số điện thoại"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    # The language of what the portal sends the person (email, in-app messages): the one they last
    # chose on the pages (``views.language_choose``); blank until then (Vietnamese).
    language = models.CharField(
        _("ngôn ngữ nhận thông báo"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",
    )
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
                condition=Q(email__isnull=False) | Q(phone_hash__isnull=False),
                name="user_has_email_or_phone",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or str(self.public_id)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_ciphertext)

    @phone.setter
    def phone(self, value: str | None) -> None:
        value = normalize_phone(value) if value else ""
        self.phone_ciphertext = crypto.encrypt(value)
        self.phone_hash = crypto.lookup_hash(value)

    @property
    def phone_masked(self) -> str:
        return crypto.mask(self.phone, head=3, tail=3)

    def clean(self) -> None:
        super().clean()
        if self.email:
            self.email = type(self).objects.normalize_email(self.email)
        self.email = self.email or None

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return (self.full_name.split() or [""])[-1]


class AddressFields(models.Model):
    """Permanent and current address from the official administrative units.

    New records use the two-tier units in force since 1 July 2025 (province → ward/commune, codes
    of the ``vietnam-provinces`` list); records made before keep their old district and ward names
    in the ``*_legacy_*`` fields.
    """

    permanent_province_code = models.PositiveIntegerField(
        _("tỉnh/thành phố thường trú"), null=True, blank=True
    )
    permanent_ward_code = models.PositiveIntegerField(
        _("phường/xã thường trú"), null=True, blank=True
    )
    permanent_street = models.CharField(
        _("số nhà, đường, thôn/ấp (thường trú)"), max_length=300, blank=True
    )
    permanent_legacy_district = models.CharField(
        _("quận/huyện cũ (thường trú)"), max_length=150, blank=True
    )
    permanent_legacy_ward = models.CharField(
        _("phường/xã cũ (thường trú)"), max_length=150, blank=True
    )
    current_province_code = models.PositiveIntegerField(
        _("tỉnh/thành phố nơi ở hiện tại"), null=True, blank=True
    )
    current_ward_code = models.PositiveIntegerField(
        _("phường/xã nơi ở hiện tại"), null=True, blank=True
    )
    current_street = models.CharField(
        _("số nhà, đường, thôn/ấp (nơi ở hiện tại)"), max_length=300, blank=True
    )
    current_legacy_district = models.CharField(
        _("quận/huyện cũ (nơi ở hiện tại)"), max_length=150, blank=True
    )
    current_legacy_ward = models.CharField(
        _("phường/xã cũ (nơi ở hiện tại)"), max_length=150, blank=True
    )

    class Meta:
        abstract = True

    def address_text(self, kind: str) -> str:
        street = getattr(self, f"{kind}_street")
        ward = ward_name(getattr(self, f"{kind}_ward_code")) or getattr(self, f"{kind}_legacy_ward")
        district = getattr(self, f"{kind}_legacy_district")
        province = province_name(getattr(self, f"{kind}_province_code"))
        return ", ".join(p for p in (street, ward, district, province) if p)

    @property
    def permanent_address(self) -> str:
        return self.address_text("permanent")

    @property
    def current_address(self) -> str:
        return self.address_text("current")


class PersonProfile(AddressFields):
    """The person's profile. The CCCD is verified only when it came from the national electronic
    identity (the identity provider's claim; Decree 69/2024/NĐ-CP): ``cccd_verified_at`` is set and
    ``cccd_source`` says so. A number typed on the profile (or by an officer at the counter) is a
    declaration: it fills forms, and gives no access to the population database nor to anyone's
    sign-in. Verified numbers are unique; unverified ones may repeat (docs/security.md)."""

    class Gender(models.TextChoices):
        MALE = MALE, _("Nam")
        FEMALE = FEMALE, _("Nữ")

    class CccdSource(models.TextChoices):
        PROFILE = "profile", _("Người dùng tự khai")
        COUNTER = "counter", _("Cán bộ nhập khi tiếp nhận trực tiếp")
        IDENTITY_PROVIDER = "identity_provider", _("Định danh điện tử quốc gia")

    public_id = models.UUIDField(_("mã công khai"), default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=10, choices=Gender.choices, blank=True)
    cccd_ciphertext = models.TextField(
        _("số CCCD (mã hóa)"), blank=True, default="", editable=False
    )
    # NULL when there is no number (an empty string would be a value of the partial unique index).
    cccd_hash = models.CharField(  # noqa: DJ001
        _("băm số CCCD"), max_length=64, null=True, blank=True, editable=False, db_index=True
    )
    cccd_source = models.CharField(
        _("nguồn số CCCD"), max_length=20, choices=CccdSource.choices, blank=True, default=""
    )
    cccd_verified_at = models.DateTimeField(_("xác thực số CCCD lúc"), null=True, blank=True)
    # The phone number the person proved they hold (a code sent by SMS, ``integrations.sms``): the lookup
    # hash of the number at the time, so a changed number is no longer verified.
    phone_verified_hash = models.CharField(
        _("băm số điện thoại đã xác minh"), max_length=64, blank=True, default="", editable=False
    )
    phone_verified_at = models.DateTimeField(_("xác minh số điện thoại lúc"), null=True, blank=True)
    sms_notices = models.BooleanField(_("nhận thông báo hồ sơ qua SMS"), default=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ cá nhân")
        verbose_name_plural = _("hồ sơ cá nhân")
        constraints = [
            # One account per verified number; unverified claims of it may repeat.
            models.UniqueConstraint(
                fields=["cccd_hash"],
                condition=Q(cccd_verified_at__isnull=False),
                name="verified_cccd_unique",
            ),
            models.CheckConstraint(
                condition=Q(cccd_verified_at__isnull=True) | Q(cccd_hash__isnull=False),
                name="verified_cccd_present",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def cccd(self) -> str:
        return crypto.decrypt(self.cccd_ciphertext)

    @cccd.setter
    def cccd(self, value: str | None) -> None:
        """Set the number; another number than the stored one is unverified (the caller names its
        source, ``verify_cccd_from_identity_provider`` verifies)."""
        value = value or ""
        digest = crypto.lookup_hash(value)
        if digest != self.cccd_hash:
            self.cccd_verified_at = None
            self.cccd_source = ""
        self.cccd_ciphertext = crypto.encrypt(value)
        self.cccd_hash = digest

    @property
    def cccd_verified(self) -> bool:
        """The number came from the national electronic identity."""
        return bool(self.cccd_hash and self.cccd_verified_at)

    @property
    def cccd_masked(self) -> str:
        return crypto.mask(self.cccd)

    @property
    def phone_verified(self) -> bool:
        return bool(self.phone_verified_hash) and self.phone_verified_hash == (self.user.phone_hash or "")

    @property
    def is_complete(self) -> bool:
        return bool(self.user.full_name and self.date_of_birth and self.gender and self.cccd_hash)


class Organisation(SortedByName):
    """A business or other organisation that submits dossiers through its people.

    The tax code typed when the organisation is added is a declaration: anyone may type any. It is
    verified (``verified_at``) when the national business registry names, as the organisation's legal
    representative, a member whose CCCD the national electronic identity verified
    (``registries.services.organisation_verify``). Only verified tax codes are unique: the first
    to type one does not keep the business out of the portal."""

    public_id = models.UUIDField(_("mã công khai"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên tổ chức"), max_length=300)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, db_index=True)
    verified_at = models.DateTimeField(_("xác thực mã số thuế lúc"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đại diện đã xác thực"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    province_code = models.PositiveIntegerField(_("tỉnh/thành phố"), null=True, blank=True)
    ward_code = models.PositiveIntegerField(_("phường/xã"), null=True, blank=True)
    street = models.CharField(_("số nhà, đường"), max_length=300, blank=True)
    legal_representative = models.CharField(_("người đại diện theo pháp luật"), max_length=200)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )

    class Meta:
        ordering = ["sort_name", "pk"]
        verbose_name = _("tổ chức")
        verbose_name_plural = _("tổ chức")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=Q(verified_at__isnull=False),
                name="verified_tax_code_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"

    @property
    def verified(self) -> bool:
        """The business registry names a member verified by the electronic identity as its legal
        representative."""
        return self.verified_at is not None

    @property
    def address(self) -> str:
        return ", ".join(
            p
            for p in (self.street, ward_name(self.ward_code), province_name(self.province_code))
            if p
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        REPRESENTATIVE = "representative", _("Người đại diện")
        AUTHORISED_STAFF = "authorised_staff", _("Nhân viên được ủy quyền")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("thành viên tổ chức")
        verbose_name_plural = _("thành viên tổ chức")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class UserSession(models.Model):
    """One signed-in browser of a user, so the user can see them and sign out elsewhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("phiên đăng nhập")
        verbose_name_plural = _("phiên đăng nhập")

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%d/%m/%Y %H:%M}"


class DeletionRequest(models.Model):
    """A user's request to delete the account; an administrator handles it (dossiers are kept for
    as long as the archive rules require, so deletion is never automatic)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ xử lý")
        DONE = "done", _("Đã xóa tài khoản")
        REJECTED = "rejected", _("Từ chối")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests"
    )
    reason = models.TextField(_("lý do"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)
    handled_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("ghi chú xử lý"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("yêu cầu xóa tài khoản")
        verbose_name_plural = _("yêu cầu xóa tài khoản")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="one_pending_deletion_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_status_display()}"
