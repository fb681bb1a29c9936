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


def test_allowed_actions_of_the_api_list_the_step_hand_overs_the_processing_page_offers(
    client, procedure, citizen, officer, processor
):
    """``allowed_actions`` never listed ``claim``, ``forward`` or ``send_back``, which the processing
    page offers: both now read the same list (``selectors.step_actions_for``)."""
    d = received(procedure, citizen, officer)

    def listed(user) -> list[str]:
        sign_in(client, user)
        return client.get(f"/api/v1/dossiers/{d.code}").json()["allowed_actions"]

    def page_forms(user) -> set[str]:
        sign_in(client, user)
        page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
        return {
            a for a in ("claim", "forward", "send_back") if f'name="action" value="{a}"' in page
        }

    # The first step (the one-stop office's): its officer may forward it, not send it back.
    assert "forward" in listed(officer) and "send_back" not in listed(officer)
    assert page_forms(officer) == {a for a in listed(officer) if a in STEPS}
    assert not set(listed(processor)) & STEPS
    # In the specialists' queue: a specialist may claim it, forward it or send it back.
    d = at_specialist(d, officer)
    assert set(listed(processor)) >= {"claim", "forward", "send_back"}
    assert page_forms(processor) == {a for a in listed(processor) if a in STEPS}
    # Claimed: no more claim; the one-stop officer has no hand-over on a step that is not theirs.
    claimed = client.post(
        f"/api/v1/dossiers/{d.code}/actions", {"action": "claim"}, content_type="application/json"
    )
    assert claimed.status_code == 200, claimed.content
    assert set(claimed.json()["allowed_actions"]) & STEPS == {"forward", "send_back"}
    assert not set(listed(officer)) & STEPS


STEPS = {"claim", "forward", "send_back"}


def test_a_hand_over_pressed_twice_is_applied_once(client, procedure, citizen, officer, leader):
    """The forward and send-back forms carried nothing that changed when the step was handed over (a
    hand-over does not bump the dossier's version): a leader's double click on "Chuyển bước tiếp
    theo" forwarded the dossier two steps. The second press is now refused with a message on the
    processing page, and nothing more is done."""
    from opendvc.workflow.models import StepRun

    d = received(procedure, citizen, officer)
    first = StepRun.objects.get(dossier=d, left_at__isnull=True)
    sign_in(client, leader)
    url = f"/can-bo/xu-ly/{d.code}/thao-tac/"
    press = {"action": "forward", "note": "Đủ điều kiện", "buoc": first.pk}
    assert client.post(url, press).status_code == 302
    again = client.post(url, press)
    page = again.content.decode()
    assert again.status_code == 409 and "có thể do bấm nút hai lần" in page
    assert "Chuyên viên thẩm định, xử lý" in page
    assert StepRun.objects.get(dossier=d, left_at__isnull=True).position == 1
    # Sending back twice: the second press is told the same, not "only one step back".
    second = StepRun.objects.get(dossier=d, left_at__isnull=True)
    back = {"action": "send_back", "reason": "Thiếu ý kiến", "buoc": second.pk}
    assert client.post(url, back).status_code == 302
    again = client.post(url, back)
    assert again.status_code == 409 and "có thể do bấm nút hai lần" in again.content.decode()
    assert StepRun.objects.get(dossier=d, left_at__isnull=True).position == 0
