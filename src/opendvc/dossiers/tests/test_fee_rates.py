"""A dossier is charged the reduced rate of a fee item when it is filed inside the rate's period (in
Vietnam's time), the full amount otherwise; an item without a rate is charged its amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from opendvc.catalog.models import FeeItem
from opendvc.dossiers import services
from opendvc.dossiers.payments import compute_fees, filed_on
from opendvc.worktime import VN_TZ

from .conftest import sign_in, submitted_dossier

D = dt.date


def identity_fees(procedure) -> tuple[FeeItem, FeeItem]:
    """1.014063 as published (50% from 01/7/2025 to 31/12/2026, Thông tư 64/2025/TT-BTC), and an item
    with no rate beside it."""
    card = FeeItem.objects.create(
        procedure=procedure, position=0, name="Lệ phí cấp đổi thẻ căn cước", amount_vnd=50_000, per="thẻ",
        note="Từ 01/7/2025 đến hết 31/12/2026 mức thu bằng 50% (Thông tư 64/2025/TT-BTC)",
        rate_percent=Decimal(50), rate_from=D(2025, 7, 1), rate_to=D(2026, 12, 31),
        rate_basis="Thông tư 64/2025/TT-BTC",
    )
    copy = FeeItem.objects.create(procedure=procedure, position=1, name="Phí sao lục", amount_vnd=15_000,
                                  per="bản")
    return card, copy


@pytest.mark.parametrize(
    ("filed", "card_amount"),
    [
        (dt.datetime(2025, 6, 30, 23, 30, tzinfo=VN_TZ), 50_000),  # the evening before the period
        (dt.datetime(2025, 7, 1, 0, 10, tzinfo=VN_TZ), 25_000),  # 30/6 17:10 UTC: already 1/7 in Hà Nội
        (dt.datetime(2026, 12, 5, 9, 0, tzinfo=VN_TZ), 25_000),
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=VN_TZ), 25_000),  # the last day
        (dt.datetime(2027, 1, 1, 0, 30, tzinfo=VN_TZ), 50_000),  # the first day after
    ],
)
def test_the_dossier_is_charged_the_rate_of_its_filing_day(procedure, citizen, filed, card_amount):
    card, copy = identity_fees(procedure)
    with time_machine.travel(filed, tick=False):
        dossier = submitted_dossier(procedure, citizen)
    # Priced later, as an officer does, the filing day still decides.
    lines, total = compute_fees(procedure=procedure, on=filed_on(dossier),
                                fees=[{"fee_item": card.pk, "quantity": 2}, {"fee_item": copy.pk}])
    assert [(line["unit_vnd"], line["amount_vnd"]) for line in lines] == [
        (card_amount, 2 * card_amount), (15_000, 15_000)]
    assert total == 2 * card_amount + 15_000


def test_the_officer_asks_for_the_reduced_fee(client, procedure, citizen, officer, processor):
    card, _copy = identity_fees(procedure)
    with time_machine.travel(dt.datetime(2026, 12, 4, 9, 0, tzinfo=VN_TZ), tick=False):  # a Friday
        d = submitted_dossier(procedure, citizen, channel="online")
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        services.dossier_act(action="forward", dossier=d, actor=officer)
        d = services.dossier_act(action="claim", dossier=d, actor=processor)
        sign_in(client, processor)
        assert "Lệ phí cấp đổi thẻ căn cước — 25.000 đồng/thẻ —" in client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
        d = services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                 fees=[{"fee_item": card.pk, "quantity": 1}])
    assert d.events.get(action="require_payment").data["total_vnd"] == 25_000
