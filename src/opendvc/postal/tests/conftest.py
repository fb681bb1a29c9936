"""Fixtures of the postal tests: the dossiers' fixtures (agencies, procedure, people in each role), a
postal worker of the justice department and one of another agency, and a running postal simulator."""

from __future__ import annotations

import pytest

from opendvc.dossiers.tests.conftest import (  # noqa: F401 - fixtures re-exported
    JUSTICE,
    OTHER,
    agencies,
    citizen,
    justice,
    png_bytes,
    procedure,
    sign_in,
    staff,
)

SECRET = "test-postal-secret"


def _named(role: str, name: str, agency: str = JUSTICE):
    user = staff(role, agency)
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def officer(agencies):  # noqa: F811
    return _named("receiving_officer", "Lê Thị Tiếp Nhận")


@pytest.fixture
def leader(agencies):  # noqa: F811
    return _named("leader", "Nguyễn Văn Lãnh Đạo")


@pytest.fixture
def postal(agencies):  # noqa: F811
    return _named("postal_operator", "Đỗ Văn Bưu Điện")


@pytest.fixture
def foreign_postal(agencies):  # noqa: F811
    return _named("postal_operator", "Trần Văn Bưu Tá", OTHER)


@pytest.fixture
def simulator(settings):
    from opendvc.postal.simulators import PostalSimulator

    sim = PostalSimulator(secret=SECRET).start()
    settings.POSTAL_API_URL = sim.url
    settings.POSTAL_WEBHOOK_SECRET = SECRET
    yield sim
    sim.stop()


def result_ready(procedure, citizen, officer, leader, *, channel="postal"):  # noqa: F811
    from opendvc.dossiers import services

    d = services.counter_intake(
        actor=officer,
        procedure=procedure,
        receiving_agency=procedure.agencies.get(),
        channel=channel,
        applicant=citizen,
    )
    d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    return services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")


def address(province="Đồng Nai"):
    from opendvc.postal.services import Address

    return Address("Nguyễn Thị Hoa", "0912345678", "12 Võ Thị Sáu, phường Trấn Biên", province)


def proof_png():
    from opendvc.dossiers.uploads import check_file

    return check_file(name="chu-ky.png", content=png_bytes())


def tomorrow_at(hour: int = 9):
    """Tomorrow at ``hour`` o'clock, Vietnam time: inside the post's pickup hours whenever the suite runs."""
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=1)
