"""The VNPay 2.1.0 shapes: amount ×100, Vietnam time, the sorted form-encoded HMAC-SHA512."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from opendvc.payments import vnpay


def test_hash_is_hmac_sha512_over_sorted_form_encoded_params_without_the_hash_fields():
    params = {
        "vnp_TxnRef": "A-1",
        "vnp_Amount": "5000000",
        "vnp_OrderInfo": "Thanh toan ho so 1/2",
        "vnp_SecureHashType": "HmacSHA512",
    }
    text = "vnp_Amount=5000000&vnp_OrderInfo=Thanh+toan+ho+so+1%2F2&vnp_TxnRef=A-1"
    assert vnpay.hash_data(params) == text
    expected = hmac.new(b"k", text.encode(), hashlib.sha512).hexdigest()
    signed = vnpay.sign_params("k", params)
    assert signed["vnp_SecureHash"] == expected
    assert vnpay.signature_ok("k", signed) and vnpay.signature_ok(
        "k", {**signed, "vnp_SecureHash": expected.upper()}
    )
    assert not vnpay.signature_ok("other", signed)
    assert not vnpay.signature_ok("k", {**signed, "vnp_Amount": "5000100"})
    assert not vnpay.signature_ok("k", params)


def test_times_are_vietnam_time_and_success_needs_both_codes():
    assert vnpay.vn_time(datetime(2026, 3, 10, 2, 5, 9, tzinfo=UTC)) == "20260310090509"
    assert vnpay.outcome_of({"vnp_ResponseCode": "00", "vnp_TransactionStatus": "00"}) == "paid"
    assert vnpay.outcome_of({"vnp_ResponseCode": "00", "vnp_TransactionStatus": "02"}) == "failed"
    assert vnpay.outcome_of({"vnp_ResponseCode": "07", "vnp_TransactionStatus": "00"}) == "failed"
    assert (
        vnpay.outcome_of({"vnp_ResponseCode": "24", "vnp_TransactionStatus": "02"}) == "cancelled"
    )
    assert vnpay.amount_of({"vnp_Amount": "5000000"}) == 50_000
    assert vnpay.amount_of({"vnp_Amount": "5000050"}) is None


def test_payment_address_carries_amount_times_100_and_a_valid_signature(
    db, settings, dossier, citizen
):
    from opendvc.payments.services import payment_start

    settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
        "http://gw.example",
        "T1",
        "s3",
    )
    attempt, url = payment_start(
        dossier=dossier, gateway="vnpay", actor=citizen, return_url="http://p/ve/"
    )
    params = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith("http://gw.example/paymentv2/vpcpay.html?")
    assert params["vnp_Amount"] == "5000000" and params["vnp_TxnRef"] == attempt.reference
    assert (
        params["vnp_Version"] == "2.1.0"
        and params["vnp_Command"] == "pay"
        and params["vnp_TmnCode"] == "T1"
    )
    assert (
        len(params["vnp_CreateDate"]) == 14 and params["vnp_CreateDate"] < params["vnp_ExpireDate"]
    )
    assert vnpay.signature_ok("s3", params)
    assert attempt.reference == f"{dossier.receiving_agency.code}-{dossier.code}-1"
