"""The actions a dossier offers are those that will not be refused: a processing officer was offered
"request_supplement" and "require_payment" while the dossier sat at the one-stop office's step, then
refused with 403 "không do bạn xử lý"."""

from __future__ import annotations

from opendvc.dossiers import selectors

from .conftest import sign_in
from .test_processing import at_specialist, received

TURN = {"request_supplement", "require_payment"}


def offered(dossier, user) -> set[str]:
    return {spec.action for spec in selectors.actions_for(dossier=dossier, user=user)}


def test_a_processing_officer_is_offered_the_step_bound_actions_only_on_their_step(
    client, procedure, citizen, officer, processor, leader
):
    d = received(procedure, citizen, officer)
    assert not offered(d, processor) & TURN  # at the one-stop office's step
    sign_in(client, processor)
    listed = client.get(f"/api/v1/dossiers/{d.code}").json()["allowed_actions"]
    assert not set(listed) & TURN
    refused = client.post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "request_supplement", "items": ["Bản sao CCCD"]},
        content_type="application/json",
    )
    assert refused.status_code == 403
    # Forwarded to the specialists' queue, the step is theirs to take: offered, and accepted.
    d = at_specialist(d, officer)
    assert offered(d, processor) >= TURN
    # A leader directs the processing at any step.
    assert TURN & offered(received(procedure, citizen, officer), leader) == TURN & {
        spec.action for spec in selectors.allowed_actions("processing", {"leader"})
    }
