"""Agencies are listed in Vietnamese alphabetical order wherever a list of them is shown (the choice
of agency on the forms, an officer's agencies, the reports), not in the order of code points, which
put "Ủy ban nhân dân …" after "Văn phòng …" and "Đài …" after "Xã …"."""

from __future__ import annotations

import pytest

from opendvc.accounts.tests.factories import (
    AgencyFactory,
    StaffRoleFactory,
    TierFactory,
    UserFactory,
)
from opendvc.agencies.models import Agency
from opendvc.agencies.selectors import visible_agencies
from opendvc.core.collation import sort_key

pytestmark = pytest.mark.django_db

IN_ORDER = [
    "Ban Quản lý các khu công nghiệp",
    "Công an tỉnh",
    "Đài Phát thanh và Truyền hình",
    "Sở Giao thông vận tải",
    "Sở Tư pháp",
    "Sở Y tế",
    "Ủy ban nhân dân phường Trấn Biên",
    "Văn phòng Đăng ký đất đai",
    "Xã Phú Lý",
]


@pytest.fixture
def agencies():
    tier = TierFactory()
    return [
        AgencyFactory(code=f"000.00.{n:02d}.H19", name=name, tier=tier)
        for n, name in enumerate(reversed(IN_ORDER), start=40)
    ]


def names(rows) -> list[str]:
    return [a.name for a in rows if a.name in IN_ORDER or a.name.startswith("Ủy ban")]


def test_the_sort_column_follows_the_name(agencies):
    agency = Agency.objects.get(name="Sở Y tế")
    assert agency.sort_name == sort_key("Sở Y tế")
    agency.name = "Ủy ban nhân dân xã An Viễn"
    agency.save(update_fields=["name"])
    agency.refresh_from_db()
    assert agency.sort_name == sort_key("Ủy ban nhân dân xã An Viễn")
    assert names(Agency.objects.order_by("sort_name", "code"))[-4:] == [
        "Ủy ban nhân dân phường Trấn Biên",
        "Ủy ban nhân dân xã An Viễn",
        "Văn phòng Đăng ký đất đai",
        "Xã Phú Lý",
    ]


def test_lists_of_agencies_are_in_vietnamese_order(agencies, client):
    assert names(Agency.objects.filter(tier=agencies[0].tier)) == IN_ORDER  # the model's order
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert names(visible_agencies(admin)) == IN_ORDER
    # An officer with roles in several agencies: their agencies, read from the roles, in order.
    officer = UserFactory(is_staff=True)
    for agency in agencies:
        StaffRoleFactory(user=officer, agency=agency)
    assert names(visible_agencies(officer)) == IN_ORDER
    # The pickup form offers every active agency when no procedure is named.
    client.force_login(UserFactory())
    html = client.get("/buu-chinh/thu-gom/").content.decode()
    positions = [html.index(f">{name}</option>") for name in IN_ORDER]
    assert positions == sorted(positions)
