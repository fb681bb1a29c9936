"""The electronic receipt's PDF as the payer reads it: every amount on the page whatever the fee
items' names, and a number whose year is the year of the date printed on it (Vietnam time)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from pypdf import PdfReader

from opendvc.dossiers import services as dossier_services
from opendvc.payments import services
from opendvc.payments.models import Receipt
from opendvc.worktime import VN_TZ

from .conftest import fees_due
from .test_pages import signed_ipn, vnpay_settings  # noqa: F401

pytestmark = pytest.mark.django_db


def _pay(client, dossier, citizen, capture) -> Receipt:
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with capture(execute=True):
        assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "00"
    return Receipt.objects.get(order__dossier=dossier)


def _page(receipt: Receipt):
    return PdfReader(io.BytesIO(receipt.file.open("rb").read())).pages[0]


def _drawn_at(page) -> list[float]:
    """Where each run of text is drawn on ``page``: its horizontal start, in points."""
    starts: list[float] = []

    def visit(op, args, cm, tm):
        if op in (b"Tj", b"TJ"):
            starts.append(tm[4] * cm[0] + cm[4])

    page.extract_text(visitor_operand_before=visit)
    return starts


def _long_named_fee_due(procedure, citizen, officer):
    """A dossier waiting for two fees, the first named without spaces."""
    from opendvc.dossiers.tests.conftest import submitted_dossier

    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        dossier = submitted_dossier(procedure, citizen)
        for action in ("receive", "start_processing"):
            dossier = dossier_services.dossier_act(dossier=dossier, action=action, actor=officer)
    return dossier_services.dossier_act(
        dossier=dossier,
        action="require_payment",
        actor=None,
        system=True,
        fees=[
            {"name": "Lệphíthẩmđịnhhồsơcấpgiấyphépxâydựngcôngtrìnhnhàởriênglẻ" * 3, "amount_vnd": 150_000, "quantity": 3},
            {"name": "Phí thẩm định", "amount_vnd": 70_000, "quantity": 1},
        ],
    )


@pytest.mark.usefixtures("vnpay_settings")
def test_a_fee_name_without_spaces_leaves_every_amount_on_the_receipt(
    client, level4, citizen, officer, django_capture_on_commit_callbacks
):
    # A fee item typed without spaces set the width of the first column: the unit prices and the
    # amounts of every line were drawn past the right edge of the A5 page, off the receipt.
    dossier = _long_named_fee_due(level4, citizen, officer)
    receipt = _pay(client, dossier, citizen, django_capture_on_commit_callbacks)
    page = _page(receipt)
    text = page.extract_text()
    for amount in ("150.000 đồng", "450.000 đồng", "70.000 đồng", "520.000 đồng"):
        assert amount in text
    width = float(page.mediabox.width)
    assert [x for x in _drawn_at(page) if not 0 <= x < width] == []


@pytest.mark.usefixtures("vnpay_settings")
def test_a_receipt_paid_in_the_first_hours_of_the_year_is_numbered_in_that_year(
    client, level4, citizen, officer, django_capture_on_commit_callbacks
):
    # 01/01/2027 01:30 in Vietnam is still 31/12/2026 in UTC: the receipt dated 01/01/2027 was
    # numbered BL2026-….
    dossier = fees_due(level4, citizen, officer)
    with time_machine.travel(datetime(2027, 1, 1, 1, 30, tzinfo=VN_TZ), tick=False):
        receipt = _pay(client, dossier, citizen, django_capture_on_commit_callbacks)
    assert receipt.number.startswith("BL2027-")
    text = _page(receipt).extract_text()
    assert f"Số: {receipt.number}" in text and "01/01/2027" in text


def test_the_counter_receipt_of_a_fee_named_without_spaces_keeps_every_amount_on_the_page(
    level4, citizen, officer
):
    # The same at the counter: the receipt the officer prints (the ``pay`` action's document).
    from opendvc.dossiers.models import DossierDocument

    dossier = _long_named_fee_due(level4, citizen, officer)
    dossier = dossier_services.dossier_act(dossier=dossier, action="pay", actor=officer, receipt_number="BL-0042")
    document = DossierDocument.objects.get(dossier=dossier, kind="payment_receipt")
    with document.file.open("rb") as fh:
        page = PdfReader(io.BytesIO(fh.read())).pages[0]
    text = page.extract_text()
    for amount in ("150.000 đồng", "450.000 đồng", "70.000 đồng", "520.000 đồng"):
        assert amount in text
    width = float(page.mediabox.width)
    assert [x for x in _drawn_at(page) if not 0 <= x < width] == []


@pytest.mark.usefixtures("vnpay_settings")
def test_the_receipt_names_the_gateway_not_its_key(
    client, level4, citizen, officer, django_capture_on_commit_callbacks
):
    # It read "qua PAYGOV" (the key, upper-cased) where the pages name "Nền tảng thanh toán của Cổng
    # Dịch vụ công quốc gia"; it is named in Vietnamese whatever language the payer reads the portal in.
    from django.utils import translation

    dossier = fees_due(level4, citizen, officer)
    with translation.override("en"):
        receipt = _pay(client, dossier, citizen, django_capture_on_commit_callbacks)
    text = " ".join(_page(receipt).extract_text().split())
    assert "qua VNPAY (thẻ ATM, QR, ví điện tử)" in text
