"""A fee item priced for a period is charged only to dossiers filed within it (``compute_fees`` with
the filing day); outside it the general item applies, or the amount is not stated."""

from __future__ import annotations

import datetime as dt

import pytest

from opendvc.catalog.models import FeeItem
from opendvc.core.problems import ProblemError
from opendvc.dossiers.payments import compute_fees, filed_on

D = dt.date


def licence_fees(procedure) -> tuple[FeeItem, FeeItem]:
    """3.000347 as published: the general fee and a reduced online fee until 31/12/2025."""
    general = FeeItem.objects.create(procedure=procedure, position=0, name="Lệ phí cấp giấy phép lái xe",
                                     amount_vnd=135_000, per="lần")
    online = FeeItem.objects.create(
        procedure=procedure, position=1, amount_vnd=115_000, per="lần cấp", methods=["online"],
        name="Lệ phí cấp giấy phép lái xe – nộp trực tuyến (01/12/2023–31/12/2025)",
        valid_from=D(2023, 12, 1), valid_to=D(2025, 12, 31),
    )
    return general, online


def charged(procedure, item, on) -> int:
    return compute_fees(procedure=procedure, fees=[{"fee_item": item.pk, "quantity": 1}], on=on)[1]


def refusal(procedure, item, on) -> str:
    with pytest.raises(ProblemError) as caught:
        compute_fees(procedure=procedure, fees=[{"fee_item": item.pk}], on=on)
    return caught.value.extra["errors"][0]["message"]


def test_the_reduced_online_fee_applies_until_its_last_day_only(procedure):
    general, online = licence_fees(procedure)
    assert charged(procedure, online, D(2023, 12, 1)) == 115_000
    assert charged(procedure, online, D(2025, 12, 31)) == 115_000
    # From 01/01/2026 the reduced amount is not charged: the general fee applies.
    assert "đã hết hiệu lực từ 01/01/2026" in refusal(procedure, online, D(2026, 1, 1))
    assert "01/01/2026" in refusal(procedure, online, D(2026, 12, 5))
    assert charged(procedure, general, D(2026, 12, 5)) == 135_000
    # Before its first day either.
    assert "chưa áp dụng" in refusal(procedure, online, D(2023, 11, 30))


def test_an_item_past_its_period_has_no_stated_amount(procedure):
    # An item whose own period ends, with no other item: the source states no amount after it.
    card = FeeItem.objects.create(procedure=procedure, name="Lệ phí cấp đổi thẻ (01/7/2025–31/12/2026)",
                                  amount_vnd=50_000,
                                  per="thẻ", methods=["direct", "online"],
                                  valid_from=D(2025, 7, 1), valid_to=D(2026, 12, 31))
    assert charged(procedure, card, D(2026, 12, 31)) == 50_000
    assert "nhập số tiền" in refusal(procedure, card, D(2027, 1, 1))
    # As for an item the source does not price, the officer types the amount.
    lines, total = compute_fees(procedure=procedure, fees=[{"fee_item": card.pk, "amount_vnd": "60000"}],
                                on=D(2027, 1, 1))
    assert total == 60_000 and lines[0]["unit_vnd"] == 60_000


def test_the_filing_day_is_the_submission_day_in_vietnam(procedure):
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    # 31/12/2025 17:30 UTC is 01/01/2026 00:30 in Hà Nội.
    late = SimpleNamespace(submitted_at=dt.datetime(2025, 12, 31, 17, 30, tzinfo=ZoneInfo("UTC")))
    assert filed_on(late) == D(2026, 1, 1)
    early = SimpleNamespace(submitted_at=dt.datetime(2025, 12, 31, 16, 59, tzinfo=ZoneInfo("UTC")))
    assert filed_on(early) == D(2025, 12, 31)


def test_a_dossier_filed_online_after_the_period_is_asked_the_general_fee(client, procedure, citizen, officer,
                                                                         processor):
    import time_machine

    from opendvc.dossiers import services

    from .conftest import sign_in, submitted_dossier
    from .test_appointments import TUESDAY_9

    general, online = licence_fees(procedure)
    with time_machine.travel(TUESDAY_9, tick=False):  # 10/03/2026
        d = submitted_dossier(procedure, citizen, channel="online")
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        services.dossier_act(action="forward", dossier=d, actor=officer)
        d = services.dossier_act(action="claim", dossier=d, actor=processor)
        sign_in(client, processor)
        html = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
        assert "Lệ phí cấp giấy phép lái xe — 135.000 đồng/lần —" in html
        assert "chưa có mức thu (đã hết hiệu lực từ 01/01/2026)" in html and f'name="muc-thu-{online.pk}"' in html
        assert "115.000" not in html
        with pytest.raises(ProblemError):
            services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                 fees=[{"fee_item": online.pk, "quantity": 1}])
        d = services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                 fees=[{"fee_item": general.pk, "quantity": 1}])
    assert d.events.get(action="require_payment").data["total_vnd"] == 135_000
