"""Peers answering 200 with something that is not their protocol — an HTML error page, nothing, or
JSON nested deeper than the decoder reads — over HTTP, from each peer's simulator: every client turns
it into its own "peer unavailable" error (retried, logged, shown), never an exception that escapes as
a 500 or stops a periodic job (the deeply nested answer raised ``RecursionError``, which no client
caught)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from opendvc.core.problems import ProblemError
from opendvc.integrations.models import Delivery
from opendvc.integrations.national.catalog import catalog_pull
from opendvc.integrations.national.mapping import national_mapping_seed
from opendvc.integrations.outbox import outbox_enqueue, outbox_relay
from opendvc.integrations.sms.client import HttpSmsProvider
from opendvc.integrations.sms.simulator import SmsSimulator
from opendvc.integrations.transport import DeliveryError
from opendvc.payments.base import GatewayError
from opendvc.payments.paygov import PayGov
from opendvc.payments.simulators import PayGovSimulator, VNPaySimulator
from opendvc.payments.vnpay import VNPay
from opendvc.postal.carrier import CarrierError, VNPostCarrier
from opendvc.postal.simulators import PostalSimulator
from opendvc.registries.client import PopulationRegistry, RegistryUnavailable
from opendvc.registries.simulators import PopulationSimulator

DEEP = "[" * 100_000
GARBAGE = [DEEP, "<html><body>502 Bad Gateway</body></html>", ""]


@pytest.fixture(params=GARBAGE, ids=["deep", "html", "empty"])
def garbage(request):
    return request.param


def test_registry(garbage):
    with PopulationSimulator(records={}) as sim:
        sim.switches.body = garbage
        with pytest.raises(RegistryUnavailable):
            PopulationRegistry(base_url=sim.url, timeout=3).lookup("001090000001", purpose="t")


def test_postal_carrier(garbage):
    with PostalSimulator() as sim:
        sim.switches.body = garbage
        with pytest.raises(CarrierError):
            VNPostCarrier(base_url=sim.url).tracking("H19-1")


def test_sms_delivery_report(garbage):
    with SmsSimulator(token="t") as sim:
        sim.switches.body = garbage
        with pytest.raises(DeliveryError):
            HttpSmsProvider(sim.url, token="t").delivery_report("1")


def test_payment_gateways_queries(settings, garbage):
    attempt = SimpleNamespace(reference="H19-X-1", created_at=datetime(2026, 3, 10, tzinfo=UTC))
    with VNPaySimulator(tmn_code="T", secret="s") as vnpay, PayGovSimulator() as paygov:
        settings.VNPAY_URL, settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = (
            vnpay.url,
            "T",
            "s",
        )
        settings.PAYGOV_URL, settings.PAYGOV_MERCHANT_CODE, settings.PAYGOV_SECRET = (
            paygov.url,
            "H19",
            "s",
        )
        vnpay.switches.body = paygov.switches.body = garbage
        for gateway in (VNPay(), PayGov()):
            with pytest.raises(GatewayError):
                gateway.query(attempt=attempt)


@pytest.mark.django_db
def test_the_relay_records_what_the_national_portal_answered(national):
    national_mapping_seed()
    national.switches.body = DEEP
    outbox_enqueue(
        kind="national.DongBoHoSoMC",
        payload={"state": "received", "channel": "online", "data": {"MaHoSo": "H19-1"}},
        destinations=["national"],
    )
    outbox_relay(budget_seconds=0)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "JSON" in delivery.last_error and "RecursionError" not in delivery.last_error


@pytest.mark.django_db
def test_the_catalog_pull_says_the_national_portal_is_unavailable(national):
    national.switches.body = DEEP
    with pytest.raises(ProblemError) as caught:
        catalog_pull()
    assert caught.value.status == 503
