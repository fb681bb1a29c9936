from __future__ import annotations

import pytest

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
from opendvc.integrations.transport import reset_senders


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
