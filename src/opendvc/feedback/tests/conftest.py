from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator

from opendvc.accounts.tests.factories import AgencyFactory, TierFactory, UserFactory
from opendvc.agencies.models import StaffRole
from opendvc.feedback.models import Channel
from opendvc.feedback.services import feedback_create

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A Monday at 08:00 in Vietnam, no holiday that week.
MONDAY = dt.datetime(2026, 11, 30, 8, 0, tzinfo=VN)


def staff(agency, role, **kw):
    user = UserFactory(**kw)
    user.is_staff = True
    user.save()
    StaffRole.objects.create(user=user, agency=agency, role=role)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db):
    tinh = TierFactory()
    province = AgencyFactory(code="000.00.00.H19", name="UBND tỉnh Đồng Nai", tier=tinh)
    dept = AgencyFactory(
        code="000.00.32.H19",
        name="Sở Tư pháp tỉnh Đồng Nai",
        short_name="Sở Tư pháp",
        parent=province,
        tier=tinh,
    )
    other = AgencyFactory(
        code="000.00.33.H19", name="Sở Xây dựng tỉnh Đồng Nai", parent=province, tier=tinh
    )
    return {
        "province": province,
        "dept": dept,
        "other": other,
        "switchboard": staff(province, StaffRole.Role.SWITCHBOARD, full_name="Tổng Đài Viên"),
        "focal": staff(dept, StaffRole.Role.FEEDBACK_FOCAL, full_name="Đầu Mối Sở"),
        "head": staff(dept, StaffRole.Role.HEAD, full_name="Giám Đốc Sở"),
        "other_focal": staff(other, StaffRole.Role.FEEDBACK_FOCAL),
        "citizen": UserFactory(full_name="Phạm Văn Dân"),
    }


@pytest.fixture
def make_item(org):
    def make(**kw):
        defaults = {
            "channel": Channel.WEB,
            "subject": "Chậm trả kết quả",
            "content": "Hồ sơ của tôi bị chậm.",
            "sender": org["citizen"],
        }
        defaults.update(kw)
        return feedback_create(**defaults)

    return make
