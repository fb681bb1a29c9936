"""Browser journey at 360 px: with a CCCD only typed on the profile the prefill page says why the
national population database cannot be asked; verified through the electronic identity, on the
filing page the applicant asks for their data from the national population database, confirms consent, meets the registry down (manual entry with a note), then
fetches it and finds the fields filled and marked "Từ CSDL quốc gia về dân cư"."""

from __future__ import annotations

import pytest
from conftest import assert_page_accessible
from e2e.conftest import browser, new_page  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(live_server):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    return live_server


@pytest.fixture
def population(settings):
    from opendvc.registries.simulators import PopulationSimulator

    with PopulationSimulator() as sim:
        settings.POPULATION_REGISTRY_URL = sim.url
        settings.REGISTRY_TIMEOUT_SECONDS = 1.0
        yield sim


def _signed_in_page(new_page, live_server, user, width):  # noqa: F811
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page = new_page(width)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def test_prefill_with_consent_and_the_degraded_path(new_page, seeded, population):  # noqa: F811
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers.services import dossier_create_draft
    from opendvc.dossiers.tests.conftest import complete_profile

    citizen = UserFactory(full_name="Nguyễn Văn An")
    complete_profile(citizen, cccd="075090001234")
    draft = dossier_create_draft(
        applicant=citizen,
        procedure=Procedure.objects.get(code="1.001193"),
        receiving_agency=Agency.objects.get(code="000.21.00.H19"),
        actor=citizen,
    )
    page = _signed_in_page(new_page, seeded, citizen, 360)
    # The number is only typed on the profile: the page says why the database cannot be asked.
    page.goto(f"{seeded.url}/ho-so-cua-toi/{draft.public_id}/lay-thong-tin/population/")
    assert "định danh điện tử" in page.locator("#cccd-unverified").inner_text()
    assert page.get_by_role("button", name="Đồng ý và lấy thông tin").count() == 0
    assert_page_accessible(page)
    # Signed in through the electronic identity, the number is verified.
    from opendvc.accounts.services import verify_cccd_from_identity_provider

    assert verify_cccd_from_identity_provider(user=citizen, cccd="075090001234")
    page.goto(f"{seeded.url}/ho-so-cua-toi/{draft.public_id}/soan/")
    page.get_by_role(
        "link", name="Lấy thông tin cá nhân từ CSDL quốc gia về dân cư (cần ông/bà đồng ý)"
    ).click()
    assert page.locator("#identifier").input_value() == "075090001234"
    assert_page_accessible(page)

    # The registry is down: the applicant is told to enter the data and may go on by hand.
    population.switches.update({"down": True})
    page.get_by_label("Tôi đồng ý", exact=False).check()
    page.get_by_role("button", name="Đồng ý và lấy thông tin").click()
    assert page.locator("#registry-note").is_visible()
    assert "tự nhập thông tin" in page.locator("#registry-note").inner_text()

    # Back up: consent again (each fetch asks), the form comes back filled and marked.
    population.switches.reset()
    page.get_by_label("Tôi đồng ý", exact=False).check()
    page.get_by_role("button", name="Đồng ý và lấy thông tin").click()
    page.wait_for_url(f"**/ho-so-cua-toi/{draft.public_id}/soan/")
    name_input = page.locator("[name$='requester_name']")
    assert name_input.input_value() == "Nguyễn Văn An"
    label = page.locator(f"label[for='{name_input.get_attribute('id')}']")
    assert "Từ CSDL quốc gia về dân cư" in label.inner_text()
    assert page.locator("#csdl-quoc-gia").is_visible()
    assert len(population.received) == 2
