from __future__ import annotations

import socket

import pytest
from allauth.mfa.models import Authenticator

from opendvc.accounts.tests.factories import AgencyFactory, TierFactory, UserFactory
from opendvc.agencies.models import StaffRole


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def staff(agency, role, **kw):
    user = UserFactory(**kw)
    user.is_staff = True
    user.save()
    StaffRole.objects.create(user=user, agency=agency, role=role)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def org(db):
    tier = TierFactory()
    province = AgencyFactory(code="000.00.00.H19", name="UBND tỉnh Đồng Nai", tier=tier)
    ict = AgencyFactory(
        code="000.00.15.H19", name="Sở Khoa học và Công nghệ", parent=province, tier=tier
    )
    return {
        "ict": staff(ict, StaffRole.Role.ICT_DEPARTMENT, full_name="Kỹ Thuật Viên"),
        "office": staff(province, StaffRole.Role.PROVINCE_OFFICE, full_name="Văn Phòng Tỉnh"),
        "focal": staff(ict, StaffRole.Role.FEEDBACK_FOCAL, full_name="Đầu Mối"),
        "citizen": UserFactory(full_name="Người Dân"),
    }
