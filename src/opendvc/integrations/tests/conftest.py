from __future__ import annotations

import pytest

from opendvc.agencies.models import Agency
from opendvc.dossiers.tests.conftest import (  # noqa: F401 - fixtures used by this app's tests
    agencies,
    citizen,
    justice,
    leader,
    officer,
    procedure,
    processor,
)
from opendvc.feedback.tests.conftest import monday, org  # noqa: F401 - fixtures used by this app's tests
from opendvc.integrations.national.simulator import NationalPortalSimulator
from opendvc.integrations.onestop.simulator import OneStopSimulator
from opendvc.integrations.outbox import outbox_enqueue
from opendvc.integrations.sms.simulator import SmsSimulator
from opendvc.integrations.transport import reset_senders

#: the secret the one-stop software's simulator and the portal share in these tests
ONESTOP_SECRET = "bi-mat-kiem-thu"


@pytest.fixture
def national(settings):
    """The national portal's simulator on a free port, and the portal pointed at it."""
    simulator = NationalPortalSimulator().start()
    settings.NATIONAL_PORTAL_URL = simulator.url
    settings.NATIONAL_PORTAL_USERNAME = "tinh"
    settings.NATIONAL_PORTAL_PASSWORD = "mat-khau"
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0.0
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 0.0
    reset_senders()
    yield simulator
    simulator.stop()
    reset_senders()


@pytest.fixture
def onestop(settings, justice):  # noqa: F811 - the fixture imported above
    """The one-stop software's simulator on a free port (its shared secret ``simulator.secret``), the
    portal pointed at it and the justice department processing through it."""
    simulator = OneStopSimulator(secret=ONESTOP_SECRET).start()
    settings.ONESTOP_URL = simulator.url
    settings.ONESTOP_SECRET = simulator.secret
    settings.NATIONAL_PORTAL_URL = ""
    Agency.objects.filter(pk=justice.pk).update(processing_backend=Agency.Backend.ONESTOP)
    reset_senders()
    yield simulator
    simulator.stop()
    reset_senders()


@pytest.fixture
def sms(settings):
    """The SMS provider's simulator on a free port (token ``t-1``), and the portal pointed at it."""
    simulator = SmsSimulator(token="t-1").start()
    settings.SMS_URL = simulator.url
    settings.SMS_TOKEN = "t-1"
    reset_senders()
    yield simulator
    simulator.stop()
    reset_senders()


def national_sync(code: str = "H19-1"):
    """A dossier's sync message to the national portal queued in the outbox (its own ordering key);
    returns its one delivery."""
    message = outbox_enqueue(
        kind="national.DongBoHoSoMC",
        payload={
            "state": "received",
            "channel": "online",
            "data": {
                "MaHoSo": code,
                "MaTTHC": "1.001193",
                "TenTTHC": "Đăng ký khai sinh",
                "ChuHoSo": "Nguyễn Văn An",
                "DonViXuLy": "000.00.32.H19",
            },
        },
        destinations=["national"],
        ordering_key=f"dossier:{code}",
    )
    return message.deliveries.get()
