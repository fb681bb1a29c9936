"""Hostile input to the payments: PayGov notifications whose amount is not a whole number of đồng (a
fraction was truncated and accepted as paid, infinity answered 500), and refund forms whose keys cannot
name a row (they answered 500)."""

from __future__ import annotations

import json

import pytest

from opendvc.payments import base, paygov, services
from opendvc.payments.models import PaymentAttempt, Refund

from .conftest import fees_due

IPN = "/thanh-toan/paygov/ipn/"
SECRET = "pg-secret"
MISMATCH = paygov.CODES["bad_amount"][0]
RECEIVED = paygov.CODES["confirmed"][0]


@pytest.fixture
def paygov_settings(settings):
    settings.PAYGOV_URL, settings.PAYGOV_MERCHANT_CODE, settings.PAYGOV_SECRET = "http://pg.test", "H19", SECRET


def _attempt(dossier, citizen) -> PaymentAttempt:
    attempt, _url = services.payment_start(
        dossier=dossier, gateway="paygov", actor=citizen, return_url="http://portal.test/thanh-toan/paygov/ve/"
    )
    return attempt


def _confirmation(attempt, amount) -> dict:
    data = {
        "merchantCode": "H19",
        "orderId": attempt.reference,
        "transactionId": "PG-777",
        "amount": amount,
        "status": "SUCCESS",
        "payTime": "20260310100000",
    }
    data["checksum"] = paygov.checksum(SECRET, data, paygov.CONFIRMATION)
    return data


def _post(client, body: str):
    response = client.post(IPN, body, content_type="application/json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def test_paygov_amounts_are_whole_dong(client, paygov_settings, level4, citizen, officer):
    assert set(MISMATCH + RECEIVED) <= set("0123456789") and MISMATCH != RECEIVED
    # Infinity is answered in the platform's codes (its signature is wrong), not with a 500.
    answer = _post(client, '{"orderId":"a","amount":1e400}')
    assert set(answer) == {"code", "message"} and answer["code"] in {c for c, _m in paygov.CODES.values()}

    first = _attempt(fees_due(level4, citizen, officer, amount=20_000), citizen)
    assert first.amount_vnd == 20_000
    for amount in (20000.9, 20000.0, "20000.9", True):
        answer = _post(client, json.dumps(_confirmation(first, amount)))
        assert answer["code"] == MISMATCH, amount
        first.refresh_from_db()
        assert first.state != "paid" and first.paid_at is None, amount

    assert _post(client, json.dumps(_confirmation(first, "20000")))["code"] == RECEIVED
    first.refresh_from_db()
    assert first.state == "paid"

    second = _attempt(fees_due(level4, citizen, officer, amount=20_000), citizen)
    assert _post(client, json.dumps(_confirmation(second, 20000)))["code"] == RECEIVED
    second.refresh_from_db()
    assert second.state == "paid"


def test_refund_form_keys_that_name_no_row_are_404(client, dossier, officer):
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, officer)
    url = f"/mot-cua/thanh-toan/{dossier.code}/hoan-tien/"
    for data in (
        {"refund": "abc", "decision": "approve"},
        {"refund": "²", "decision": "approve"},
        {"attempt": "abc", "reason": "Hồ sơ bị từ chối"},
        {"attempt": "1.5", "reason": "Hồ sơ bị từ chối"},
        {"attempt": "9" * 30, "reason": "Hồ sơ bị từ chối"},
    ):
        assert client.post(url, data).status_code == 404, data
    assert not Refund.objects.exists()


def test_a_paygov_notification_nested_too_deeply_is_answered_in_its_codes(client, paygov_settings):
    # Anyone may post to the IPN address: JSON deeper than the decoder reads answered 500.
    answer = _post(client, "[" * 100_000)
    assert answer["code"] == paygov.CODES[base.ERROR][0]


def test_a_nul_character_in_a_confirmation_is_answered_in_the_gateways_own_words(
    client, paygov_settings, settings, level4, citizen, officer
):
    """A gateway reads our answer to its confirmation as its own codes: a NUL character (which no
    gateway sends and the database does not keep) is a malformed message, answered so, not with an
    HTML page, and it changes nothing."""
    from opendvc.payments import vnpay
    from opendvc.payments.models import GatewayMessage

    settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
        "http://vnpay.test",
        "OPENDVC1",
        "vnp-secret",
    )
    attempt = _attempt(fees_due(level4, citizen, officer, amount=20_000), citizen)
    before = GatewayMessage.objects.count()
    error = paygov.CODES[base.ERROR][0]
    for body in (
        json.dumps({**_confirmation(attempt, "20000"), "orderId": attempt.reference + "\x00"}),
        json.dumps({**_confirmation(attempt, "20000"), "transactionId": "PG\x00777"}),
    ):
        assert _post(client, body)["code"] == error
    for query in ("vnp_TxnRef=%00", f"vnp_TxnRef={attempt.reference}&vnp_OrderInfo=a%00b"):
        response = client.get(f"/thanh-toan/vnpay/ipn/?{query}")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response.json() == dict(
            zip(("RspCode", "Message"), vnpay.IPN_CODES[base.ERROR], strict=True)
        )
    attempt.refresh_from_db()
    assert attempt.state != "paid" and GatewayMessage.objects.count() == before
    # Anywhere else a NUL character is still refused before any view runs.
    assert client.get("/thu-tuc/?q=%00").status_code == 400


def test_the_counter_has_no_return_or_confirmation_address(client, db):
    # The counter is named among the gateways but has no online side: its return address answered 500.
    assert client.get("/thanh-toan/counter/ve/?vnp_TxnRef=x").status_code == 404
    assert client.get("/thanh-toan/counter/ipn/").status_code == 404
    assert client.get("/thanh-toan/khong-co/ve/").status_code == 404
