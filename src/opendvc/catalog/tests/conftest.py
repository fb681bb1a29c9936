from __future__ import annotations

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model

from opendvc.agencies import demo as agencies_demo
from opendvc.agencies.models import Agency, StaffRole
from opendvc.catalog import demo as catalog_demo


@pytest.fixture
def agencies(db):
    agencies_demo.seed()


@pytest.fixture
def catalog(agencies):
    """The 78 real procedures shipped with the portal, imported and published."""
    catalog_demo.seed()


@pytest.fixture
def record():
    """A minimal valid record of the import schema (fresh copy each time)."""
    return {
        "national_code": "1.999001",
        "name": "Thủ tục cấp giấy xác nhận thử nghiệm",
        "sector": "Bộ Tư pháp",
        "field": "Chứng thực",
        "tiers": ["xa"],
        "implementing_agency": "Ủy ban nhân dân cấp xã",
        "methods": [
            {
                "method": "direct",
                "time_amount": 2,
                "time_unit": "working_days",
                "time_text": "2 Ngày làm việc",
                "cutoff": "15:00",
                "fee_text": "Miễn phí",
            },
        ],
        "fee_items": [{"name": "Lệ phí", "amount_vnd": 0}],
        "components": [
            {"name": "Tờ khai", "originals": 1, "copies": 0, "required": True, "kind": "submit"}
        ],
        "steps": ["Nộp hồ sơ", "Nhận kết quả"],
        "applicants": ["individual"],
        "result": "Giấy xác nhận",
        "legal_basis": [
            {
                "number": "23/2015/NĐ-CP",
                "date": "2015-02-16",
                "issuer": "Chính phủ",
                "title": "Nghị định về cấp bản sao từ sổ gốc, chứng thực",
            }
        ],
        "source_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/1",
        "unverified_fields": ["conditions"],
    }


@pytest.fixture
def staff_user(agencies):
    """An officer of the provincial justice department with a TOTP authenticator."""
    user = get_user_model().objects.create_user(
        email="canbo@example.vn", password="pw-Strong-123", is_staff=True
    )
    StaffRole.objects.create(
        user=user,
        agency=Agency.objects.get(code="000.00.32.H19"),
        role=StaffRole.Role.ADMINISTRATOR,
    )
    TOTP.activate(user, generate_totp_secret())
    return user


def sign_in_with_mfa(client, user) -> None:
    """Sign in and record in the session that the second factor was used (as allauth does)."""
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "type": "totp", "at": now},
    ]
    session.save()
