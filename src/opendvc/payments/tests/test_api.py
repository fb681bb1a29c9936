"""Paying a dossier's fees through the JSON API: the fees due and the gateways offered, a payment
started there and finished at the VNPay-compatible simulator (a real HTTP server), the payments and the
receipt read back; the refusals. The gateway's confirmation reaches the portal through the test client
(the simulator sends no IPN of its own here), so these run on SQLite."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import time_machine

from opendvc.api.services import api_token_create
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.tests.conftest import member  # noqa: F401
from opendvc.payments.models import PaymentAttempt, Receipt
from opendvc.worktime import VN_TZ

from .conftest import fees_due, make_procedure, submitted_dossier

SEVERAL = [
    {"name": "Lệ phí cấp bản sao trích lục", "amount_vnd": 8_000, "quantity": 3},
    {"name": "Phí thẩm định hồ sơ", "amount_vnd": 50_000, "quantity": 1},
]


@pytest.fixture
def gateway(vnpay_sim, settings):
    """The simulator as the one configured gateway (PayGov not configured); the portal's address is
    one no IPN could reach: the test hands the gateway's confirmation to the portal itself."""
    vnpay_sim.switches.extra["ipn_never"] = True
    settings.PAYGOV_URL = ""
    settings.PORTAL_BASE_URL = "http://cong.test"
    return vnpay_sim


def several_due(procedure, citizen, officer):
    """A dossier waiting for several fee lines, one of them by the copy."""
    from opendvc.dossiers import services

    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    return services.dossier_act(
        dossier=d, action="require_payment", actor=None, system=True, fees=SEVERAL
    )


def bearer(user, *scopes: str) -> dict:
    _token, raw = api_token_create(owner=user, name="ứng dụng di động", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def pay_at_the_gateway(client, sim, redirect_url: str, choice: str = "pay") -> None:
    """The payer's browser at the gateway's page, a button pressed, and the gateway's confirmation
    (the same signed parameters it sends the browser back with) delivered to the portal."""
    page = httpx.get(redirect_url, timeout=10)
    assert page.status_code == 200 and "Thanh toán" in page.text, page.text
    reference = dict(parse_qsl(urlsplit(redirect_url).query))["vnp_TxnRef"]
    back = httpx.post(
        f"{sim.url}/paymentv2/act", data={"ref": reference, "choice": choice}, timeout=10
    )
    assert back.status_code == 302, back.text
    params = dict(parse_qsl(urlsplit(back.headers["location"]).query))
    answer = client.get("/thanh-toan/vnpay/ipn/", params)
    assert answer.json()["RspCode"] == "00", answer.content


@pytest.mark.parametrize(
    ("shape", "lines", "total"),
    [
        ("one", [("Lệ phí cấp bản sao", 1, 50_000, 50_000)], 50_000),
        (
            "several",
            [
                ("Lệ phí cấp bản sao trích lục", 3, 8_000, 24_000),
                ("Phí thẩm định hồ sơ", 1, 50_000, 50_000),
            ],
            74_000,
        ),
    ],
)
def test_the_applicant_pays_through_the_api_and_downloads_the_receipt(
    client, gateway, level4, citizen, officer, django_capture_on_commit_callbacks,
    shape, lines, total,
):  # fmt: skip
    dossier = (fees_due if shape == "one" else several_due)(level4, citizen, officer)
    auth = bearer(citizen, "read", "dossiers:write")
    url = f"/api/v1/dossiers/{dossier.code}/payments"

    seen = client.get(url, **auth)
    assert seen.status_code == 200, seen.content
    body = seen.json()
    assert body["status"] == "payment_required" and body["online_payment_open"] is True
    items = body["fees_due"]["items"]
    assert [(i["name"], i["quantity"], i["unit_vnd"], i["amount_vnd"]) for i in items] == lines
    assert body["fees_due"]["total_vnd"] == total
    assert body["gateways"] == [{"key": "vnpay", "name": "VNPAY (thẻ ATM, QR, ví điện tử)"}]
    assert body["payments"] == []

    # A first visit to the gateway left unfinished does not stop a second one (as on the page).
    first = client.post(url, {"gateway": "vnpay"}, content_type="application/json", **auth)
    assert first.status_code == 201, first.content
    started = client.post(url, {"gateway": "vnpay"}, content_type="application/json", **auth)
    assert started.status_code == 201, started.content
    out = started.json()
    assert out["redirect_url"].startswith(f"{gateway.url}/paymentv2/vpcpay.html?")
    assert dict(parse_qsl(urlsplit(out["redirect_url"]).query))["vnp_Amount"] == str(total * 100)
    payment = out["payment"]
    assert payment["state"] == "pending" and payment["amount_vnd"] == total
    assert (
        payment["gateway"] == "vnpay"
        and payment["gateway_name"] == "VNPAY (thẻ ATM, QR, ví điện tử)"
    )
    assert payment["receipt"] is None and payment["reference"].endswith(f"{dossier.code}-2")

    with django_capture_on_commit_callbacks(execute=True):
        pay_at_the_gateway(client, gateway, out["redirect_url"])

    body = client.get(url, **auth).json()
    assert body["status"] == "processing" and body["fees_due"] is None
    assert body["online_payment_open"] is False and body["gateways"] == []
    paid, unfinished = body["payments"]
    assert unfinished["reference"] == first.json()["payment"]["reference"]
    assert unfinished["state"] == "pending" and unfinished["receipt"] is None
    receipt = Receipt.objects.get(order__dossier=dossier)
    assert paid["reference"] == payment["reference"] and paid["state"] == "paid"
    assert paid["state_label"] == "Đã thanh toán" and paid["refund_due"] is False
    assert datetime.fromisoformat(paid["paid_at"]) and datetime.fromisoformat(paid["started_at"])
    assert paid["receipt"]["number"] == receipt.number
    assert paid["receipt"]["url"] == (
        f"http://cong.test/api/v1/dossiers/{dossier.code}/receipts/{receipt.number}"
    )

    pdf = client.get(urlsplit(paid["receipt"]["url"]).path, **bearer(citizen, "read"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"


def test_the_payments_and_the_receipt_are_the_applicants_only(
    client, gateway, dossier, citizen, stranger, officer, django_capture_on_commit_callbacks
):
    from opendvc.payments import services

    attempt, url = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        pay_at_the_gateway(client, gateway, url)
    receipt = Receipt.objects.get()
    dossier.refresh_from_db()
    paths = [
        f"/api/v1/dossiers/{dossier.code}/payments",
        f"/api/v1/dossiers/{dossier.public_id}/payments",
        f"/api/v1/dossiers/{dossier.code}/receipts/{receipt.number}",
    ]
    # Another person, and an officer of the receiving agency (who reads payments on the office's
    # page), are told the dossier does not exist: nothing to tell it apart from an unknown code.
    for user in (stranger, officer):
        client.force_login(user)
        for path in paths:
            r = client.get(path)
            assert r.status_code == 404 and r["Content-Type"].startswith("application/problem+json")
        r = client.post(paths[0], {"gateway": "vnpay"}, content_type="application/json")
        assert r.status_code == 404
    client.force_login(citizen)
    assert [client.get(p).status_code for p in paths] == [200, 200, 200]
    r = client.get(f"/api/v1/dossiers/{dossier.code}/receipts/BL2026-99999999")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert PaymentAttempt.objects.count() == 1


def test_a_member_of_the_organisation_sees_and_pays_its_dossier(
    client,
    gateway,
    dossier,
    member,  # noqa: F811
):
    Dossier.objects.filter(pk=dossier.pk).update(acting_for=member.organisation)
    client.force_login(member.user)
    url = f"/api/v1/dossiers/{dossier.code}/payments"
    assert client.get(url).json()["online_payment_open"] is True
    r = client.post(url, {"gateway": "vnpay"}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert PaymentAttempt.objects.get().reference == r.json()["payment"]["reference"]


@pytest.mark.parametrize(
    ("gateway_key", "message"),
    [
        ("khong-co", "Cổng thanh toán không tồn tại."),
        ("paygov", "Cổng thanh toán này chưa được cấu hình."),  # no settings
        ("counter", "Cổng thanh toán này chưa được cấu hình."),  # paid at the office, not online
        ("", "Cổng thanh toán không tồn tại."),
    ],
)
def test_an_unknown_or_unconfigured_gateway_is_422_at_the_field_and_nothing_is_started(
    client, gateway, dossier, citizen, gateway_key, message
):
    client.force_login(citizen)
    r = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"gateway": gateway_key},
        content_type="application/json",
    )
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "validation_error" and body["detail"] == message
    assert [e["path"] for e in body["errors"]] == ["gateway"]
    assert not PaymentAttempt.objects.exists()
    dossier.refresh_from_db()
    assert dossier.status == "payment_required"


def test_a_missing_gateway_is_422_at_the_field(client, gateway, dossier, citizen):
    client.force_login(citizen)
    r = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments", {}, content_type="application/json"
    )
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["gateway"]
    assert not PaymentAttempt.objects.exists()


def test_nothing_due_is_409_whether_paid_already_or_never_asked(
    client, gateway, dossier, level4, citizen, officer, django_capture_on_commit_callbacks
):
    from opendvc.dossiers import services as dossier_services

    client.force_login(citizen)
    # A dossier of a procedure that asks no fee: it goes on without any.
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        free = submitted_dossier(level4, citizen)
        free = dossier_services.dossier_act(dossier=free, action="receive", actor=officer)
    body = client.get(f"/api/v1/dossiers/{free.code}/payments").json()
    assert body == {
        "code": free.code,
        "status": "received",
        "fees_due": None,
        "online_payment_open": False,
        "gateways": [],
        "payments": [],
        "counter_payments": [],
    }
    # Paid: the same dossier, now processed again.
    r = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"gateway": "vnpay"},
        content_type="application/json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        pay_at_the_gateway(client, gateway, r.json()["redirect_url"])
    for d in (free, dossier):
        r = client.post(
            f"/api/v1/dossiers/{d.code}/payments",
            {"gateway": "vnpay"},
            content_type="application/json",
        )
        assert r.status_code == 409 and r["Content-Type"].startswith("application/problem+json")
        assert r.json()["code"] == "conflict"
        assert r.json()["detail"] == "Hồ sơ không có khoản phí nào đang chờ thanh toán."
    assert PaymentAttempt.objects.count() == 1


def test_fees_paid_at_the_counter_are_listed_beside_the_online_payments(
    client, gateway, level4, citizen, officer, django_capture_on_commit_callbacks
):
    from opendvc.dossiers import services as dossier_services

    online = fees_due(level4, citizen, officer)
    at_counter = several_due(level4, citizen, officer)
    with time_machine.travel(datetime(2026, 3, 11, 14, 30, tzinfo=VN_TZ), tick=False):
        dossier_services.dossier_act(
            dossier=at_counter, action="pay", actor=officer, receipt_number="BL-0042"
        )
    auth = bearer(citizen, "read", "dossiers:write")
    r = client.post(
        f"/api/v1/dossiers/{online.code}/payments",
        {"gateway": "vnpay"},
        content_type="application/json",
        **auth,
    )
    with django_capture_on_commit_callbacks(execute=True):
        pay_at_the_gateway(client, gateway, r.json()["redirect_url"])

    body = client.get(f"/api/v1/dossiers/{online.code}/payments", **auth).json()
    assert [p["state"] for p in body["payments"]] == ["paid"]
    assert body["counter_payments"] == []

    body = client.get(f"/api/v1/dossiers/{at_counter.code}/payments", **auth).json()
    assert body["status"] == "processing" and body["fees_due"] is None and body["payments"] == []
    (paid,) = body["counter_payments"]
    assert paid["method"] == "counter" and paid["method_name"] == "Nộp tại bộ phận một cửa"
    assert paid["amount_vnd"] == 74_000 and paid["receipt_number"] == "BL-0042"
    assert datetime.fromisoformat(paid["paid_at"]) == datetime(2026, 3, 11, 14, 30, tzinfo=VN_TZ)
    assert [(i["name"], i["quantity"], i["amount_vnd"]) for i in paid["items"]] == [
        ("Lệ phí cấp bản sao trích lục", 3, 24_000),
        ("Phí thẩm định hồ sơ", 1, 50_000),
    ]


def test_a_level_3_procedure_shows_its_fees_but_takes_no_online_payment(
    client, gateway, agencies, citizen, officer
):
    d = fees_due(make_procedure(code="1.003333", level=3), citizen, officer)
    client.force_login(citizen)
    body = client.get(f"/api/v1/dossiers/{d.code}/payments").json()
    assert body["fees_due"]["total_vnd"] == 50_000 and body["online_payment_open"] is False
    assert body["gateways"] == []
    r = client.post(
        f"/api/v1/dossiers/{d.code}/payments", {"gateway": "vnpay"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "not_offered_at_level"
    assert [e["path"] for e in r.json()["errors"]] == ["gateway"]
    assert not PaymentAttempt.objects.exists()


def test_token_scopes_are_respected(client, gateway, dossier, citizen):
    url = f"/api/v1/dossiers/{dossier.code}/payments"
    read_only = bearer(citizen, "read")
    assert client.get(url, **read_only).status_code == 200
    r = client.post(url, {"gateway": "vnpay"}, content_type="application/json", **read_only)
    assert r.status_code == 403 and r.json()["scope"] == "dossiers:write"
    write_only = bearer(citizen, "dossiers:write")
    r = client.get(url, **write_only)
    assert r.status_code == 403 and r.json()["scope"] == "read"
    assert not PaymentAttempt.objects.exists()
    assert client.get(url).status_code == 401
