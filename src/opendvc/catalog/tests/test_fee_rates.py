"""A temporary reduced rate of a fee item's amount (Thông tư 64/2025/TT-BTC: "Từ 01/7/2025 đến hết
31/12/2026 mức thu bằng 50%"): read from the source's words, stored, charged on its days only, shown on
the procedure page and in the API; items without a rate keep their amount."""

import datetime as dt
import importlib
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from opendvc.catalog.demo import DATA_FILE
from opendvc.catalog.fees import Rate, amount_on, fee_period, fee_rate, rate_text, reduced_amount
from opendvc.catalog.models import FeeItem, Procedure
from opendvc.catalog.schema import check_record
from opendvc.catalog.selectors import procedure_record
from opendvc.catalog.services import upsert_procedure

D = dt.date
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CARD_NOTE = ("Từ 01/7/2025 đến hết 31/12/2026 mức thu bằng 50% (Thông tư 64/2025/TT-BTC); nhận kết quả "
             "qua bưu chính: trả phí cho đơn vị cung cấp dịch vụ")
BUSINESS_NOTE = ('"Bằng 50% mức thu lệ phí quy định tại điểm 1 Biểu phí, lệ phí đăng ký doanh nghiệp ban hành '
                 'kèm theo Thông tư số 47/2019/TT-BTC (Thông tư số 64/2025/TT-BTC)"; ô số tiền trên Cổng ghi '
                 "50,000 cho hình thức trực tiếp")


@pytest.mark.parametrize(
    ("note", "rate"),
    [
        (CARD_NOTE, Rate(Decimal(50), D(2025, 7, 1), D(2026, 12, 31), "Thông tư 64/2025/TT-BTC")),
        ("Kể từ ngày 01/01/2026 đến hết ngày 30/6/2026 giảm 30 % mức thu",
         Rate(Decimal(70), D(2026, 1, 1), D(2026, 6, 30), "")),
        # "từ ngày … đến ngày …": both days included (a period in days ends with its last day).
        ("Từ ngày 01 tháng 7 năm 2025 đến ngày 31 tháng 12 năm 2026 bằng 50% mức thu (Nghị định số "
         "70/2024/NĐ-CP)", Rate(Decimal(50), D(2025, 7, 1), D(2026, 12, 31), "Nghị định 70/2024/NĐ-CP")),
        ("Từ ngày 01/01/2027 giảm 37,5% theo Thông tư 10/2026/TT-BTC",
         Rate(Decimal("62.5"), D(2027, 1, 1), None, "Thông tư 10/2026/TT-BTC")),
        ("Mức thu bằng 0% đến hết ngày 31/12/2026", Rate(Decimal(0), None, D(2026, 12, 31), "")),
    ],
)
def test_a_reduced_rate_and_its_days_are_read(note, rate):
    assert fee_rate("Lệ phí", note) == rate
    # The dates bound the reduction, not the item: the item itself has no period.
    assert fee_period("Lệ phí", note) == (None, None)


@pytest.mark.parametrize(
    "note",
    [
        # 2.001583, 2.001199, 2.002043: the rate without days words an amount the source does not state.
        BUSINESS_NOTE,
        "Mức thu bằng 50%",
        "Từ 01/7/2025 đến hết 31/12/2026",  # a period, no rate
        "Từ 01/7/2025 đến hết 31/12/2026 giảm 120%",
        "Từ 31/12/2026 đến hết 01/7/2025 giảm 50%",
        "Từ 31/02/2026 đến hết 31/12/2026 giảm 50%",
        # Two rates, or two periods, in one statement.
        "Từ 01/7/2025 đến hết 31/12/2026 giảm 50%; từ 01/01/2027 giảm 30%",
        "Giảm 50% từ 01/7/2025 đến hết 31/12/2025 và từ 01/7/2026 đến hết 31/12/2026",
        "Phí chứng thực từ trang thứ 3 trở lên",
        "",
        None,
    ],
)
def test_no_rate_or_an_unclear_one_reads_nothing(note):
    assert fee_rate("Lệ phí", note) is None


def test_the_same_rate_in_the_name_and_the_note_is_one_rate_and_two_are_none():
    assert fee_rate("Lệ phí (giảm 50% từ 01/7/2025 đến hết 31/12/2026)", CARD_NOTE).percent == 50
    assert fee_rate("Lệ phí (giảm 30% từ 01/7/2025 đến hết 31/12/2026)", CARD_NOTE) is None


def card(**changes) -> FeeItem:
    values = {"name": "Lệ phí cấp đổi thẻ căn cước", "amount_vnd": 50_000, "per": "thẻ", "note": CARD_NOTE,
              "rate_percent": Decimal(50), "rate_from": D(2025, 7, 1), "rate_to": D(2026, 12, 31),
              "rate_basis": "Thông tư 64/2025/TT-BTC"}
    return FeeItem(**{**values, **changes})


@pytest.mark.parametrize(
    ("day", "amount"),
    [
        (D(2025, 6, 30), 50_000),  # before the period
        (D(2025, 7, 1), 25_000),  # its first day
        (D(2026, 12, 5), 25_000),  # inside
        (D(2026, 12, 31), 25_000),  # its last day
        (D(2027, 1, 1), 50_000),  # after
    ],
)
def test_the_reduced_rate_is_charged_on_its_days_only(day, amount):
    assert amount_on(card(), day) == amount
    assert amount_on(card(amount_vnd=70_000), day) == amount * 7 // 5
    # An item without a rate keeps its amount every day.
    assert amount_on(card(rate_percent=None, rate_from=None, rate_to=None, rate_basis=""), day) == 50_000
    # An amount the source does not state stays not stated, whatever the rate.
    assert amount_on(card(amount_vnd=None), day) is None


def test_an_open_ended_rate_and_an_item_period_together():
    open_ended = card(rate_percent=Decimal("62.5"), rate_from=D(2027, 1, 1), rate_to=None)
    assert [amount_on(open_ended, d) for d in (D(2026, 12, 31), D(2027, 1, 1), D(2040, 1, 1))] == [
        50_000, 31_250, 31_250]
    # Outside the item's own period nothing is charged, reduced or not.
    lapsing = card(valid_to=D(2026, 6, 30))
    assert (amount_on(lapsing, D(2026, 6, 30)), amount_on(lapsing, D(2026, 7, 1))) == (25_000, None)


def test_the_amount_is_whole_dong_rounded_down():
    assert reduced_amount(50_000, Decimal(50)) == 25_000
    assert reduced_amount(25_001, Decimal(50)) == 12_500
    assert reduced_amount(1_000, Decimal("33.33")) == 333
    assert reduced_amount(999, Decimal("99.99")) == 998
    assert reduced_amount(135_000, Decimal(0)) == 0
    assert reduced_amount(135_000, Decimal(100)) == 135_000


def test_the_rate_in_words_on_each_day():
    assert rate_text(card(), D(2026, 12, 5)) == (
        "giảm 50% đến hết 31/12/2026 theo Thông tư 64/2025/TT-BTC; mức thu đầy đủ 50.000 đồng/thẻ")
    assert rate_text(card(), D(2025, 6, 30)) == (
        "mức thu giảm 50% từ 01/07/2025 đến hết 31/12/2026 theo Thông tư 64/2025/TT-BTC")
    assert rate_text(card(), D(2027, 1, 1)) == ""
    assert rate_text(card(rate_to=None, rate_basis=""), D(2026, 12, 5)) == (
        "giảm 50% từ 01/07/2025; mức thu đầy đủ 50.000 đồng/thẻ")
    assert rate_text(card(rate_percent=None), D(2026, 12, 5)) == ""
    assert rate_text(card(amount_vnd=None), D(2026, 12, 5)) == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate_percent": Decimal(101)}, "rate_percent"),
        ({"rate_percent": Decimal(-1)}, "rate_percent"),
        ({"rate_from": None, "rate_to": None}, "rate_from"),
        ({"rate_percent": None}, "rate_percent"),
        ({"rate_from": D(2027, 1, 1)}, "rate_to"),
    ],
)
def test_the_back_office_refuses_an_unclear_rate(changes, field):
    with pytest.raises(ValidationError) as refused:
        card(**changes).clean()
    assert field in refused.value.message_dict
    card().clean()
    card(rate_percent=None, rate_from=None, rate_to=None, rate_basis="").clean()


def test_the_back_office_edits_the_rate(db, rf=RequestFactory()):
    from opendvc.accounts.models import User

    request = rf.get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    inline = next(i for i in admin.site._registry[Procedure].get_inline_instances(request)
                  if i.model is FeeItem)
    form = inline.get_formset(request).form
    assert {"rate_percent", "rate_from", "rate_to", "rate_basis"} <= set(form.base_fields)


def _reference() -> dict[str, list[dict]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))["procedures"]
    checked = [check_record(r, i, known_tiers={"tinh", "xa"}, known_agencies=set()) for i, r in
               enumerate(raw, start=1)]
    return {c.record["national_code"]: c.record["fee_items"] for c in checked}


def test_the_reference_data_gives_the_identity_card_rates_only():
    fees = _reference()
    rated = {(code, f["name"]): (f["amount_vnd"], f["rate_percent"], f["rate_from"], f["rate_to"], f["rate_basis"])
             for code, items in fees.items() for f in items if f["rate_percent"] is not None}
    assert rated == {
        ("1.014063", "Lệ phí cấp đổi thẻ căn cước (khoản 1 Điều 24 Luật Căn cước)"):
            (50_000, 50, "2025-07-01", "2026-12-31", "Thông tư 64/2025/TT-BTC"),
        ("1.014064", "Lệ phí cấp lại thẻ căn cước (khoản 2 Điều 24 Luật Căn cước)"):
            (70_000, 50, "2025-07-01", "2026-12-31", "Thông tư 64/2025/TT-BTC"),
    }
    for code in ("2.001583", "2.001199", "2.002043"):
        business = next(f for f in fees[code] if f["name"] == "Lệ phí đăng ký doanh nghiệp")
        assert "Bằng 50% mức thu" in business["note"]
        assert (business["amount_vnd"], business["rate_percent"], business["rate_from"]) == (None, None, None)


def test_an_export_keeps_the_rate_and_an_empty_rate_stays_empty(db, record):
    record["fee_items"] = [
        {"name": "Lệ phí cấp đổi thẻ", "amount_vnd": 50_000, "note": CARD_NOTE},
        # An export's explicit empty rate is not read again from the note.
        {"name": "Lệ phí cấp lại thẻ", "amount_vnd": 70_000, "note": CARD_NOTE, "rate_percent": None,
         "rate_from": None, "rate_to": None, "rate_basis": ""},
        {"name": "Lệ phí khác", "amount_vnd": 10_000, "rate_percent": "37,5", "rate_from": "2027-01-01"},
    ]
    checked = check_record(record, 1, known_tiers={"xa"}, known_agencies=set())
    assert checked.errors == []
    procedure, _ = upsert_procedure(record=checked.record, actor=None)
    stored = list(procedure.fee_items.order_by("position"))
    assert [(f.rate_percent, f.rate_from, f.rate_to, f.rate_basis) for f in stored] == [
        (Decimal(50), D(2025, 7, 1), D(2026, 12, 31), "Thông tư 64/2025/TT-BTC"),
        (None, None, None, ""),
        (Decimal("37.5"), D(2027, 1, 1), None, ""),
    ]
    exported = procedure_record(procedure)["fee_items"]
    assert [(f["rate_percent"], f["rate_from"], f["rate_to"]) for f in exported] == [
        (50, "2025-07-01", "2026-12-31"), (None, None, None), (37.5, "2027-01-01", None)]
    again = check_record({**record, "fee_items": exported}, 1, known_tiers={"xa"}, known_agencies=set())
    assert again.errors == [] and again.record["fee_items"] == checked.record["fee_items"]


@pytest.mark.parametrize(
    ("rate", "column"),
    [
        ({"rate_percent": 150, "rate_from": "2026-01-01"}, "rate_percent"),
        ({"rate_percent": "nửa", "rate_from": "2026-01-01"}, "rate_percent"),
        ({"rate_percent": True, "rate_from": "2026-01-01"}, "rate_percent"),
        ({"rate_percent": "1e400", "rate_from": "2026-01-01"}, "rate_percent"),
        ({"rate_percent": 50}, "rate_from"),
        ({"rate_from": "2026-01-01"}, "rate_percent"),
        ({"rate_percent": 50, "rate_from": "2026-02-01", "rate_to": "2026-01-31"}, "rate_to"),
        ({"rate_percent": 50, "rate_from": "01/02/2026"}, "rate_from"),
    ],
)
def test_a_bad_rate_in_a_file_is_named(rate, column):
    raw = {"national_code": "1.000001", "name": "Thủ tục mẫu",
           "fee_items": [{"name": "Lệ phí", "amount_vnd": 1000, **rate}]}
    checked = check_record(raw, 2, known_tiers=set(), known_agencies=set())
    assert any(e.column == f"fee_items[1].{column}" for e in checked.errors), checked.errors


def test_the_upgrade_reads_the_rate_of_the_items_already_stored(db, record):
    """Migration 0010 gives rows stored before the columns existed the rate their words state."""
    procedure, _ = upsert_procedure(record=check_record(record, 1, known_tiers={"xa"}, known_agencies=set()).record,
                                    actor=None)
    rated, business, plain, kept = FeeItem.objects.bulk_create([
        FeeItem(procedure=procedure, position=1, name="Lệ phí cấp đổi thẻ", amount_vnd=50_000, note=CARD_NOTE),
        FeeItem(procedure=procedure, position=2, name="Lệ phí đăng ký doanh nghiệp", note=BUSINESS_NOTE),
        FeeItem(procedure=procedure, position=3, name="Phí chứng thực", amount_vnd=2_000),
        FeeItem(procedure=procedure, position=4, name="Lệ phí", amount_vnd=10_000, note=CARD_NOTE,
                rate_percent=Decimal(80), rate_from=D(2025, 1, 1)),
    ])
    migration = importlib.import_module("opendvc.catalog.migrations.0010_fee_item_reduced_rate_from_text")
    migration.fill_rates(apps, None)
    rates = {f.pk: (f.rate_percent, f.rate_from, f.rate_to, f.rate_basis)
             for f in FeeItem.objects.filter(procedure=procedure)}
    assert rates[rated.pk] == (Decimal(50), D(2025, 7, 1), D(2026, 12, 31), "Thông tư 64/2025/TT-BTC")
    assert rates[business.pk] == (None, None, None, "")
    assert rates[plain.pk] == (None, None, None, "")
    assert rates[kept.pk] == (Decimal(80), D(2025, 1, 1), None, "")


def _fee_cells(html: str) -> str:
    return html.split('id="cac-khoan-phi"')[1].split("</table>")[0]


@pytest.mark.usefixtures("catalog")
def test_the_page_and_the_api_show_the_amount_charged_today(client):
    with time_machine.travel(dt.datetime(2026, 12, 5, 9, tzinfo=VN), tick=False):
        cells = _fee_cells(client.get("/thu-tuc/1.014063/").content.decode())
        assert ("25.000 đồng/thẻ <span class=\"help fee-rate\">(giảm 50% đến hết 31/12/2026 theo Thông tư "
                "64/2025/TT-BTC; mức thu đầy đủ 50.000 đồng/thẻ)</span>") in cells
        assert "35.000 đồng/thẻ" in _fee_cells(client.get("/thu-tuc/1.014064/").content.decode())
        fee = client.get("/api/v1/procedures/1.014063").json()["fee_items"][0]
        assert (fee["amount_vnd"], fee["amount_today"], fee["rate_percent"], fee["rate_from"], fee["rate_to"],
                fee["rate_basis"], fee["in_force"]) == (
            50_000, 25_000, 50, "2025-07-01", "2026-12-31", "Thông tư 64/2025/TT-BTC", True)
        # The business registration fee: no amount stated, no rate read, none invented.
        business = next(f for f in client.get("/api/v1/procedures/2.001583").json()["fee_items"]
                        if f["name"] == "Lệ phí đăng ký doanh nghiệp")
        assert (business["amount_vnd"], business["amount_today"], business["rate_percent"]) == (None, None, None)
        assert "giảm 50%" not in _fee_cells(client.get("/thu-tuc/2.001583/").content.decode())
        # A procedure without a rate: its amount today is its amount.
        licence = client.get("/api/v1/procedures/3.000347").json()["fee_items"]
        assert [(f["amount_today"], f["rate_percent"]) for f in licence] == [(135_000, None), (None, None)]
        # In English.
        english = Client()
        english.cookies["django_language"] = "en"
        cells = _fee_cells(english.get("/thu-tuc/1.014063/").content.decode())
        assert "25,000 VND/thẻ" in cells and "(50% off until 31/12/2026 under Thông tư 64/2025/TT-BTC" in cells
        assert "full fee 50,000 VND/thẻ)" in cells
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=VN), tick=False):  # the last day
        assert client.get("/api/v1/procedures/1.014063").json()["fee_items"][0]["amount_today"] == 25_000
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=VN), tick=False):  # the day after
        assert client.get("/api/v1/procedures/1.014063").json()["fee_items"][0]["amount_today"] == 50_000
        cells = _fee_cells(client.get("/thu-tuc/1.014063/").content.decode())
        assert "50.000 đồng" in cells and "25.000" not in cells and "mức thu đầy đủ" not in cells
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=VN), tick=False):  # before
        assert client.get("/api/v1/procedures/1.014063").json()["fee_items"][0]["amount_today"] == 50_000
        cells = _fee_cells(client.get("/thu-tuc/1.014063/").content.decode())
        assert "50.000 đồng" in cells and "25.000" not in cells
        assert "(mức thu giảm 50% từ 01/07/2025 đến hết 31/12/2026 theo Thông tư 64/2025/TT-BTC)" in cells
