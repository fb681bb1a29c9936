"""Fixtures of the registries' tests."""

from __future__ import annotations

import pytest

from opendvc.registries.simulators import BusinessSimulator


@pytest.fixture
def business(settings):
    """The national business registry's simulator, a real HTTP server, configured as the portal's."""
    with BusinessSimulator() as sim:
        settings.BUSINESS_REGISTRY_URL = sim.url
        settings.REGISTRY_TIMEOUT_SECONDS = 0.5
        yield sim
