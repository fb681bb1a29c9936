"""Fixtures: a level-4 dossier waiting for its fees, the VNPay-compatible simulator on port 0 and the
portal on a live server (the gateway's IPN reaches the portal over HTTP)."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
import time_machine

from opendvc.dossiers.tests.conftest import (  # noqa: F401
    agencies,
    citizen,
    leader,
    make_procedure,
    officer,
    processor,
    stranger,
    submitted_dossier,
)
from opendvc.worktime import VN_TZ

SECRET = "test-vnpay-secret"


def fees_due(procedure, citizen, officer, amount: int = 50_000):  # noqa: F811
    from opendvc.dossiers import services

    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    return services.dossier_act(
        dossier=d,
        action="require_payment",
        actor=None,
        system=True,
        fees=[{"name": "Lệ phí cấp bản sao", "amount_vnd": amount, "quantity": 1}],
    )


@pytest.fixture
def level4(agencies):  # noqa: F811
    return make_procedure(code="1.004444", level=4)


@pytest.fixture
def dossier(level4, citizen, officer):  # noqa: F811
    return fees_due(level4, citizen, officer)


@pytest.fixture
def vnpay_sim(settings):
    from opendvc.payments.simulators import VNPaySimulator

    sim = VNPaySimulator(tmn_code="TESTTMN1", secret=SECRET).start()
    settings.VNPAY_URL = sim.url
    settings.VNPAY_TMN_CODE = "TESTTMN1"
    settings.VNPAY_HASH_SECRET = SECRET
    settings.PAYMENT_GATEWAY_TIMEOUT = 3.0
    yield sim
    sim.wait_callbacks()
    sim.stop()


@pytest.fixture
def portal(live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    return live_server


class Payer:
    """The applicant's browser, as plain HTTP: to the gateway's page, a button, back to the portal."""

    def __init__(self, sim, portal_url: str) -> None:
        self.sim, self.portal_url = sim, portal_url

    def start(self, dossier, citizen):  # noqa: F811
        from opendvc.payments.services import payment_start

        attempt, url = payment_start(
            dossier=dossier,
            gateway="vnpay",
            actor=citizen,
            client_ip="203.0.113.9",
            return_url=f"{self.portal_url}/thanh-toan/vnpay/ve/",
        )
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "Thanh toán" in page.text, page.text
        return attempt

    def choose(self, attempt, choice: str = "pay") -> str:
        """Press a button on the gateway's page; returns where the browser is sent back to."""
        r = httpx.post(
            f"{self.sim.url}/paymentv2/act",
            data={"ref": attempt.reference, "choice": choice},
            timeout=10,
        )
        assert r.status_code == 302, r.text
        return r.headers["location"]


@pytest.fixture
def payer(vnpay_sim, portal):
    return Payer(vnpay_sim, portal.url)
