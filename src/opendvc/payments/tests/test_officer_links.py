"""The processing officer reaches the dossier's payment page from the dossier once fees exist (Regulation
QĐ 31/2020/QĐ-UBND Art. 14.6: fees are shown with the dossier); the page lists the fees requested."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.tests.conftest import submitted_dossier
from opendvc.worktime import VN_TZ

from .conftest import fees_due

pytestmark = pytest.mark.django_db


def test_processing_officer_sees_the_payment_link_once_fees_are_requested(
    level4, citizen, officer, processor
):
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        plain = submitted_dossier(level4, citizen)
        plain = dossier_services.dossier_act(dossier=plain, action="receive", actor=officer)
    client = Client()
    client.force_login(processor)
    page = client.get(f"/mot-cua/ho-so/{plain.code}/")
    assert page.status_code == 200
    assert f"/mot-cua/thanh-toan/{plain.code}/" not in page.content.decode()

    dossier = fees_due(level4, citizen, officer, amount=120_000)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert f'href="/mot-cua/thanh-toan/{dossier.code}/"' in html
    payments = client.get(f"/mot-cua/thanh-toan/{dossier.code}/")
    assert payments.status_code == 200
    text = payments.content.decode()
    assert "Phí, lệ phí đã đề nghị thu" in text
    assert "Lệ phí cấp bản sao" in text and "120.000" in text and "Chờ thanh toán" in text

    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    english.force_login(processor)
    en = english.get(f"/mot-cua/thanh-toan/{dossier.code}/").content.decode()
    assert "Fees requested" in en and "Requested on" in en
    assert "Phí, lệ phí đã đề nghị thu" not in en


def test_the_payment_page_names_the_gateway_and_stacks_its_tables_on_a_phone(
    settings, level4, citizen, officer
):
    # The attempts' table showed the gateway's key ("vnpay") and, outside any wrapper, was wider
    # than a 360 px screen (the page scrolled sideways).
    from opendvc.payments.services import payment_start

    settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
        "http://vnpay.test",
        "OPENDVC1",
        "vnp-secret",
    )
    dossier = fees_due(level4, citizen, officer, amount=120_000)
    payment_start(dossier=dossier, gateway="vnpay", actor=citizen, return_url="http://portal.test/")
    client = Client()
    client.force_login(officer)
    html = client.get(f"/mot-cua/thanh-toan/{dossier.code}/").content.decode()
    assert ">vnpay<" not in html and "VNPAY (thẻ ATM, QR, ví điện tử)" in html
    assert html.count('<div class="table-wrap"><table class="stack">') == 2
    assert 'data-label="Cổng"' in html
