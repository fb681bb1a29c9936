"""Every change to accounts, profiles and organisations goes through here, with its audit entry.

Validation errors are raised as ``django.core.exceptions.ValidationError`` keyed by field, each with
a stable ``code`` (the API's problem ``code``) and a Vietnamese message (the form's field error).
Nothing is saved unless everything is valid. Audit entries name the fields changed, never their
values: personal data stays out of the audit trail and the logs.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record
from opendvc.core.problems import ProblemError
from opendvc.core.uploads import _strip_invisible
from opendvc.notifications.services import notify

from . import crypto
from .events import account_closed
from .models import DeletionRequest, Membership, Organisation, PersonProfile, User, UserSession
from .permissions import (
    can_handle_deletion_requests,
    can_lookup_persons,
    can_manage_organisation,
    can_reveal_personal_data,
    is_owner,
)
from .selectors import find_persons
from .validators import (
    normalize_cccd,
    normalize_phone,
    normalize_tax_code,
    validate_address,
    validate_cccd,
    validate_date_of_birth,
)

PROFILE_FIELDS = (
    "full_name",
    "phone",
    "date_of_birth",
    "gender",
    "cccd",
    "permanent_province_code",
    "permanent_ward_code",
    "permanent_street",
    "current_province_code",
    "current_ward_code",
    "current_street",
)
ADDRESS_KINDS = ("permanent", "current")


def _err(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _as_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # unknown code: rejected by validate_address


def _as_date(value: Any) -> dt.date | None | str:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    for fmt in settings.DATE_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    return "invalid"


def _current_profile_values(user: User, profile: PersonProfile) -> dict[str, Any]:
    values: dict[str, Any] = {
        "full_name": user.full_name,
        "phone": user.phone,
        "cccd": profile.cccd,
    }
    for name in PROFILE_FIELDS:
        if name not in values:
            values[name] = getattr(profile, name)
    return values


STREET_MAX = 300


def _text(value) -> str:
    """Typed text as stored: composed Unicode (a name typed with combining accents, "Trần" as
    "Tra\u0302\u0300n", is the same name as one typed with precomposed letters), single spaces, and no
    control or invisible formatting characters (a right-to-left override U+202E in a name would show
    it reversed, with what follows it, on the officers' pages and the printed letters)."""
    spaced = " ".join(unicodedata.normalize("NFC", str(value or "")).split())
    return " ".join(_strip_invisible(spaced).split())


def clean_profile_data(
    *, user: User, profile: PersonProfile, data: dict[str, Any]
) -> dict[str, Any]:
    """Merge ``data`` over the stored values, validate everything, return the cleaned values.

    Raises ``ValidationError({field: [errors]})``; nothing is written.
    """
    merged = _current_profile_values(user, profile)
    merged.update({k: v for k, v in data.items() if k in PROFILE_FIELDS})
    errors: dict[str, ValidationError] = {}
    out: dict[str, Any] = {}

    name = _text(merged.get("full_name"))
    if not name:
        errors["full_name"] = _err(_("Vui lòng nhập họ và tên."), "full_name_required")
    elif len(name) > 200:
        errors["full_name"] = _err(_("Họ và tên dài tối đa 200 ký tự."), "full_name_too_long")
    out["full_name"] = name

    dob = _as_date(merged.get("date_of_birth"))
    if dob == "invalid":
        errors["date_of_birth"] = _err(
            _("Ngày sinh không đúng định dạng ngày/tháng/năm."), "invalid_date"
        )
        dob = None
    else:
        try:
            validate_date_of_birth(dob, today=timezone.localdate())
        except ValidationError as e:
            errors["date_of_birth"] = e
            dob = None
    out["date_of_birth"] = dob

    gender = merged.get("gender") or ""
    if gender and gender not in PersonProfile.Gender.values:
        errors["gender"] = _err(_("Giới tính phải là Nam hoặc Nữ."), "invalid_gender")
        gender = ""
    out["gender"] = gender

    if profile.cccd_verified:
        # The verified number carries the year of birth and the gender, and is checked against them:
        # clearing either would leave that check nothing to compare (a changed value is checked below).
        if dob is None and "date_of_birth" not in errors and profile.date_of_birth is not None:
            errors["date_of_birth"] = _err(
                _(
                    "Không để trống ngày sinh: số CCCD của ông/bà đã được xác thực qua định danh "
                    "điện tử và được đối chiếu với ngày sinh."
                ),
                "date_of_birth_required",
            )
        if not gender and "gender" not in errors and profile.gender:
            errors["gender"] = _err(
                _(
                    "Không để trống giới tính: số CCCD của ông/bà đã được xác thực qua định danh "
                    "điện tử và được đối chiếu với giới tính."
                ),
                "gender_required",
            )

    cccd = normalize_cccd(str(merged.get("cccd") or ""))
    if profile.cccd_verified and crypto.lookup_hash(cccd) != profile.cccd_hash:
        # Verified through the electronic identity: only a new sign-in there changes it.
        errors["cccd"] = _err(
            _(
                "Số CCCD đã được xác thực qua định danh điện tử nên không sửa được ở đây. Nếu số "
                "CCCD của ông/bà đã thay đổi, hãy đăng nhập lại bằng tài khoản định danh điện tử "
                "để cập nhật."
            ),
            "cccd_verified",
        )
        cccd = profile.cccd
    elif cccd:
        try:
            cccd = validate_cccd(
                cccd,
                date_of_birth=dob if "date_of_birth" not in errors else None,
                gender=gender or None,
            )
        except ValidationError as e:
            errors["cccd"] = e
        else:
            # Only a verified number blocks others: a typed one may be anyone's (docs/security.md).
            clash = PersonProfile.objects.filter(
                cccd_hash=crypto.lookup_hash(cccd), cccd_verified_at__isnull=False
            ).exclude(user=user)
            if clash.exists():
                errors["cccd"] = _err(
                    _(
                        "Số CCCD này đã được xác thực qua định danh điện tử cho một tài khoản "
                        "khác. Nếu đây là số CCCD của ông/bà, hãy đăng nhập bằng tài khoản định "
                        "danh điện tử."
                    ),
                    "duplicate_cccd",
                )
    out["cccd"] = cccd

    phone = str(merged.get("phone") or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as e:
            errors["phone"] = e
        else:
            if (
                User.objects.filter(phone_hash=crypto.lookup_hash(phone))
                .exclude(pk=user.pk)
                .exists()
            ):
                errors["phone"] = _err(
                    _("Số điện thoại này đã được dùng cho một tài khoản khác."), "duplicate_phone"
                )
    out["phone"] = phone

    for kind in ADDRESS_KINDS:
        province = _as_int(merged.get(f"{kind}_province_code"))
        ward = _as_int(merged.get(f"{kind}_ward_code"))
        legacy = getattr(profile, f"{kind}_legacy_district", "")
        # An old record keeps its pre-2025 units until the person picks new ones.
        unchanged = province == getattr(profile, f"{kind}_province_code") and ward == getattr(
            profile, f"{kind}_ward_code"
        )
        try:
            validate_address(
                province_code=province, ward_code=ward, legacy_district=legacy if unchanged else ""
            )
        except ValidationError as e:
            field = f"{kind}_province_code" if e.code == "invalid_province" else f"{kind}_ward_code"
            errors[field] = e
        out[f"{kind}_province_code"] = province
        out[f"{kind}_ward_code"] = ward
        street = _text(merged.get(f"{kind}_street"))
        if len(street) > STREET_MAX:
            errors[f"{kind}_street"] = _err(
                _("Số nhà, đường phố dài tối đa %(n)s ký tự.") % {"n": STREET_MAX},
                "street_too_long",
            )
        out[f"{kind}_street"] = street
        if not unchanged:
            out[f"{kind}_legacy_district"] = ""
            out[f"{kind}_legacy_ward"] = ""

    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def update_profile(*, user: User, actor: User, data: dict[str, Any], request=None) -> PersonProfile:
    """Validate and save the person's own profile (name and phone on the account, the rest on the
    profile). Only the owner may change it. Side effects: one audit entry listing changed fields."""
    profile = PersonProfile.objects.select_for_update().filter(user=user).first() or PersonProfile(
        user=user
    )
    if actor.pk != user.pk:
        raise PermissionDenied
    before = _current_profile_values(user, profile)
    cleaned = clean_profile_data(user=user, profile=profile, data=data)
    changed = sorted(k for k in PROFILE_FIELDS if cleaned.get(k) != before.get(k))
    user.full_name = cleaned.pop("full_name")
    user.phone = cleaned.pop("phone")
    cccd = cleaned.pop("cccd")
    if crypto.lookup_hash(cccd) != profile.cccd_hash:
        profile.cccd = cccd  # unverified from now on
        profile.cccd_source = PersonProfile.CccdSource.PROFILE if cccd else ""
    for key, value in cleaned.items():
        setattr(profile, key, value)
    user.save(update_fields=["full_name", "phone_ciphertext", "phone_hash"])
    profile.save()
    audit_record(
        actor=actor,
        action="accounts.profile_updated",
        target=profile,
        changes={"fields": changed},
        request=request,
    )
    return profile


def verify_cccd_from_identity_provider(*, user: User, cccd: str, request=None) -> bool:
    """Record ``cccd``, as the national identity provider asserted it for ``user`` at sign-in, as the
    account's verified number (source ``identity_provider``; Decree 69/2024/NĐ-CP). It replaces what
    the profile held. The verified claim wins: the same number typed (unverified) on other accounts
    is removed from them — each removal audited (``accounts.cccd_claim_removed``, without the number)
    and the account's holder told. Refused (``False``, audited ``accounts.cccd_verification_refused``)
    when the number is malformed or already verified on another account; nothing changes then.
    ``True`` when the account holds the number verified afterwards. Idempotent."""

    try:
        cccd = validate_cccd(normalize_cccd(cccd or ""))
    except ValidationError:
        return False
    digest = crypto.lookup_hash(cccd)
    try:
        with transaction.atomic():
            return _verify_cccd(user=user, cccd=cccd, digest=digest, request=request)
    except IntegrityError:  # verified for another account at the same moment
        return False


def _verify_cccd(*, user: User, cccd: str, digest: str | None, request) -> bool:
    claims = list(
        PersonProfile.objects.select_for_update()
        .select_related("user")
        .filter(cccd_hash=digest)
        .order_by("pk")
    )
    if any(p.cccd_verified and p.user_id != user.pk for p in claims):
        audit_record(
            actor=user,
            action="accounts.cccd_verification_refused",
            target=user,
            changes={"reason": "verified_for_another_account"},
            request=request,
        )
        return False
    profile = PersonProfile.objects.select_for_update().filter(user=user).first() or PersonProfile(
        user=user
    )
    if profile.cccd_verified and profile.cccd_hash == digest:
        return True
    for other in claims:
        if other.user_id == user.pk:
            continue
        other.cccd = ""
        other.save(
            update_fields=["cccd_ciphertext", "cccd_hash", "cccd_source", "cccd_verified_at"]
        )
        audit_record(
            actor=None,
            action="accounts.cccd_claim_removed",
            target=other,
            changes={"fields": ["cccd"], "reason": "verified_for_another_account"},
            request=request,
        )
        notify(
            template="cccd_claim_removed",
            context={"name": other.user.full_name or other.user.email or ""},
            recipient=other.user,
        )
    replaced = bool(profile.cccd_hash) and profile.cccd_hash != digest
    profile.cccd = cccd
    profile.cccd_source = PersonProfile.CccdSource.IDENTITY_PROVIDER
    profile.cccd_verified_at = timezone.now()
    profile.save()
    user.profile = profile  # a profile cached on the user is now stale
    audit_record(
        actor=user,
        action="accounts.cccd_verified",
        target=profile,
        changes={"source": PersonProfile.CccdSource.IDENTITY_PROVIDER, "replaced": replaced},
        request=request,
    )
    return True


# --- Organisations ---------------------------------------------------------------------------------


def clean_organisation_data(
    *, data: dict[str, Any], instance: Organisation | None = None
) -> dict[str, Any]:
    errors: dict[str, ValidationError] = {}
    out: dict[str, Any] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = _err(_("Vui lòng nhập tên tổ chức."), "name_required")
    out["name"] = name[:300]
    try:
        tax = normalize_tax_code(str(data.get("tax_code") or ""))
    except ValidationError as e:
        errors["tax_code"] = e
    else:
        # Only a verified tax code is taken: one merely typed by someone else may not be theirs.
        clash = Organisation.objects.filter(tax_code=tax, verified_at__isnull=False)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["tax_code"] = _err(
                _(
                    "Tổ chức có mã số thuế này đã có trên Cổng; đề nghị người đại diện của tổ chức thêm bạn làm thành viên."
                ),
                "duplicate_tax_code",
            )
        out["tax_code"] = tax
    rep = " ".join(str(data.get("legal_representative") or "").split())
    if not rep:
        errors["legal_representative"] = _err(
            _("Vui lòng nhập người đại diện theo pháp luật."), "legal_representative_required"
        )
    out["legal_representative"] = rep[:200]
    province, ward = _as_int(data.get("province_code")), _as_int(data.get("ward_code"))
    try:
        validate_address(province_code=province, ward_code=ward)
    except ValidationError as e:
        errors["province_code" if e.code == "invalid_province" else "ward_code"] = e
    out.update(
        province_code=province,
        ward_code=ward,
        street=" ".join(str(data.get("street") or "").split())[:300],
    )
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_organisation(*, user: User, data: dict[str, Any], request=None) -> Organisation:
    """Register an organisation and make ``user`` its representative on the portal (the member who
    adds and removes members and verifies the tax code): an organisation added here always has one.
    Employees are added by a representative afterwards (``add_member``). Audited."""
    role = Membership.Role.REPRESENTATIVE
    cleaned = clean_organisation_data(data=data)
    if Membership.objects.filter(user=user, organisation__tax_code=cleaned["tax_code"]).exists():
        raise ValidationError(
            {
                "tax_code": _err(
                    _("Bạn đã là thành viên của tổ chức có mã số thuế này."), "already_member"
                )
            }
        )
    org = Organisation.objects.create(**cleaned)
    Membership.objects.create(organisation=org, user=user, role=role)
    audit_record(
        actor=user,
        action="accounts.organisation_created",
        target=org,
        changes={"role": role},
        request=request,
    )
    return org


def organisation_mark_verified(
    *, organisation: Organisation, user: User | None, data: dict[str, str], request=None
) -> Organisation:
    """Record that the national business registry names ``user`` (a member whose CCCD the electronic
    identity verified) as the legal representative of ``organisation``: verified now, its name and
    representative as the registry has them (``data``: ``name``, ``legal_representative``).
    Audited. ``registries.services.organisation_verify`` asks the registry; the demo seeds it."""
    before = {"name": organisation.name, "legal_representative": organisation.legal_representative}
    organisation.verified_at = timezone.now()
    organisation.verified_by = user
    organisation.name = " ".join(str(data.get("name") or organisation.name).split())[:300]
    organisation.legal_representative = " ".join(
        str(data.get("legal_representative") or organisation.legal_representative).split()
    )[:200]
    organisation.save(update_fields=["verified_at", "verified_by", "name", "legal_representative"])
    changed = {
        k: [v, getattr(organisation, k)] for k, v in before.items() if v != getattr(organisation, k)
    }
    audit_record(
        actor=user,
        action="accounts.organisation_verified",
        target=organisation,
        changes={"tax_code": organisation.tax_code, **changed},
        request=request,
    )
    return organisation


@transaction.atomic
def add_member(
    *, actor: User, organisation: Organisation, email: str, role: str, request=None
) -> Membership:
    """A representative adds a registered user (by email) to the organisation. Audited."""
    if not can_manage_organisation(actor, organisation):
        raise PermissionDenied
    errors: dict[str, ValidationError] = {}
    if role not in Membership.Role.values:
        errors["role"] = _err(_("Vai trò không hợp lệ."), "invalid_role")
    try:
        validate_email(email)
        member = User.objects.get(email__iexact=email.strip())
    except ValidationError:
        errors["email"] = _err(_("Địa chỉ email không hợp lệ."), "invalid_email")
    except User.DoesNotExist:
        errors["email"] = _err(
            _("Không có tài khoản nào dùng email này; người đó cần đăng ký trước."),
            "user_not_found",
        )
    else:
        if Membership.objects.filter(organisation=organisation, user=member).exists():
            errors["email"] = _err(_("Người này đã là thành viên của tổ chức."), "already_member")
    if errors:
        raise ValidationError(errors)
    m = Membership.objects.create(organisation=organisation, user=member, role=role)
    audit_record(
        actor=actor,
        action="accounts.member_added",
        target=organisation,
        changes={"user": str(member.public_id), "role": role},
        request=request,
    )
    return m


def _check_not_last_representative(membership: Membership) -> None:
    """Refuse to remove, or to make an employee, the organisation's last representative."""
    if membership.role != Membership.Role.REPRESENTATIVE:
        return
    reps = Membership.objects.filter(
        organisation_id=membership.organisation_id, role=Membership.Role.REPRESENTATIVE
    )
    if reps.count() <= 1:
        raise ValidationError(
            _("Tổ chức cần ít nhất một người đại diện."), code="last_representative"
        )


@transaction.atomic
def member_role_change(
    *, actor: User, membership: Membership, role: str, request=None
) -> Membership:
    """A representative changes a member's role: makes an authorised employee a representative (to
    hand the organisation over before leaving it or closing their account), or a representative an
    authorised employee while another representative remains. Audited."""
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    if not can_manage_organisation(actor, organisation):
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError({"role": _err(_("Vai trò không hợp lệ."), "invalid_role")})
    membership = Membership.objects.get(pk=membership.pk)
    if membership.role == role:
        return membership
    _check_not_last_representative(membership)
    before, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action="accounts.member_role_changed",
        target=organisation,
        changes={"user": str(membership.user.public_id), "role": [before, role]},
        request=request,
    )
    return membership


def organisations_only_represented_by(user: User) -> list[Organisation]:
    """The organisations whose only representative on the portal is ``user`` and that have other
    members: closing the account would leave them with nobody to manage their members."""
    rep = Membership.Role.REPRESENTATIVE
    return list(
        Organisation.objects.filter(memberships__user=user, memberships__role=rep)
        .annotate(
            others=Exists(
                Membership.objects.filter(organisation=OuterRef("pk")).exclude(user=user)
            ),
            other_reps=Exists(
                Membership.objects.filter(organisation=OuterRef("pk"), role=rep).exclude(user=user)
            ),
        )
        .filter(others=True, other_reps=False)
        .order_by("name")
    )


def _sole_representative_error(organisations: list[Organisation]) -> ValidationError:
    return ValidationError(
        _(
            "Tài khoản này là người đại diện duy nhất trên Cổng của: %(names)s. Hãy đổi vai trò của "
            "một thành viên khác thành người đại diện (trên trang của tổ chức) trước khi xóa tài khoản."
        )
        % {"names": ", ".join(o.name for o in organisations)},
        code="sole_representative",
    )


def has_representative(organisation: Organisation) -> bool:
    return Membership.objects.filter(
        organisation=organisation, role=Membership.Role.REPRESENTATIVE
    ).exists()


@transaction.atomic
def claim_representative(*, user: User, organisation: Organisation, request=None) -> Membership:
    """A member of an organisation that has no representative on the portal (one added before the
    person adding it always became its representative, or whose representative closed their
    account) takes that role, so that members can be managed and the tax code verified again.
    Only while the tax code is unverified: anyone may add an unverified organisation as its
    representative anyway, while a verified one is the registry's (its representative is restored by
    the support desk). Audited."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    membership = Membership.objects.filter(organisation=organisation, user=user).first()
    if membership is None:
        raise PermissionDenied
    if has_representative(organisation):
        raise ValidationError(
            _("Tổ chức đã có người đại diện; đề nghị người đại diện đổi vai trò cho bạn."),
            code="has_representative",
        )
    if organisation.verified:
        raise ValidationError(
            _(
                "Mã số thuế của tổ chức đã được xác thực; vui lòng liên hệ tổng đài hỗ trợ để "
                "khôi phục người đại diện."
            ),
            code="organisation_verified",
        )
    membership.role = Membership.Role.REPRESENTATIVE
    membership.save(update_fields=["role"])
    audit_record(
        actor=user,
        action="accounts.representative_claimed",
        target=organisation,
        changes={"user": str(user.public_id), "role": membership.role},
        request=request,
    )
    return membership


@transaction.atomic
def remove_member(*, actor: User, membership: Membership, request=None) -> None:
    """Representatives remove members; anyone may leave. The last representative cannot go. Audited."""
    org = membership.organisation
    if not (can_manage_organisation(actor, org) or membership.user_id == actor.pk):
        raise PermissionDenied
    _check_not_last_representative(membership)
    audit_record(
        actor=actor,
        action="accounts.member_removed",
        target=org,
        changes={"user": str(membership.user.public_id), "role": membership.role},
        request=request,
    )
    membership.delete()


# --- Personal data ---------------------------------------------------------------------------------


def reveal_personal_data(
    *, viewer: User, profile: PersonProfile, reason: str = "", request=None
) -> dict[str, str]:
    """The unmasked CCCD and phone. The owner sees them freely; staff must give a reason and each
    such read writes an audit entry (Regulation Art. 13.3)."""
    if not can_reveal_personal_data(viewer, profile):
        raise PermissionDenied
    if not is_owner(viewer, profile):
        reason = " ".join((reason or "").split())
        if len(reason) < 10:
            raise ValidationError(
                {
                    "reason": _err(
                        _("Vui lòng nêu lý do xem dữ liệu cá nhân (ít nhất 10 ký tự)."),
                        "reason_required",
                    )
                }
            )
        with transaction.atomic():
            audit_record(
                actor=viewer,
                action="accounts.personal_data_viewed",
                target=profile,
                changes={"reason": reason[:500], "fields": ["cccd", "phone"]},
                request=request,
            )
    return {"cccd": profile.cccd, "phone": profile.user.phone}


def search_persons(*, actor: User, query: str, request=None) -> list[PersonProfile]:
    """Staff lookup of a person by exact CCCD, phone or email. Side effect: an audit entry naming
    the kind of identifier and the number of matches (never the identifier itself)."""

    if not can_lookup_persons(actor):
        raise PermissionDenied
    results = find_persons(query=query)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="accounts.person_searched",
            target=None,
            changes={"kind": "email" if "@" in query else "number", "found": len(results)},
            request=request,
        )
    return results


def rotate_encryption_keys(*, batch_size: int = 500, progress=None) -> dict[str, int]:
    """Re-encrypt every stored CCCD and phone with the newest key (``progress(n)`` told of each row).
    Idempotent; audited once."""
    counts = {
        "phones": crypto.rotate_column(
            User.objects.all(), "phone_ciphertext", batch_size=batch_size, progress=progress
        ),
        "cccds": crypto.rotate_column(
            PersonProfile.objects.all(), "cccd_ciphertext", batch_size=batch_size, progress=progress
        ),
    }
    audit_record(actor=None, action="accounts.encryption_keys_rotated", target=None, changes=counts)
    return counts


# --- Sessions --------------------------------------------------------------------------------------


def user_language_set(*, user: User, language: str) -> bool:
    """Keep ``language`` (one of ``settings.LANGUAGES``) as the language of what the portal sends
    ``user``. Returns whether it changed; an unknown code changes nothing."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True


def record_session(
    *, user: User, session_key: str | None, ip_address: str | None, user_agent: str
) -> None:
    """Remember a signed-in browser so the user can see it and sign it out."""
    if not session_key:
        return
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "ip_address": ip_address or None,
            "user_agent": (user_agent or "")[:300],
            "last_seen_at": timezone.now(),
        },
    )


def forget_session(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def _session_store(key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=key)


@transaction.atomic
def sign_out_other_sessions(*, user: User, keep_session_key: str | None, request=None) -> int:
    """End every other signed-in session of the user. Returns how many. Audited."""
    others = list(UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""))
    for s in others:
        _session_store(s.session_key).delete()
    UserSession.objects.filter(pk__in=[s.pk for s in others]).delete()
    audit_record(
        actor=user,
        action="accounts.sessions_ended",
        target=user,
        changes={"count": len(others)},
        request=request,
    )
    return len(others)


# --- Deletion --------------------------------------------------------------------------------------


@transaction.atomic
def request_account_deletion(*, user: User, reason: str = "", request=None) -> DeletionRequest:
    """Record the request for an administrator. Audited. One pending request at a time."""
    if DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).exists():
        raise ValidationError(
            _("Bạn đã gửi yêu cầu xóa tài khoản và yêu cầu đang chờ xử lý."),
            code="deletion_already_requested",
        )
    if held := organisations_only_represented_by(user):
        raise _sole_representative_error(held)
    dr = DeletionRequest.objects.create(user=user, reason=(reason or "").strip()[:2000])
    audit_record(
        actor=user, action="accounts.deletion_requested", target=user, changes={}, request=request
    )
    return dr


@transaction.atomic
def handle_deletion_request(
    *, actor: User, deletion_request: DeletionRequest, approve: bool, note: str = "", request=None
) -> DeletionRequest:
    """An administrator approves (the account is closed and personal data erased; dossiers are kept
    as the archive rules require, under the person's name) or rejects the request. Audited."""

    if not can_handle_deletion_requests(actor):
        raise PermissionDenied
    dr = DeletionRequest.objects.select_for_update().get(pk=deletion_request.pk)
    if dr.status != DeletionRequest.Status.PENDING:
        raise ValidationError(_("Yêu cầu này đã được xử lý."), code="already_handled")
    if approve:
        user = dr.user
        # The person may have become an organisation's only representative since asking.
        if held := organisations_only_represented_by(user):
            raise _sole_representative_error(held)
        for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True):
            _session_store(key).delete()
        UserSession.objects.filter(user=user).delete()
        PersonProfile.objects.filter(user=user).delete()
        Membership.objects.filter(user=user).delete()
        user.phone = ""
        user.email = f"deleted-{user.public_id}@deleted.invalid"
        user.is_active = False
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        account_closed.send(sender=User, user=user, actor=actor, request=request)
    dr.status = DeletionRequest.Status.DONE if approve else DeletionRequest.Status.REJECTED
    dr.handled_at = timezone.now()
    dr.handled_by = actor
    dr.note = note.strip()[:2000]
    dr.save()
    audit_record(
        actor=actor,
        action="accounts.deletion_handled",
        target=dr.user,
        changes={"status": dr.status},
        request=request,
    )
    return dr


def send_welcome(*, user: User) -> None:
    """Queue the welcome message (email and in-app) after registration."""

    notify(template="welcome", context={"name": user.full_name or user.email or ""}, recipient=user)


def _counter_holder(cccd: str, phone: str) -> PersonProfile | None:
    """The account a counter or postal intake files into for the CCCD on the card the person shows:
    the account whose number was verified through the electronic identity; else one an officer made
    at an earlier intake with that number; else an account that typed the number and whose
    SMS-verified phone is the phone the person gives. A number merely typed on a profile is not
    enough: anyone may type anyone's, and the dossier (and its documents) would go to them."""

    claims = list(
        PersonProfile.objects.select_related("user")
        .filter(cccd_hash=crypto.lookup_hash(cccd))
        .order_by("pk")
    )
    for trusted in (
        lambda p: p.cccd_verified,
        lambda p: p.cccd_source == PersonProfile.CccdSource.COUNTER,
    ):
        found = next((p for p in claims if trusted(p)), None)
        if found is not None:
            return found
    try:
        phone_hash = crypto.lookup_hash(normalize_phone(phone or ""))
    except ValidationError:
        return None
    return next((p for p in claims if p.phone_verified and p.user.phone_hash == phone_hash), None)


def applicant_find_or_create(
    *,
    actor,
    cccd: str = "",
    tax_code: str = "",
    full_name: str = "",
    phone: str = "",
    organisation_name: str = "",
    request=None,
):
    """The applicant of a counter/postal dossier: a person found by CCCD (or created with it), and for
    a business the organisation found by tax code (or created). Returns ``(user, organisation|None)``.
    Creating a person or organisation is audited (under the intake's audit actions, as before)."""

    errors = []
    digits = normalize_cccd(cccd or "")
    if not (len(digits) == 12 and digits.isdigit()):
        errors.append({"path": "cccd", "message": _("Số CCCD phải gồm đúng 12 chữ số.")})
    tax = "".join(ch for ch in (tax_code or "") if ch.isdigit() or ch == "-").replace("-", "")
    if tax_code and len(tax) not in (10, 13):
        errors.append({"path": "tax_code", "message": _("Mã số thuế phải có 10 hoặc 13 chữ số.")})
    if errors:
        raise ProblemError(
            "validation_error", _("Thông tin người nộp chưa hợp lệ."), extra={"errors": errors}
        )
    with transaction.atomic():
        profile = _counter_holder(digits, phone)
        if profile is not None:
            user = profile.user
        else:
            missing = []
            if not (full_name or "").strip():
                missing.append({"path": "full_name", "message": _("Nhập họ và tên.")})
            try:
                normalised_phone = normalize_phone(phone or "")
            except ValidationError:
                normalised_phone = ""
                missing.append(
                    {"path": "phone", "message": _("Nhập số điện thoại liên hệ hợp lệ.")}
                )
            if missing:
                raise ProblemError(
                    "validation_error",
                    _(
                        "Chưa có người dùng với số CCCD này; hãy nhập họ và tên và số điện thoại liên hệ."
                    ),
                    extra={"errors": missing},
                )
            if User.objects.filter(phone_hash=crypto.lookup_hash(normalised_phone)).exists():
                raise ProblemError(
                    "validation_error",
                    _(
                        "Số điện thoại này đã thuộc một tài khoản khác. Nếu đó là tài khoản của người "
                        "nộp, người nộp cần xác thực số CCCD trên tài khoản (đăng nhập bằng định danh "
                        "điện tử) hoặc xác minh số điện thoại; nếu không, hãy nhập số điện thoại khác."
                    ),
                    extra={
                        "errors": [{"path": "phone", "message": _("Số điện thoại đã được dùng.")}]
                    },
                )
            user = User.objects.create_user(
                email=None, password=None, phone=normalised_phone, full_name=full_name.strip()
            )
            profile = PersonProfile(user=user)
            profile.cccd = digits
            profile.cccd_source = PersonProfile.CccdSource.COUNTER
            profile.save()
            audit_record(
                actor=actor,
                action="dossier.intake_person_created",
                target=user,
                changes={"cccd": crypto.mask(digits)},
                request=request,
            )
        organisation = None
        if tax:
            # The verified organisation, else one the applicant is a member of, else one made at an
            # earlier intake (no members): never one that someone else only typed the tax code of.
            organisation = (
                Organisation.objects.filter(tax_code=tax)
                .filter(
                    Q(verified_at__isnull=False)
                    | Q(memberships__user=user)
                    | Q(memberships__isnull=True)
                )
                .annotate(
                    mine=Exists(Membership.objects.filter(organisation=OuterRef("pk"), user=user))
                )
                .order_by(F("verified_at").asc(nulls_last=True), "-mine", "pk")
                .first()
            )
            if organisation is None:
                if not (organisation_name or "").strip():
                    raise ProblemError(
                        "validation_error",
                        _("Chưa có tổ chức với mã số thuế này; hãy nhập tên tổ chức."),
                        extra={
                            "errors": [
                                {"path": "organisation_name", "message": _("Nhập tên tổ chức.")}
                            ]
                        },
                    )
                organisation = Organisation.objects.create(
                    name=organisation_name.strip(),
                    tax_code=tax,
                    legal_representative=user.full_name,
                )
                audit_record(
                    actor=actor,
                    action="dossier.intake_organisation_created",
                    target=organisation,
                    changes={"tax_code": tax},
                    request=request,
                )
    return user, organisation
