"""Fixtures: one published level-3 procedure received by the justice department, people in each role."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from opendvc.accounts.tests.factories import MembershipFactory, UserFactory
from opendvc.core.tests.s3server import bucket, s3_endpoint  # noqa: F401 - fixtures of the S3 tests

JUSTICE = "000.00.32.H19"
OTHER = "000.00.00.H19"


def make_procedure(*, code="1.001193", level=3, components=(("Tờ khai đăng ký khai sinh", True),
                                                              ("Giấy chứng sinh", True),
                                                              ("Giấy tờ khác", False)),
                   time_amount=3, time_unit="working_days", agencies=(JUSTICE,)):
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import Component, Field, Procedure, ProcedureMethod, Sector
    from opendvc.catalog.services import publish_procedure

    sector, _ = Sector.objects.get_or_create(code="tu-phap", defaults={"name": "Tư pháp"})
    field, _ = Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch", "sector": sector})
    p = Procedure.objects.create(code=code, name="Đăng ký khai sinh", sector=sector, field=field, level=level,
                                 level_source=Procedure.LevelSource.SOURCE, has_online=True,
                                 methods_available=["online", "direct"])
    for i, (name, required) in enumerate(components):
        Component.objects.create(procedure=p, position=i, name=name, required=required, originals=1)
    for i, method in enumerate(("online", "direct", "postal")):
        ProcedureMethod.objects.create(procedure=p, position=i, method=method, time_amount=time_amount,
                                       time_unit=time_unit if time_amount is not None else "",
                                       time_text=f"{time_amount} ngày làm việc")
    p.agencies.set(Agency.objects.filter(code__in=agencies))
    publish_procedure(procedure=p, actor=None)
    p.refresh_from_db()
    return p


@pytest.fixture
def agencies(db):
    from opendvc.agencies import demo

    demo.seed()


@pytest.fixture
def procedure(agencies):
    return make_procedure()


@pytest.fixture
def justice(agencies):
    from opendvc.agencies.models import Agency

    return Agency.objects.get(code=JUSTICE)


@pytest.fixture
def other_agency(agencies):
    from opendvc.agencies.models import Agency

    return Agency.objects.get(code=OTHER)


def staff(role: str, agency_code: str = JUSTICE, *, mfa: bool = True):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from opendvc.agencies.models import Agency, StaffRole

    user = UserFactory(is_staff=True, full_name=f"Cán bộ {role}")
    StaffRole.objects.create(user=user, agency=Agency.objects.get(code=agency_code), role=role)
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def citizen(db):
    return UserFactory(full_name="Nguyễn Thị Hoa")


@pytest.fixture
def stranger(db):
    return UserFactory(full_name="Trần Văn Lạ")


@pytest.fixture
def officer(agencies):
    return staff("receiving_officer")


@pytest.fixture
def officer2(agencies):
    return staff("receiving_officer")


@pytest.fixture
def processor(agencies):
    return staff("processing_officer")


@pytest.fixture
def leader(agencies):
    return staff("leader")


@pytest.fixture
def postal(agencies):
    return staff("postal_operator")


@pytest.fixture
def foreign_officer(agencies):
    return staff("receiving_officer", OTHER)


@pytest.fixture
def member(db):
    return MembershipFactory()


def sign_in(client, user) -> None:
    """Sign in and record the second factor in the session (as allauth does)."""
    import time

    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "type": "totp", "at": now},
    ]
    session.save()


# --- files -------------------------------------------------------------------------------------

def pdf_bytes(text: str = "Giấy chứng sinh") -> bytes:
    """A small valid PDF made by WeasyPrint."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


_PDF_CACHE: dict[str, bytes] = {}


def small_pdf() -> bytes:
    if "pdf" not in _PDF_CACHE:
        _PDF_CACHE["pdf"] = pdf_bytes()
    return _PDF_CACHE["pdf"]


def png_bytes(size=(20, 20)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def checked_pdf(name: str = "giay-chung-sinh.pdf"):
    from opendvc.dossiers.uploads import check_file

    return check_file(name=name, content=small_pdf())


def submitted_dossier(procedure, citizen, *, channel="online", agency=None):
    """A dossier filed online by ``citizen`` with every required component attached."""
    from opendvc.agencies.models import Agency
    from opendvc.dossiers import services

    agency = agency or Agency.objects.get(code=JUSTICE)
    d = services.dossier_create_draft(applicant=citizen, procedure=procedure, receiving_agency=agency, actor=citizen,
                                      channel=channel)
    comps = list(procedure.components.filter(required=True))
    services.dossier_update_draft(dossier=d, actor=citizen, add_files=[(c, checked_pdf()) for c in comps])
    return services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)


def working_instant() -> datetime:
    """A Tuesday 09:00 in Hồ Chí Minh time (inside office hours)."""
    from opendvc.worktime import VN_TZ

    return datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)


def complete_profile(user, *, cccd: str = "075090001234", province: int = 75):
    """Give ``user`` every profile item an e-form may take from the profile (Regulation Art. 14.3)."""
    import datetime as dt

    from opendvc.accounts.models import PersonProfile
    from opendvc.eforms.engine import units

    _provinces, wards = units()
    ward = min(code for code, (_name, p) in wards.items() if p == province)
    user.phone = "0912345678"
    user.save()
    profile, _created = PersonProfile.objects.get_or_create(user=user)
    profile.date_of_birth = dt.date(1990, 5, 17)
    profile.gender = PersonProfile.Gender.MALE
    profile.cccd = cccd
    for kind in ("permanent", "current"):
        setattr(profile, f"{kind}_province_code", province)
        setattr(profile, f"{kind}_ward_code", ward)
        setattr(profile, f"{kind}_street", "12 Lê Lợi")
    profile.save()
    return profile
