"""Demo accounts: one staff user per role (TOTP pre-enrolled) and two citizens with an organisation;
the citizens' CCCD is seeded as verified through the national electronic identity.

Everything here is public demo data, listed in docs/demo-accounts.md. The shared password and the
TOTP secrets are deterministic so the documentation can state them; ``manage.py demo_totp EMAIL``
prints the current code. Never load this into a production database.
"""

from __future__ import annotations

import base64
import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.services import grant_role

from . import services
from .models import Membership, Organisation, PersonProfile, User

DEMO_PASSWORD = "DemoOpenDVC@2025"
DOMAIN = "demo.opendvc.vn"

PROVINCE = "000.00.00.H19"
JUSTICE = "000.00.32.H19"  # Sở Tư pháp
SCIENCE = "000.00.40.H19"  # Sở Khoa học và Công nghệ (the ICT department role)

# (email local part, full name, role, agency code)
STAFF = [
    ("receiving_officer", "Lê Thị Tiếp Nhận", StaffRole.Role.RECEIVING_OFFICER, JUSTICE),
    ("processing_officer", "Phạm Văn Xử Lý", StaffRole.Role.PROCESSING_OFFICER, JUSTICE),
    ("leader", "Nguyễn Văn Lãnh Đạo", StaffRole.Role.LEADER, JUSTICE),
    ("head", "Trần Thị Giám Đốc", StaffRole.Role.HEAD, JUSTICE),
    ("feedback_focal", "Võ Văn Phản Ánh", StaffRole.Role.FEEDBACK_FOCAL, JUSTICE),
    ("switchboard", "Đặng Thị Tổng Đài", StaffRole.Role.SWITCHBOARD, PROVINCE),
    ("province_office", "Hoàng Văn Văn Phòng", StaffRole.Role.PROVINCE_OFFICE, PROVINCE),
    ("ict_department", "Bùi Thị Công Nghệ", StaffRole.Role.ICT_DEPARTMENT, SCIENCE),
    ("postal_operator", "Đỗ Văn Bưu Điện", StaffRole.Role.POSTAL_OPERATOR, PROVINCE),
    ("administrator", "Quản Trị Hệ Thống", StaffRole.Role.ADMINISTRATOR, PROVINCE),
]

CITIZENS = [
    {
        "email": f"citizen1@{DOMAIN}",
        "profile": {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "15/04/1990",
            "gender": "male",
            "cccd": "075090001234",
            "phone": "0912000001",
            "permanent_province_code": 75,
            "permanent_ward_code": 26068,
            "permanent_street": "12 Võ Thị Sáu",
            "current_province_code": 75,
            "current_ward_code": 26068,
            "current_street": "12 Võ Thị Sáu",
        },
    },
    {
        "email": f"citizen2@{DOMAIN}",
        "profile": {
            "full_name": "Trần Thị Bình",
            "date_of_birth": "20/10/2001",
            "gender": "female",
            "cccd": "075301004567",
            "phone": "0987000002",
            "permanent_province_code": 75,
            "permanent_ward_code": 26041,
            "permanent_street": "45 Phạm Văn Thuận",
            "current_province_code": 79,
            "current_ward_code": 26740,
            "current_street": "8 Lê Lợi",
        },
    },
]

ORGANISATION = {
    "name": "Công ty TNHH Dịch vụ Demo Đồng Nai",
    "tax_code": "3603999001",
    "legal_representative": "Trần Thị Bình",
    "province_code": 75,
    "ward_code": 26041,
    "street": "45 Phạm Văn Thuận",
}


def totp_secret_for(email: str) -> str:
    """A fixed base32 secret per demo account, so docs/demo-accounts.md can state it."""
    digest = hashlib.sha256(f"opendvc-demo-totp:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def _user(email: str, full_name: str, *, staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, full_name=full_name, is_staff=staff
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed(stdout=None) -> None:
    agencies = {a.code: a for a in Agency.objects.filter(code__in={PROVINCE, JUSTICE, SCIENCE})}
    for local, name, role, agency_code in STAFF:
        email = f"{local.replace('_', '-')}@{DOMAIN}"
        user = _user(email, name, staff=True)
        agency = agencies.get(agency_code)
        if (
            agency is not None
            and not StaffRole.objects.filter(
                user=user, agency=agency, role=role, is_active=True
            ).exists()
        ):
            grant_role(actor=None, user=user, agency=agency, role=role)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, totp_secret_for(email))
            RecoveryCodes.activate(user)
    people = []
    for entry in CITIZENS:
        user = _user(entry["email"], entry["profile"]["full_name"])
        if not PersonProfile.objects.filter(user=user, cccd_hash__isnull=False).exists():
            services.update_profile(user=user, actor=user, data=entry["profile"])
        # They stand for citizens who signed in through the national electronic identity: their
        # CCCD is seeded as verified by it (the population database prefill needs that).
        services.verify_cccd_from_identity_provider(user=user, cccd=entry["profile"]["cccd"])
        people.append(user)
    org = Organisation.objects.filter(tax_code=ORGANISATION["tax_code"]).first()
    if org is None:
        org = services.create_organisation(user=people[1], data=ORGANISATION)
    Membership.objects.get_or_create(
        organisation=org, user=people[0], defaults={"role": Membership.Role.AUTHORISED_STAFF}
    )
    # It stands for an organisation whose representative verified its tax code against the national
    # business registry (the registry's simulator holds it, with citizen2 as its representative).
    if not org.verified:
        services.organisation_mark_verified(
            organisation=org, user=people[1], data={"name": org.name, "legal_representative": org.legal_representative}
        )
    if stdout:
        stdout.write(
            f"  {len(STAFF)} cán bộ demo, {len(CITIZENS)} công dân demo (số CCCD ghi là đã xác thực qua "
            f"định danh điện tử), 1 tổ chức (mã số thuế đã xác thực; mật khẩu: {DEMO_PASSWORD})"
        )
