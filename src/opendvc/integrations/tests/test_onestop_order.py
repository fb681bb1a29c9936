"""Events of the one-stop software out of order, over real HTTP from its simulator (switch
``reorder``): the result arrives before the dossier's processing began, is refused (409) and logged;
the ICT department applies it again from the ledger page or the API once the event it follows has
arrived — it was lost unless the software sent it again. Only a refused request that was signed and on
time can be applied again."""

from __future__ import annotations

import time

import pytest

from opendvc.api.services import api_token_create
from opendvc.audit.models import AuditEntry
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.tests.conftest import sign_in, staff
from opendvc.integrations.models import InboundMessage

from .test_onestop import post, received  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
PAGE = "/quan-tri/lien-thong/"


@pytest.fixture
def ict(agencies):
    return staff("ict_department", "000.00.00.H19")


@pytest.fixture
def reordered(onestop, received, live_server):  # noqa: F811
    onestop.portal_url = live_server.url
    onestop.switches.reorder = True
    onestop.report(received.code, "processing", message_id="mc-1")
    onestop.report(received.code, "result_ready", message_id="mc-2", result="Giấy khai sinh")
    result, processing = onestop.flush_callbacks()  # newest first
    assert result.status_code == 409 and result.json()["code"] == "conflict"
    assert processing.status_code == 200
    assert Dossier.objects.get(pk=received.pk).status == "processing"
    return InboundMessage.objects.get(message_id="mc-2", outcome="refused")


def test_the_result_that_arrived_first_is_applied_again_from_the_page(client, reordered, ict):
    assert reordered.reapplicable
    sign_in(client, ict)
    page = client.get(PAGE).content.decode()
    assert "Áp dụng lại" in page
    answer = client.post(PAGE, {"op": "reapply", "inbound": reordered.pk}, follow=True)
    assert "Đã áp dụng lại thông điệp mc-2" in answer.content.decode()
    dossier = Dossier.objects.get()
    assert dossier.status == "result_ready"
    assert InboundMessage.objects.filter(message_id="mc-2", outcome="accepted").count() == 1
    assert AuditEntry.objects.filter(action="integrations.inbound_reapply").count() == 1
    # Applied once: a second click, or the software sending it again, is a duplicate.
    again = client.post(PAGE, {"op": "reapply", "inbound": reordered.pk}, follow=True)
    assert "đã được xử lý trước đó" in again.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version


def test_the_api_applies_it_again_and_refuses_what_was_not_signed(client, reordered, ict, onestop):  # noqa: F811
    _token, raw = api_token_create(owner=ict, name="lt", scopes=["read", "integrations"])
    auth = {"Authorization": f"Bearer {raw}"}
    rows = client.get("/api/v1/integrations/outbox", headers=auth).json()["inbound"]
    assert {"id": reordered.pk, "code": "conflict"}.items() <= rows[1].items()
    answer = client.post(f"/api/v1/integrations/inbound/{reordered.pk}/reapply", headers=auth)
    assert answer.status_code == 200 and answer.json()["status"] == "result_ready"
    # A request whose signature or time was wrong is never applied, however it reads.
    dossier = Dossier.objects.get()
    forged = post(
        client,
        onestop,
        {"message_id": "mc-3", "dossier": dossier.code, "status": "returned"},
        signature="0" * 64,
    )
    stale = post(
        client,
        onestop,
        {"message_id": "mc-4", "dossier": dossier.code, "status": "returned"},
        now=time.time() - 3600,
    )
    assert (forged.status_code, stale.status_code) == (401, 401)
    for refused in InboundMessage.objects.filter(code__in=["bad_signature", "stale_request"]):
        assert not refused.reapplicable
        answer = client.post(f"/api/v1/integrations/inbound/{refused.pk}/reapply", headers=auth)
        assert answer.status_code == 409
        assert answer["Content-Type"].startswith("application/problem+json")
    assert Dossier.objects.get().status == "result_ready"
    missing = client.post("/api/v1/integrations/inbound/999999/reapply", headers=auth)
    assert missing.status_code == 404
