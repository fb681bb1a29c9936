"""Applicant and officer pages, receipts, figures and the PayGov-style gateway; these run on SQLite
too (the gateway's confirmation is sent through the test client; queries go to the simulator over
HTTP)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from opendvc.audit.models import AuditEntry
from opendvc.core.tests.markup import blocks_in_paragraphs
from opendvc.dossiers.models import Dossier, DossierEvent
from opendvc.payments import paygov, services, vnpay
from opendvc.payments.models import PaymentAttempt, Receipt

from .conftest import SECRET, fees_due


@pytest.fixture
def vnpay_settings(settings):
    settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
        "http://gw.test",
        "T1",
        SECRET,
    )
    settings.PAYGOV_URL = ""


def stop(dossier, leader):
    """The leader stops processing the dossier: its service will not be delivered."""
    from opendvc.dossiers import services as dossier_services

    return dossier_services.dossier_act(
        dossier=Dossier.objects.get(pk=dossier.pk),
        action="stop",
        actor=leader,
        reason="Người nộp không đủ điều kiện",
    )


def signed_ipn(attempt, **changes):
    params = {
        "vnp_Amount": str(attempt.amount_vnd * 100),
        "vnp_BankCode": "NCB",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": "T1",
        "vnp_TransactionNo": "777",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": attempt.reference,
        "vnp_PayDate": "20260310100000",
        **changes,
    }
    return vnpay.sign_params(SECRET, params)


def test_applicant_sees_the_fee_chooses_a_gateway_and_is_sent_to_it(
    client, vnpay_settings, dossier, citizen
):
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()
    assert "50.000 đồng" in page and 'name="gateway"' in page and 'value="vnpay"' in page
    assert 'value="paygov"' not in page  # not configured
    r = client.post(f"/ho-so-cua-toi/{dossier.public_id}/thanh-toan/", {"gateway": "vnpay"})
    attempt = PaymentAttempt.objects.get()
    assert r.status_code == 200 and 'http-equiv="refresh"' in r.content.decode()
    assert "http://gw.test/paymentv2/vpcpay.html?" in r.content.decode()
    assert (
        attempt.state == "pending"
        and attempt.amount_vnd == 50_000
        and attempt.client_ip == "127.0.0.1"
    )
    bad = client.post(
        f"/ho-so-cua-toi/{dossier.public_id}/thanh-toan/", {"gateway": "khong-co"}, follow=True
    )
    assert "Cổng thanh toán không tồn tại" in bad.content.decode()


def test_behind_the_reverse_proxy_the_gateway_is_told_the_payers_address(
    client, vnpay_settings, dossier, citizen, settings
):
    """Deployed behind nginx (one trusted proxy), the payer's address is the forwarded one, on the
    page and through the API alike: the proxy's own address would tell the gateway nothing."""
    from opendvc.api.services import api_token_create

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    forwarded = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    client.force_login(citizen)
    client.post(
        f"/ho-so-cua-toi/{dossier.public_id}/thanh-toan/", {"gateway": "vnpay"}, **forwarded
    )
    _token, raw = api_token_create(owner=citizen, name="app", scopes=["dossiers:write"])
    started = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments", {"gateway": "vnpay"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}", **forwarded,
    )  # fmt: skip
    assert started.status_code == 201, started.content
    told = dict(parse_qsl(urlsplit(started.json()["redirect_url"]).query))["vnp_IpAddr"]
    assert told == "203.0.113.7"
    assert [a.client_ip for a in PaymentAttempt.objects.order_by("pk")] == ["203.0.113.7"] * 2


def test_level_3_offers_no_online_payment(client, vnpay_settings, agencies, citizen, officer):
    from .conftest import make_procedure

    d = fees_due(make_procedure(code="1.003333", level=3), citizen, officer)
    client.force_login(citizen)
    assert 'name="gateway"' not in client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    r = client.post(f"/ho-so-cua-toi/{d.public_id}/thanh-toan/", {"gateway": "vnpay"}, follow=True)
    assert "mức độ 3" in r.content.decode() and not PaymentAttempt.objects.exists()


def test_someone_else_cannot_pay_or_see_the_attempt(
    client, vnpay_settings, dossier, citizen, stranger
):
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    client.force_login(stranger)
    assert (
        client.post(
            f"/ho-so-cua-toi/{dossier.public_id}/thanh-toan/", {"gateway": "vnpay"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/ho-so-cua-toi/{dossier.public_id}/thanh-toan/{attempt.reference}/"
        ).status_code
        == 404
    )


def test_confirmed_ipn_settles_once_with_receipt_pdf_verify_page_and_officer_view(
    client, vnpay_settings, dossier, citizen, officer, django_capture_on_commit_callbacks
):
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    assert r.json() == {"RspCode": "00", "Message": "Confirm Success"}
    assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "02"
    dossier.refresh_from_db()
    assert dossier.status == "processing"
    event = DossierEvent.objects.get(dossier=dossier, action="pay")
    assert event.actor_label and event.data["receipt_number"] == attempt.reference
    # The history names the gateway, not its key.
    assert "VNPAY (thẻ ATM, QR, ví điện tử)" in event.note and "vnpay" not in event.note
    receipt = Receipt.objects.get()
    assert receipt.file and receipt.sha256 and receipt.payer_name == citizen.full_name
    assert receipt.file.open("rb").read(5) == b"%PDF-"
    verify = client.get(f"/bien-lai/{receipt.verify_token}/").content.decode()
    assert receipt.number in verify and "50.000 đồng" in verify and "777" in verify
    assert client.get("/bien-lai/khong-co/").status_code == 404
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()
    assert f"Biên lai số {receipt.number}" in page and 'name="gateway"' not in page
    pdf = client.get(f"/ho-so-cua-toi/{dossier.public_id}/bien-lai/{receipt.number}/")
    assert pdf["Content-Type"] == "application/pdf"
    # It names the payer: never kept by a shared cache.
    assert pdf["Cache-Control"] == "private, no-store"
    client.force_login(officer)
    office = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert f"/mot-cua/thanh-toan/{dossier.code}/" in office
    payments = client.get(f"/mot-cua/thanh-toan/{dossier.code}/").content.decode()
    # The dossier is being handled: its fee stays, the page says why instead of offering a refund.
    assert (
        "Đã thanh toán" in payments
        and attempt.reference in payments
        and "Đề nghị hoàn tiền" not in payments
        and "Không thể hoàn tiền: hồ sơ đang ở trạng thái “Đang xử lý”" in payments
    )
    # The fee request paid online shows the electronic receipt's number, not the payment reference.
    assert f'data-label="Số biên lai">{receipt.number}</td>' in payments


def test_the_applicant_sees_the_fees_paid_at_the_counter_on_the_dossier_page(
    client, vnpay_settings, dossier, level4, citizen, officer, django_capture_on_commit_callbacks
):
    from datetime import datetime

    import time_machine

    from opendvc.dossiers import services as dossier_services
    from opendvc.worktime import VN_TZ

    at_counter = fees_due(level4, citizen, officer, amount=120_000)
    with time_machine.travel(datetime(2026, 3, 11, 23, 30, tzinfo=VN_TZ), tick=False):
        dossier_services.dossier_act(
            dossier=at_counter, action="pay", actor=officer, receipt_number="BL-0042"
        )
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "00"
    client.force_login(citizen)

    page = client.get(f"/ho-so-cua-toi/{at_counter.public_id}/").content.decode()
    assert "Phí, lệ phí đã nộp tại bộ phận một cửa" in page
    assert "Ngày 11/03/2026: 120.000 đồng, biên lai số BL-0042" in page
    assert 'name="gateway"' not in page

    page = client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()
    assert f"Biên lai số {Receipt.objects.get().number}" in page
    assert "Phí, lệ phí đã nộp tại bộ phận một cửa" not in page


def test_a_receipt_whose_stored_file_is_gone_gets_a_clear_404(
    client, vnpay_settings, dossier, citizen, officer, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    receipt = Receipt.objects.get()
    # A lost bucket, a restore without files: the row is there, the object is not.
    default_storage.delete(receipt.file.name)
    client.force_login(citizen)
    r = client.get(f"/ho-so-cua-toi/{dossier.public_id}/bien-lai/{receipt.number}/")
    assert r.status_code == 404 and "không còn trong kho lưu trữ" in r.content.decode()
    client.force_login(officer)
    r = client.get(f"/mot-cua/thanh-toan/{dossier.code}/bien-lai/{receipt.number}/")
    assert r.status_code == 404 and "không còn trong kho lưu trữ" in r.content.decode()


@pytest.mark.parametrize("failure", ["unreadable", "unwritable"])
def test_a_receipt_the_storage_cannot_give_just_now_gets_a_503_not_a_server_error(
    client, vnpay_settings, dossier, citizen, officer, django_capture_on_commit_callbacks,
    monkeypatch, failure,
):
    """Unreadable: the receipt's PDF is stored but the disk fails to read it. Unwritable: its PDF is
    still to be made when the payer asks for it, and the disk fails to save it."""
    from opendvc.core.tests.storage_faults import unreadable_disk, unwritable_disk

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    receipt = Receipt.objects.get()
    if failure == "unreadable":
        unreadable_disk(monkeypatch, receipt.file.name)
    else:  # numbered, its PDF not made yet
        Receipt.objects.filter(pk=receipt.pk).update(file="")
        unwritable_disk(monkeypatch)
    for user, url in (
        (citizen, f"/ho-so-cua-toi/{dossier.public_id}/bien-lai/{receipt.number}/"),
        (officer, f"/mot-cua/thanh-toan/{dossier.code}/bien-lai/{receipt.number}/"),
    ):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 503 and r["Retry-After"], user
        assert "Vui lòng" in r.content.decode()
    assert bool(Receipt.objects.get().file) == (failure == "unreadable")


def test_ipn_answers_for_bad_input(client, vnpay_settings, dossier, citizen):
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    forged = {**signed_ipn(attempt), "vnp_Amount": "1"}
    assert client.get("/thanh-toan/vnpay/ipn/", forged).json()["RspCode"] == "97"
    assert client.get("/thanh-toan/vnpay/ipn/").json()["RspCode"] == "97"
    assert (
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt, vnp_TxnRef="X-1")).json()[
            "RspCode"
        ]
        == "01"
    )
    assert (
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt, vnp_Amount="100")).json()[
            "RspCode"
        ]
        == "04"
    )
    assert client.get("/thanh-toan/khong-co/ipn/").status_code == 404
    assert client.get("/thanh-toan/vnpay/ve/", {"vnp_TxnRef": attempt.reference}).status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == "payment_required"


def test_a_success_after_the_fees_were_paid_at_the_counter_is_flagged_for_refund(
    client, vnpay_settings, dossier, citizen, officer, django_capture_on_commit_callbacks
):
    from opendvc.dossiers import services as dossier_services

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    dossier_services.dossier_act(
        dossier=dossier, action="pay", actor=officer, receipt_number="BL-0099"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the order settled after commit
        assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "00"
    attempt.refresh_from_db()
    assert attempt.state == "paid" and attempt.needs_refund
    assert AuditEntry.objects.filter(action="payment.refund_needed").count() == 1
    assert DossierEvent.objects.filter(dossier=dossier, action="pay").count() == 1
    assert not Receipt.objects.exists()


def test_payment_figures_per_agency_and_period(
    client, vnpay_settings, dossier, citizen, level4, officer
):
    from opendvc.dossiers import services as dossier_services
    from opendvc.payments.selectors import payment_figures

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    other = fees_due(level4, citizen, officer, amount=20_000)
    dossier_services.dossier_act(dossier=other, action="pay", actor=officer, receipt_number="BL-1")
    now = timezone.now()
    (row,) = payment_figures(start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert row["agency_id"] == dossier.receiving_agency_id
    assert (row["online_count"], row["online_vnd"], row["counter_count"], row["counter_vnd"]) == (
        1,
        50_000,
        1,
        20_000,
    )
    assert row["by_gateway"] == {"vnpay": {"count": 1, "vnd": 50_000}}
    assert payment_figures(start=now + timedelta(days=1), end=now + timedelta(days=2)) == []
    from opendvc.payments.selectors import payment_figures_for_period
    from opendvc.reports.periods import period_between
    from opendvc.worktime import to_local

    today = to_local(now).date().isoformat()
    assert payment_figures_for_period(period=period_between(today, today)) == [row]
    assert payment_figures_for_period(period=period_between(today, today), agency_ids=[0]) == []


def test_reconcile_command_reports_counts(db):
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert (
        out.getvalue().strip()
        == "checked=0 applied=0 unreachable=0 expired=0 settled=0 sent=0 confirmed=0 receipts=0"
    )


def test_paygov_checksums_and_flow_with_its_simulator(
    client, settings, dossier, citizen, officer, leader, django_capture_on_commit_callbacks
):
    from opendvc.payments.simulators import PayGovSimulator

    with PayGovSimulator(merchant="H19", secret="pg-secret") as sim:
        settings.PAYGOV_URL, settings.PAYGOV_MERCHANT_CODE, settings.PAYGOV_SECRET = (
            sim.url,
            "H19",
            "pg-secret",
        )
        attempt, url = services.payment_start(
            dossier=dossier,
            gateway="paygov",
            actor=citizen,
            return_url="http://portal.test/thanh-toan/paygov/ve/",
        )
        params = dict(parse_qsl(urlsplit(url).query))
        assert (
            params["orderId"] == f"{dossier.receiving_agency.code}-{dossier.code}-1"
            and params["amount"] == "50000"
        )
        assert paygov.checksum_ok("pg-secret", params, paygov.REQUEST)
        import httpx

        assert httpx.get(url).status_code == 200
        sim.switches.extra["ipn_never"] = True
        back = httpx.post(
            f"{sim.url}/thanh-toan/chon", data={"ref": attempt.reference, "choice": "pay"}
        )
        assert back.status_code == 302
        confirmation = sim.confirmation(attempt.reference)
        forged = {**confirmation, "amount": "1"}
        assert (
            client.post("/thanh-toan/paygov/ipn/", forged, content_type="application/json").json()[
                "code"
            ]
            == "04"
        )
        assert (
            client.post("/thanh-toan/paygov/ipn/", "[]", content_type="application/json").json()[
                "code"
            ]
            == "99"
        )
        with django_capture_on_commit_callbacks(execute=True):  # the order settled after commit
            r = client.post(
                "/thanh-toan/paygov/ipn/", confirmation, content_type="application/json"
            )
        assert r.json() == {"code": "00", "message": "Đã nhận"}
        assert (
            client.post(
                "/thanh-toan/paygov/ipn/", confirmation, content_type="application/json"
            ).json()["code"]
            == "02"
        )
        dossier.refresh_from_db()
        assert dossier.status == "processing"
        # Processing stopped after the fees were paid: the payment goes back through the platform,
        # confirmed by its query.
        stop(dossier, leader)
        refund = services.refund_request(
            attempt=attempt, actor=officer, reason="Hồ sơ dừng xử lý sau khi nộp phí"
        )
        refund = services.refund_decide(refund=refund, actor=leader, approve=True)
        assert refund.state == "sent" and refund.gateway_ref.startswith("RF")
        assert services.refunds_pending()["confirmed"] == 1
        attempt.refresh_from_db()
        assert attempt.state == "refunded"


def test_reconciliation_is_a_periodic_job_run_by_celery_beat(db):
    from opendvc.core.periodic import discover, run_all

    assert "payments.reconcile" in discover()
    assert run_all(only=["payments.reconcile"]) == {"payments.reconcile": "ok: 0"}


def test_officer_requests_and_leader_approves_a_refund_on_the_page(
    client, settings, dossier, citizen, officer, leader, django_capture_on_commit_callbacks
):
    from opendvc.payments.models import Refund
    from opendvc.payments.simulators import VNPaySimulator

    with VNPaySimulator(tmn_code="T1", secret=SECRET) as sim:
        settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
            sim.url,
            "T1",
            SECRET,
        )
        attempt, url = services.payment_start(
            dossier=dossier,
            gateway="vnpay",
            actor=citizen,
            return_url="http://portal.test/thanh-toan/vnpay/ve/",
        )
        import httpx

        httpx.get(url)
        sim.switches.extra["ipn_never"] = True
        httpx.post(f"{sim.url}/paymentv2/act", data={"ref": attempt.reference, "choice": "pay"})
        params = sim.result_params(attempt.reference, success=True)
        with django_capture_on_commit_callbacks(execute=True):  # the order settled after commit
            assert client.get("/thanh-toan/vnpay/ipn/", params).json()["RspCode"] == "00"
        page = f"/mot-cua/thanh-toan/{dossier.code}/"
        stop(dossier, leader)
        client.force_login(officer)
        r = client.post(f"{page}hoan-tien/", {"attempt": attempt.pk, "reason": ""}, follow=True)
        assert "Phải nêu lý do hoàn tiền" in r.content.decode() and not Refund.objects.exists()
        r = client.post(
            f"{page}hoan-tien/", {"attempt": attempt.pk, "reason": "Hồ sơ dừng xử lý"}, follow=True
        )
        assert "Chờ lãnh đạo duyệt" in r.content.decode()
        refund = Refund.objects.get()
        r = client.post(
            f"{page}hoan-tien/", {"refund": refund.pk, "decision": "approve"}, follow=True
        )
        assert "Chỉ lãnh đạo mới duyệt hoàn tiền" in r.content.decode()
        client.force_login(leader)
        # The refund to decide is a form after its line, not inside its paragraph.
        text = client.get(page).content.decode()
        assert 'name="decision"' in text and blocks_in_paragraphs(text) == []
        r = client.post(
            f"{page}hoan-tien/", {"refund": refund.pk, "decision": "approve"}, follow=True
        )
        refund.refresh_from_db()
        assert refund.state == "sent" and refund.approved_by == leader
        assert "Đã gửi cổng thanh toán" in r.content.decode()
        # The order the refunded attempt paid is no longer "paid" (it stayed so until the gateway
        # confirmed the refund), and the applicant's page says the money is coming back.
        attempt.refresh_from_db()
        assert attempt.order.state == "refund_pending"
        assert "Khoản phí 50.000 đồng — Đang hoàn tiền" in r.content.decode()
        client.force_login(citizen)
        status = client.get(f"/ho-so-cua-toi/{dossier.public_id}/thanh-toan/{attempt.reference}/")
        text = status.content.decode()
        assert "Đang hoàn tiền" in text and "Đã thanh toán" not in text
        assert services.refunds_pending()["confirmed"] == 1
        attempt.refresh_from_db()
        assert (attempt.state, attempt.order.state) == ("refunded", "refunded")


def test_the_receipt_of_a_dossier_filed_for_an_organisation_names_the_organisation(
    client, vnpay_settings, level4, citizen, officer, django_capture_on_commit_callbacks
):
    # The receipt named the employee who filed the dossier as the payer of the company's fees.
    from opendvc.accounts.tests.factories import OrganisationFactory

    company = OrganisationFactory(name="Công ty TNHH Dịch vụ Demo Đồng Nai", tax_code="3603999001")
    dossier = fees_due(level4, citizen, officer)
    Dossier.objects.filter(pk=dossier.pk).update(acting_for=company)
    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()["RspCode"] == "00"
    receipt = Receipt.objects.get()
    assert receipt.payer_name == "Công ty TNHH Dịch vụ Demo Đồng Nai (3603999001)"


def test_english_pages_mark_the_agency_and_the_fee_items_as_vietnamese(
    client, vnpay_settings, dossier, citizen, officer, django_capture_on_commit_callbacks
):
    """The receipt's check page and the officer's payments page in English: the agency's name and the
    fee items' names are Vietnamese data (marked lang="vi"); in Vietnamese nothing is marked."""
    from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    receipt = Receipt.objects.get()
    agency = dossier.receiving_agency.name
    client.cookies["django_language"] = "en"
    verify = client.get(f"/bien-lai/{receipt.verify_token}/").content.decode()
    assert f'<dd lang="vi">{agency}</dd>' in verify
    client.force_login(officer)
    payments = client.get(f"/mot-cua/thanh-toan/{dossier.code}/").content.decode()
    assert '<span lang="vi">Lệ phí cấp bản sao</span>' in payments
    rows = payments.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert vietnamese_outside_lang_vi(f'<html lang="en"><body><table>{rows}</table></body></html>') == []
    client.cookies["django_language"] = "vi"
    assert f"<dd>{agency}</dd>" in client.get(f"/bien-lai/{receipt.verify_token}/").content.decode()
    assert "<span>Lệ phí cấp bản sao</span>" in client.get(f"/mot-cua/thanh-toan/{dossier.code}/").content.decode()


def paid_twice(client, dossier, citizen, capture):
    """Two attempts paid for the same fees: the first settles them (the dossier is handled again),
    the second is flagged ``needs_refund``."""
    first, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    second, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with capture(execute=True):  # the order settled after commit
        for attempt in (first, second):
            answer = client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt)).json()
            assert answer["RspCode"] == "00"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.needs_refund, second.state, second.needs_refund) == (
        "paid", False, "paid", True
    )  # fmt: skip
    return first, second


def test_a_fee_is_given_back_only_when_the_dossier_will_not_be_handled_or_was_paid_twice(
    client, vnpay_settings, settings, dossier, citizen, officer, leader,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from opendvc.core.problems import ProblemError
    from opendvc.payments.models import Refund

    first, second = paid_twice(client, dossier, citizen, django_capture_on_commit_callbacks)
    # Handled, result issued, result returned: the service is delivered, the fee stays.
    for status, label in (
        ("processing", "Đang xử lý"),
        ("result_ready", "Có kết quả, chờ trả"),
        ("returned", "Đã trả kết quả"),
    ):
        Dossier.objects.filter(pk=dossier.pk).update(status=status)
        with pytest.raises(ProblemError) as refused:
            services.refund_request(attempt=first, actor=officer, reason="Người nộp đề nghị")
        assert (refused.value.code, refused.value.status) == ("conflict", 409)
        assert f"hồ sơ đang ở trạng thái “{label}”" in refused.value.detail
        # The second payment of the same fees goes back whatever the dossier's state.
        refund = services.refund_request(attempt=second, actor=officer, reason="Nộp trùng")
        services.refund_decide(refund=refund, actor=leader, approve=False)
    assert not Refund.objects.filter(attempt=first).exists()
    assert AuditEntry.objects.filter(action="payment.refund_requested").count() == 3
    Dossier.objects.filter(pk=dossier.pk).update(status="processing")
    refund = services.refund_request(attempt=second, actor=officer, reason="Nộp trùng")
    settings.VNPAY_URL = "http://127.0.0.1:9"  # the gateway does not answer: sent by the next run
    refund = services.refund_decide(refund=refund, actor=leader, approve=True)
    assert refund.state == "approved"
    # Refused at reception, withdrawn, processing stopped: the service will not be delivered.
    for status in ("refused", "withdrawn", "stopped"):
        Dossier.objects.filter(pk=dossier.pk).update(status=status)
        refund = services.refund_request(attempt=first, actor=officer, reason="Không giải quyết")
        assert refund.state == "requested"
        services.refund_decide(refund=refund, actor=leader, approve=False)
    assert Refund.objects.filter(attempt=first, state="rejected").count() == 3


def test_the_officers_page_offers_a_refund_only_when_allowed_and_a_leader_approves_it_only_then(
    client, vnpay_settings, dossier, citizen, officer, leader, django_capture_on_commit_callbacks
):
    from opendvc.payments.models import Refund

    first, second = paid_twice(client, dossier, citizen, django_capture_on_commit_callbacks)
    page = f"/mot-cua/thanh-toan/{dossier.code}/"
    client.force_login(officer)
    text = client.get(page).content.decode()
    # Being handled: the first payment's row says why, the second (paid twice) offers the request.
    assert text.count("Không thể hoàn tiền: hồ sơ đang ở trạng thái “Đang xử lý”") == 1
    assert f'name="attempt" value="{first.pk}"' not in text
    assert f'name="attempt" value="{second.pk}"' in text
    r = client.post(f"{page}hoan-tien/", {"attempt": first.pk, "reason": "Người nộp đề nghị"})
    assert r.status_code == 302 and not Refund.objects.exists()
    assert "Không thể hoàn tiền" in client.get(page).content.decode()
    # Processing stopped: the first payment may go back too.
    stop(dossier, leader)
    text = client.get(page).content.decode()
    assert "Không thể hoàn tiền" not in text and f'name="attempt" value="{first.pk}"' in text
    client.post(f"{page}hoan-tien/", {"attempt": first.pk, "reason": "Hồ sơ dừng xử lý"})
    refund = Refund.objects.get(attempt=first, state="requested")
    # The dossier is handled again before the leader decides: no approval, the rejection stays open.
    Dossier.objects.filter(pk=dossier.pk).update(status="processing")
    client.force_login(leader)
    text = client.get(page).content.decode()
    assert 'value="approve"' not in text and 'value="reject"' in text
    r = client.post(f"{page}hoan-tien/", {"refund": refund.pk, "decision": "approve"}, follow=True)
    assert "Không thể hoàn tiền: hồ sơ đang ở trạng thái “Đang xử lý”" in r.content.decode()
    refund.refresh_from_db()
    assert refund.state == "requested" and refund.approved_by is None
    client.post(f"{page}hoan-tien/", {"refund": refund.pk, "decision": "reject"})
    refund.refresh_from_db()
    assert refund.state == "rejected"


def test_the_payments_page_offers_each_officer_only_the_refund_steps_they_may_take(
    client, vnpay_settings, dossier, citizen, officer, leader, django_capture_on_commit_callbacks
):
    # The officer who had asked for a refund was still offered "Duyệt hoàn tiền" (refused: only a
    # leader approves) and a second request for the same payment (refused: one is under way); the
    # leader was offered the request, which only an officer of the receiving agency may make.
    from opendvc.payments.models import Refund

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    stop(dossier, leader)
    page = f"/mot-cua/thanh-toan/{dossier.code}/"
    client.force_login(leader)
    assert f'name="attempt" value="{attempt.pk}"' not in client.get(page).content.decode()
    client.force_login(officer)
    assert f'name="attempt" value="{attempt.pk}"' in client.get(page).content.decode()
    client.post(f"{page}hoan-tien/", {"attempt": attempt.pk, "reason": "Hồ sơ dừng xử lý"})
    refund = Refund.objects.get(attempt=attempt, state="requested")
    text = client.get(page).content.decode()
    assert "Chờ lãnh đạo duyệt" in text
    assert 'name="decision"' not in text and f'name="attempt" value="{attempt.pk}"' not in text
    client.force_login(leader)
    text = client.get(page).content.decode()
    assert f'name="refund" value="{refund.pk}"' in text and 'value="approve"' in text
    # Approving sends the money back and cannot be undone: that button asks first (portal.js), the
    # rejection does not.
    approve = re.search(r'<button[^>]*value="approve"[^>]*>', text).group(0)
    assert 'data-confirm="Duyệt hoàn ' in approve and "không hủy được" in approve
    assert "data-confirm" not in re.search(r'<button[^>]*value="reject"[^>]*>', text).group(0)
    client.post(f"{page}hoan-tien/", {"refund": refund.pk, "decision": "reject"})
    # Rejected: the officer may ask again.
    client.force_login(officer)
    assert f'name="attempt" value="{attempt.pk}"' in client.get(page).content.decode()


def test_a_refund_decision_sent_without_its_button_decides_nothing(
    client, vnpay_settings, dossier, citizen, officer, leader, django_capture_on_commit_callbacks
):
    # A form sent without "decision" (or with another value) rejected the refund.
    from opendvc.payments.models import Refund

    attempt, _ = services.payment_start(dossier=dossier, gateway="vnpay", actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/thanh-toan/vnpay/ipn/", signed_ipn(attempt))
    stop(dossier, leader)
    page = f"/mot-cua/thanh-toan/{dossier.code}/"
    client.force_login(officer)
    client.post(f"{page}hoan-tien/", {"attempt": attempt.pk, "reason": "Hồ sơ dừng xử lý"})
    refund = Refund.objects.get(attempt=attempt)
    client.force_login(leader)
    for sent in ({}, {"decision": "yes"}):
        r = client.post(f"{page}hoan-tien/", {"refund": refund.pk, **sent}, follow=True)
        assert "Chọn “Duyệt hoàn tiền” hoặc “Không duyệt”." in r.content.decode()
        refund.refresh_from_db()
        assert refund.state == "requested" and refund.approved_by is None
