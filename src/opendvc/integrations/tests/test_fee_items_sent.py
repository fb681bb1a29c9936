"""The fees sent with a dossier to the national portal (DongBoHoSoMC.DanhSachLePhi) and to the one-stop
software are the items in force on the dossier's filing day, at the amount charged that day (a reduced
rate included); an item whose period ended, or has not begun, is not sent. A free item is sent as 0,
one whose amount the source does not state without an amount (null), never as free."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from opendvc.catalog.models import FeeItem
from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import submitted_dossier
from opendvc.integrations.outbox import outbox_relay
from opendvc.worktime import VN_TZ

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def fees(procedure) -> dict[str, FeeItem]:
    items = {
        # 1.014063: 50% from 01/7/2025 to 31/12/2026 (Thông tư 64/2025/TT-BTC).
        "card": FeeItem(name="Lệ phí cấp đổi thẻ căn cước", amount_vnd=50_000, per="thẻ",
                        rate_percent=Decimal(50), rate_from=D(2025, 7, 1), rate_to=D(2026, 12, 31),
                        rate_basis="Thông tư 64/2025/TT-BTC"),
        # 3.000347: a reduced online fee until 31/12/2025.
        "online": FeeItem(name="Lệ phí – nộp trực tuyến (01/12/2023–31/12/2025)", amount_vnd=115_000,
                          per="lần", valid_from=D(2023, 12, 1), valid_to=D(2025, 12, 31)),
        "later": FeeItem(name="Lệ phí mới", amount_vnd=30_000, per="lần", valid_from=D(2027, 1, 1)),
        "copy": FeeItem(name="Phí sao lục", amount_vnd=15_000, per="bản"),
        "free": FeeItem(name="Lệ phí cấp lần đầu", amount_vnd=0),
        "business": FeeItem(name="Lệ phí đăng ký doanh nghiệp", amount_vnd=None,
                            note="Bằng 50% mức thu lệ phí quy định tại điểm 1 Biểu phí …"),
    }
    for position, item in enumerate(items.values()):
        item.procedure, item.position = procedure, position
        item.save()
    return items


def national_fees(national, procedure, citizen, filed: dt.datetime) -> dict[str, int]:
    with time_machine.travel(filed, tick=False):
        dossier = submitted_dossier(procedure, citizen)
    with time_machine.travel(filed + dt.timedelta(minutes=1)):  # messages are not relayed before they are due
        assert outbox_relay(budget_seconds=5).failed == 0
    return {f["TenPhiLePhi"]: f["SoTien"] for f in national.dossiers[dossier.code]["DanhSachLePhi"]}


@pytest.mark.parametrize(
    ("filed", "sent"),
    [
        (dt.datetime(2025, 6, 30, 9, tzinfo=VN_TZ),
         {"card": 50_000, "online": 115_000, "copy": 15_000, "free": 0, "business": None}),
        (dt.datetime(2026, 12, 4, 9, tzinfo=VN_TZ), {"card": 25_000, "copy": 15_000, "free": 0, "business": None}),
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=VN_TZ), {"card": 25_000, "copy": 15_000, "free": 0, "business": None}),
        (dt.datetime(2027, 1, 1, 0, 30, tzinfo=VN_TZ),
         {"card": 50_000, "later": 30_000, "copy": 15_000, "free": 0, "business": None}),
    ],
)
def test_the_national_portal_gets_the_fees_of_the_filing_day(national, procedure, citizen, fees, filed, sent):
    expected = {fees[key].name: amount for key, amount in sent.items()}
    assert national_fees(national, procedure, citizen, filed) == expected


def test_the_one_stop_software_gets_the_fees_of_the_filing_day(onestop, procedure, citizen, officer, fees):
    # Filed on the last day of the reduced rate, received the next working day: the filing day decides.
    with time_machine.travel(dt.datetime(2026, 12, 31, 16, 0, tzinfo=VN_TZ), tick=False):
        dossier = submitted_dossier(procedure, citizen)
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=VN_TZ), tick=False):
        dossier = dossier_act(dossier=dossier, action="receive", actor=officer)
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 1, tzinfo=VN_TZ)):
        assert outbox_relay(budget_seconds=5).delivered == 1
    sent = onestop.dossiers[dossier.code]["fees"]
    assert sent == [
        {"name": fees["card"].name, "amount_vnd": 25_000, "per": "thẻ"},
        {"name": fees["copy"].name, "amount_vnd": 15_000, "per": "bản"},
        {"name": fees["free"].name, "amount_vnd": 0, "per": ""},
        # The source states no amount: none is invented.
        {"name": fees["business"].name, "amount_vnd": None, "per": ""},
    ]
