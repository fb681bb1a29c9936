"""API of the signed-in user's own account: /api/v1/accounts/…

Errors are problem+json: a field error answers 422 with the ``code`` of the first invalid field
(``invalid_cccd``, ``invalid_phone``, ``dob_in_future``, ``cccd_verified``…; ``duplicate_cccd`` and
``duplicate_phone`` answer 409) and ``errors`` listing every invalid field with its own code and
Vietnamese message. Nothing is saved unless all is valid. A CCCD verified through the national
electronic identity cannot be changed (``cccd_verified``); one verified for another account cannot
be typed (``duplicate_cccd``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Router, Schema

from opendvc.api.auth import require_scope
from opendvc.api.schemas import problems
from opendvc.core.problems import ProblemError

from . import selectors, services
from .permissions import is_owner

router = Router(tags=["Tài khoản"])


class AddressOut(Schema):
    province_code: int | None
    ward_code: int | None
    street: str
    legacy_district: str
    legacy_ward: str
    text: str


class ProfileOut(Schema):
    public_id: str
    email: str | None
    full_name: str
    phone: str
    date_of_birth: str | None
    gender: str
    cccd: str
    # Verified only when the number came from the national electronic identity (a sign-in through
    # the identity provider); a verified number cannot be changed here (422 ``cccd_verified``).
    cccd_verified: bool
    cccd_verified_at: str | None
    cccd_source: str
    permanent_address: AddressOut
    current_address: AddressOut
    is_complete: bool


class ProfileIn(Schema):
    full_name: str | None = None
    phone: str | None = None
    date_of_birth: str | None = None
    gender: str | None = None
    cccd: str | None = None
    permanent_province_code: int | None = None
    permanent_ward_code: int | None = None
    permanent_street: str | None = None
    current_province_code: int | None = None
    current_ward_code: int | None = None
    current_street: str | None = None


class OrganisationOut(Schema):
    public_id: str
    name: str
    tax_code: str
    # The business registry names a member verified by the electronic identity as its legal
    # representative (POST /accounts/organisations/{public_id}/verification).
    tax_code_verified: bool
    role: str
    legal_representative: str
    address: str


def _address(profile, kind: str) -> AddressOut:
    return AddressOut(
        province_code=getattr(profile, f"{kind}_province_code"),
        ward_code=getattr(profile, f"{kind}_ward_code"),
        street=getattr(profile, f"{kind}_street"),
        legacy_district=getattr(profile, f"{kind}_legacy_district"),
        legacy_ward=getattr(profile, f"{kind}_legacy_ward"),
        text=profile.address_text(kind) if profile else "",
    )


def _profile_out(user) -> ProfileOut:
    profile = selectors.profile_of(user)
    return ProfileOut(
        public_id=str(profile.public_id) if profile.pk else "",
        email=user.email,
        full_name=user.full_name,
        phone=user.phone,
        date_of_birth=profile.date_of_birth.isoformat() if profile.date_of_birth else None,
        gender=profile.gender,
        cccd=profile.cccd,
        cccd_verified=profile.cccd_verified,
        cccd_verified_at=profile.cccd_verified_at.isoformat() if profile.cccd_verified else None,
        cccd_source=profile.cccd_source,
        permanent_address=_address(profile, "permanent"),
        current_address=_address(profile, "current"),
        is_complete=profile.is_complete if profile.pk else False,
    )


def validation_problem(exc: ValidationError) -> ProblemError:
    """One problem for a service's ``ValidationError``: first field's code, every field listed."""
    errors = []
    if hasattr(exc, "error_dict"):
        for field, items in exc.error_dict.items():
            for item in items:
                errors.append(
                    {
                        "field": field,
                        "code": item.code or "invalid",
                        "detail": " ".join(item.messages),
                        # The keys every other endpoint's errors have (path, message), beside these.
                        "path": field,
                        "message": " ".join(item.messages),
                    }
                )
    else:
        for item in exc.error_list:
            errors.append(
                {
                    "field": None,
                    "code": item.code or "invalid",
                    "detail": " ".join(item.messages),
                    "path": "",
                    "message": " ".join(item.messages),
                }
            )
    first = errors[0] if errors else {"code": "validation_error", "detail": _("Dữ liệu không hợp lệ.")}
    status = 409 if first["code"].startswith("duplicate_") else 422
    return ProblemError(
        first["code"],
        first["detail"],
        status=status,
        title=gettext_noop("Dữ liệu không hợp lệ"),
        extra={"errors": errors},
    )


@router.get("/profile", response=ProfileOut, summary="Thông tin cá nhân của người đang đăng nhập")
def get_profile(request):
    require_scope(request, "read")
    return _profile_out(request.user)


@router.put(
    "/profile",
    response={200: ProfileOut, **problems(409, 422)},
    summary="Cập nhật thông tin cá nhân",
)
def put_profile(request, payload: ProfileIn):
    require_scope(request, "accounts:write")
    data = payload.dict(exclude_unset=True)
    try:
        services.update_profile(user=request.user, actor=request.user, data=data, request=request)
    except ValidationError as exc:
        raise validation_problem(exc) from None
    request.user.refresh_from_db()
    return _profile_out(request.user)


class PersonOut(Schema):
    public_id: str
    full_name: str
    date_of_birth: str | None
    gender: str
    cccd: str
    cccd_verified: bool
    phone: str
    masked: bool


@router.get(
    "/profiles/{uuid:public_id}",
    response={200: PersonOut, **problems(404)},
    summary="Hồ sơ cá nhân theo mã công khai",
)
def get_person(request, public_id):
    """The owner sees their own profile in full; staff whose role serves applicants see it masked
    (the unmasked values need a reason, on the back-office page). Anyone else: 404."""
    require_scope(request, "read")
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    owner = is_owner(request.user, profile)
    return PersonOut(
        public_id=str(profile.public_id),
        full_name=profile.user.full_name,
        date_of_birth=profile.date_of_birth.isoformat() if profile.date_of_birth else None,
        gender=profile.gender,
        cccd=profile.cccd if owner else profile.cccd_masked,
        cccd_verified=profile.cccd_verified,
        phone=profile.user.phone if owner else profile.user.phone_masked,
        masked=not owner,
    )


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    summary="Các tổ chức mà người dùng được nhân danh",
)
def list_organisations(request):
    require_scope(request, "read")
    return [
        OrganisationOut(
            public_id=str(m.organisation.public_id),
            name=m.organisation.name,
            tax_code=m.organisation.tax_code,
            tax_code_verified=m.organisation.verified,
            role=m.role,
            legal_representative=m.organisation.legal_representative,
            address=m.organisation.address,
        )
        for m in selectors.memberships_of(request.user)
    ]
