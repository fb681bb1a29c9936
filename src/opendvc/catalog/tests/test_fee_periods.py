"""The period of a fee item: read from the source's words, used for what a filing is charged, shown on
the procedure page and in the API."""

import datetime as dt
import json

import pytest

from opendvc.catalog.demo import DATA_FILE
from opendvc.catalog.fees import fee_items_in_force, fee_period
from opendvc.catalog.models import FeeItem
from opendvc.catalog.schema import check_record

D = dt.date


@pytest.mark.parametrize(
    ("name", "note", "period"),
    [
        # 3.000347, 3.000348: the name's bracketed range.
        ("Lệ phí cấp giấy phép lái xe – nộp trực tuyến (01/12/2023–31/12/2025)", "",
         (D(2023, 12, 1), D(2025, 12, 31))),
        ("Lệ phí (1/7/2024 - 30/6/2025)", None, (D(2024, 7, 1), D(2025, 6, 30))),
        ("Lệ phí", "Kể từ ngày 01/12/2023 đến hết ngày 31/12/2025, áp dụng mức thu 115.000 đồng",
         (D(2023, 12, 1), D(2025, 12, 31))),
        ("Lệ phí", "Áp dụng đến hết ngày 31/12/2025", (None, D(2025, 12, 31))),
        # The same period in the name and the note is one period.
        ("Lệ phí (01/12/2023–31/12/2025)", "Từ 01/12/2023 đến hết 31/12/2025",
         (D(2023, 12, 1), D(2025, 12, 31))),
    ],
)
def test_a_stated_period_is_read(name, note, period):
    assert fee_period(name, note) == period


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("Phí chứng thực bản sao từ bản chính – từ trang thứ 3 trở lên", ""),
        ("Miễn lệ phí", "Phí cấp bản sao theo Thông tư số 281/2016/TT-BTC ngày 14/11/2016 của Bộ Tài chính"),
        # Whether the last day is included is not said.
        ("Lệ phí", "Từ 01/7/2025 đến ngày 31/12/2026"),
        # 1.014063, 1.014064: the dates bound a temporary rate of the amount, not the item.
        ("Lệ phí cấp đổi thẻ căn cước", "Từ 01/7/2025 đến hết 31/12/2026 mức thu bằng 50% "
         "(Thông tư 64/2025/TT-BTC); nhận kết quả qua bưu chính: trả phí cho đơn vị cung cấp dịch vụ"),
        ("Lệ phí", "Kể từ ngày 01/01/2026 đến hết ngày 30/6/2026 giảm 30 % mức thu"),
        ("Lệ phí (31/12/2025–01/12/2023)", ""),
        ("Lệ phí (31/02/2025–31/12/2025)", ""),
        # Two different periods in one item.
        ("Lệ phí (01/12/2023–31/12/2025)", "Từ 01/7/2025 đến hết 31/12/2026"),
        ("", None),
    ],
)
def test_no_or_an_ambiguous_period_gives_no_dates(name, note):
    assert fee_period(name, note) == (None, None)


def test_every_dated_item_of_the_reference_data():
    records = [json.loads(json.dumps(r)) for r in _reference()]
    dated = {
        (r["national_code"], f["name"]): (f["valid_from"], f["valid_to"])
        for r in records
        for f in r["fee_items"]
        if f["valid_from"] or f["valid_to"]
    }
    licence = "Lệ phí cấp giấy phép lái xe – nộp trực tuyến (01/12/2023–31/12/2025)"
    assert dated == {
        ("3.000347", licence): ("2023-12-01", "2025-12-31"),
        ("3.000348", licence): ("2023-12-01", "2025-12-31"),
    }


def _reference() -> list[dict]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))["procedures"]
    checked = [check_record(r, i, known_tiers={"tinh", "xa"}, known_agencies=set())
               for i, r in enumerate(raw, start=1)]
    return [c.record for c in checked]


def _checked_fee(fee: dict) -> tuple[dict, list]:
    raw = {"national_code": "1.000001", "name": "Thủ tục mẫu", "fee_items": [fee]}
    checked = check_record(raw, 2, known_tiers=set(), known_agencies=set())
    return checked.record.get("fee_items", [{}])[0], [str(e) for e in checked.errors if "fee_items" in e.column]


def test_an_import_record_states_its_own_period():
    fee, errors = _checked_fee({"name": "Lệ phí (01/12/2023–31/12/2025)", "amount_vnd": 1,
                                "valid_from": None, "valid_to": "2030-01-31"})
    assert (fee["valid_from"], fee["valid_to"], errors) == (None, "2030-01-31", [])
    fee, errors = _checked_fee({"name": "Lệ phí", "amount_vnd": 1,
                                "valid_from": "2026-02-01", "valid_to": "2026-01-31"})
    assert errors and "fee_items[1].valid_to" in errors[0]


def test_items_in_force_include_both_ends():
    identity = FeeItem(name="Lệ phí cấp đổi thẻ căn cước", amount_vnd=50_000,
                       valid_from=D(2025, 7, 1), valid_to=D(2026, 12, 31))
    general = FeeItem(name="Lệ phí", amount_vnd=135_000)
    assert fee_items_in_force([identity, general], D(2026, 12, 31)) == [identity, general]
    assert fee_items_in_force([identity, general], D(2027, 1, 1)) == [general]
    assert fee_items_in_force([identity, general], D(2025, 6, 30)) == [general]
    assert fee_items_in_force([identity, general], D(2025, 7, 1)) == [identity, general]


def test_the_back_office_refuses_an_end_before_the_start():
    from django.core.exceptions import ValidationError

    item = FeeItem(name="Lệ phí", valid_from=D(2026, 2, 1), valid_to=D(2026, 1, 31))
    with pytest.raises(ValidationError) as refused:
        item.clean()
    assert "valid_to" in refused.value.message_dict
    FeeItem(name="Lệ phí", valid_from=D(2026, 1, 31), valid_to=D(2026, 1, 31)).clean()


@pytest.mark.usefixtures("catalog")
def test_the_page_and_the_api_show_each_items_period(client):
    import re
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(dt.datetime(2026, 12, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        html = client.get("/thu-tuc/3.000347/").content.decode()
        current, lapsed = html.split('id="cac-khoan-phi"')[1].split('id="phi-het-hieu-luc"')
        lapsed = lapsed.split("</table>")[0]
        # The reduced online fee is shown apart, struck and said to be expired; the general fee is not.
        assert "135.000 đồng/lần" in current and "115.000" not in current
        assert re.search(r"<del>\s*115\.000 đồng/lần cấp\s*</del>", lapsed)
        assert "Đã hết hiệu lực từ 01/01/2026" in lapsed and "áp dụng từ 01/12/2023 đến hết ngày 31/12/2025" in lapsed
        # The identity card's item: its note's dates bound a reduction; the item has no period.
        identity = client.get("/thu-tuc/1.014063/").content.decode()
        assert "Áp dụng từ" not in identity and 'id="phi-het-hieu-luc"' not in identity

        fees = client.get("/api/v1/procedures/3.000347").json()["fee_items"]
        assert [(f["amount_vnd"], f["valid_from"], f["valid_to"], f["in_force"]) for f in fees] == [
            (135_000, None, None, True),
            (115_000, "2023-12-01", "2025-12-31", False),
        ]
        card = client.get("/api/v1/procedures/1.014063").json()["fee_items"][0]
        assert (card["valid_from"], card["valid_to"], card["in_force"]) == (None, None, True)
    with time_machine.travel(dt.datetime(2026, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        # The first day after the reduced fee's period, just after midnight in Vietnam.
        fees = client.get("/api/v1/procedures/3.000347").json()["fee_items"]
        assert [f["in_force"] for f in fees] == [True, False]
        assert "Đã hết hiệu lực từ 01/01/2026" in client.get("/thu-tuc/3.000347/").content.decode()
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        fees = client.get("/api/v1/procedures/3.000347").json()["fee_items"]
        assert [f["in_force"] for f in fees] == [True, True]
        assert 'id="phi-het-hieu-luc"' not in client.get("/thu-tuc/3.000347/").content.decode()


def test_the_upgrade_dates_the_fee_items_already_stored(db, record):
    """Migration 0008 gives rows imported before the columns existed the period their words state."""
    import importlib

    from django.apps import apps

    from opendvc.catalog.services import upsert_procedure

    procedure, _ = upsert_procedure(record=check_record(record, 1, known_tiers={"xa"}, known_agencies=set()).record,
                                    actor=None)
    licence, card, plain, kept = FeeItem.objects.bulk_create([
        FeeItem(procedure=procedure, position=1, name="Lệ phí – nộp trực tuyến (01/12/2023–31/12/2025)"),
        FeeItem(procedure=procedure, position=2, name="Lệ phí cấp lại thẻ căn cước",
                note="Từ 01/7/2025 đến hết 31/12/2026 mức thu bằng 50% (Thông tư 64/2025/TT-BTC)"),
        FeeItem(procedure=procedure, position=3, name="Phí chứng thực – từ trang thứ 3 trở lên"),
        FeeItem(procedure=procedure, position=4, name="Lệ phí (01/12/2023–31/12/2025)", valid_to=D(2030, 1, 1)),
    ])
    migration = importlib.import_module("opendvc.catalog.migrations.0008_fee_item_period_from_text")
    migration.fill_periods(apps, None)
    periods = {f.pk: (f.valid_from, f.valid_to) for f in FeeItem.objects.filter(procedure=procedure)}
    assert periods[licence.pk] == (D(2023, 12, 1), D(2025, 12, 31))
    assert periods[card.pk] == (None, None)  # the dates bound a reduction of the amount
    assert periods[plain.pk] == (None, None)
    assert periods[kept.pk] == (None, D(2030, 1, 1))
