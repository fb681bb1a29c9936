from __future__ import annotations

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model

from opendvc.agencies import demo as agencies_demo
from opendvc.agencies.models import Agency, StaffRole
from opendvc.catalog import demo as catalog_demo
from opendvc.catalog.models import Procedure
from opendvc.eforms import demo
from opendvc.eforms.engine import units
from opendvc.eforms.selectors import form_for_procedure


@pytest.fixture
def catalog(db):
    """Agencies and the 78 shipped procedures (imported and published)."""
    agencies_demo.seed()
    catalog_demo.seed()


@pytest.fixture
def eforms(catalog):
    """The shipped e-forms, saved and published."""
    demo.seed()


@pytest.fixture
def birth_procedure(eforms):
    return Procedure.objects.get(code="1.001193")


@pytest.fixture
def birth_version(birth_procedure):
    return form_for_procedure(procedure=birth_procedure)


@pytest.fixture
def applicant(db):
    return get_user_model().objects.create_user(
        email="nguoidan@example.vn", password="pw-Strong-123", full_name="Nguyễn Thị Hồng"
    )


@pytest.fixture
def admin_user(catalog):
    """An administrator with a TOTP authenticator (the builder needs the administrator role)."""
    user = get_user_model().objects.create_user(
        email="quantri@example.vn", password="pw-Strong-123", is_staff=True
    )
    StaffRole.objects.create(
        user=user,
        agency=Agency.objects.get(code="000.00.32.H19"),
        role=StaffRole.Role.ADMINISTRATOR,
    )
    TOTP.activate(user, generate_totp_secret())
    return user


def sign_in_with_mfa(client, user) -> None:
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "type": "totp", "at": now},
    ]
    session.save()


# A complete, valid birth registration (Đồng Nai = province 75; a ward of it is looked up in tests).
def birth_data(ward: int) -> dict:
    return {
        "agency": "UBND phường Trấn Biên",
        "requester_name": "Nguyễn Thị Hồng",
        "requester_id_number": "075190000123",
        "requester_address": {"province": 75, "ward": ward, "street": "12 Đường Võ Thị Sáu"},
        "requester_phone": "0912 345 678",
        "requester_relation": "Mẹ",
        "child_name": "Trần Minh Khôi",
        "child_birth_date": "05/09/2025",
        "child_gender": "male",
        "child_ethnicity": "Kinh",
        "child_nationality": "Việt Nam",
        "birth_place_kind": "health_facility",
        "birth_facility": "Bệnh viện Đa khoa Đồng Nai",
        "birth_place": {"province": 75, "ward": ward, "street": ""},
        "mother_name": "Nguyễn Thị Hồng",
        "mother_ethnicity": "Kinh",
        "mother_nationality": "Việt Nam",
        "father_known": False,
        "declaration": True,
    }


@pytest.fixture
def a_ward() -> int:
    _provinces, wards = units()
    return min(code for code, (_name, province) in wards.items() if province == 75)
