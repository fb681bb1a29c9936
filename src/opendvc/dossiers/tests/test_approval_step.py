"""The approval step of the internal process ("Lãnh đạo phê duyệt") is left by approving the result
(which hands the dossier to the one-stop office's return step), by sending back, asking a supplement or
stopping — never by a plain "Chuyển bước tiếp theo", which used to bring the dossier to the return step
with no result and no action left that could complete it. The processing page offers only the
hand-overs that can succeed: no forward on the approval step, none on the last step."""

from __future__ import annotations

import pytest
import time_machine

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.models import Dossier
from opendvc.workflow import services as wf
from opendvc.workflow.models import StepRun

from .conftest import sign_in
from .test_processing import at, at_specialist, received

FORWARD_FORM = 'name="action" value="forward"'


def _open_run(d) -> StepRun:
    return StepRun.objects.get(dossier=d, left_at__isnull=True)


def at_leader(procedure, citizen, officer, processor):
    d = at_specialist(received(procedure, citizen, officer), officer)
    with time_machine.travel(at(1), tick=False):
        services.dossier_act(action="claim", dossier=d, actor=processor)
        services.dossier_act(action="forward", dossier=d, actor=processor)
    d = Dossier.objects.get(pk=d.pk)
    assert _open_run(d).name == "Lãnh đạo phê duyệt"
    return d


def test_service_refuses_to_forward_the_approval_step(
    procedure, citizen, officer, processor, leader
):
    d = at_leader(procedure, citizen, officer, processor)
    with time_machine.travel(at(2), tick=False), pytest.raises(ProblemError) as err:
        services.dossier_act(action="forward", dossier=d, actor=leader, note="Đồng ý")
    assert err.value.status == 409 and "phê duyệt" in err.value.detail
    d = Dossier.objects.get(pk=d.pk)
    run = _open_run(d)
    assert (d.status, run.position, run.name) == ("processing", 2, "Lãnh đạo phê duyệt")
    assert not StepRun.objects.filter(dossier=d, position=3).exists()
    # Approval is the way on: the one-stop office's return step, with the result ready.
    with time_machine.travel(at(3), tick=False):
        d = services.dossier_act(
            action="approve", dossier=d, actor=leader, result="Cấp bản sao trích lục"
        )
    assert d.status == "result_ready"
    assert _open_run(d).name == "Bộ phận một cửa trả kết quả"
    assert StepRun.objects.get(dossier=d, position=2).outcome == "forwarded"


def test_api_refuses_to_forward_the_approval_step(
    client, procedure, citizen, officer, processor, leader
):
    d = at_leader(procedure, citizen, officer, processor)
    sign_in(client, leader)
    with time_machine.travel(at(2), tick=False):
        r = client.post(
            f"/api/v1/dossiers/{d.code}/actions",
            {"action": "forward"},
            content_type="application/json",
        )
    assert r.status_code == 409 and r["Content-Type"].startswith("application/problem+json")
    assert _open_run(d).position == 2


def test_page_offers_no_forward_on_the_approval_step(
    client, procedure, citizen, officer, processor, leader
):
    d = at_leader(procedure, citizen, officer, processor)
    sign_in(client, leader)
    with time_machine.travel(at(2), tick=False):
        page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
        assert FORWARD_FORM not in page
        assert 'value="approve"' in page and 'value="send_back"' in page and 'value="stop"' in page
        # A forward posted anyway (an old page) is refused on the page, in Vietnamese; nothing moves.
        r = client.post(
            f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "forward", "note": "Đồng ý"}
        )
    assert r.status_code == 409 and "chưa phê duyệt" in r.content.decode()
    assert _open_run(d).position == 2


def test_page_offers_forward_where_it_can_succeed(client, procedure, citizen, officer, processor):
    d = at_specialist(received(procedure, citizen, officer), officer)
    with time_machine.travel(at(1), tick=False):
        services.dossier_act(action="claim", dossier=d, actor=processor)
        sign_in(client, processor)
        assert FORWARD_FORM in client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()


def test_no_forward_on_the_last_step(client, procedure, citizen, officer, processor):
    """A process whose last step is the specialist's (no leader step): the last step offers no
    forward, and the service refuses it."""
    wf.process_save(
        procedure=procedure,
        agency=None,
        actor=officer,
        steps=[
            {"name": "Tiếp nhận", "role": "receiving_officer", "hours": 4},
            {"name": "Xử lý", "role": "processing_officer", "hours": 8},
        ],
    )
    d = received(procedure, citizen, officer)
    with time_machine.travel(at(1), tick=False):
        services.dossier_act(action="forward", dossier=d, actor=officer)
        services.dossier_act(action="claim", dossier=d, actor=processor)
        sign_in(client, processor)
        page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
        assert FORWARD_FORM not in page and 'value="send_back"' in page
        with pytest.raises(ProblemError) as err:
            services.dossier_act(action="forward", dossier=d, actor=processor)
    assert err.value.status == 409 and "bước cuối" in err.value.detail


def test_earlier_leader_step_hands_over_to_the_approving_leader(
    procedure, citizen, officer, leader
):
    """A department head's review before the agency's approval is an ordinary step: only the last
    leader step is the approval step."""
    wf.process_save(
        procedure=procedure,
        agency=None,
        actor=officer,
        steps=[
            {"name": "Tiếp nhận", "role": "receiving_officer", "hours": 2},
            {"name": "Trưởng phòng xem xét", "role": "leader", "hours": 4},
            {"name": "Lãnh đạo cơ quan phê duyệt", "role": "leader", "hours": 4},
            {"name": "Trả kết quả", "role": "receiving_officer", "hours": 2},
        ],
    )
    spec = wf.process_for(procedure=procedure, agency=None)
    assert [wf.is_approval_step(spec=spec, position=i) for i in range(4)] == [
        False,
        False,
        True,
        False,
    ]
    d = received(procedure, citizen, officer)
    with time_machine.travel(at(1), tick=False):
        services.dossier_act(action="forward", dossier=d, actor=officer)
        services.dossier_act(action="forward", dossier=d, actor=leader)
        assert _open_run(d).name == "Lãnh đạo cơ quan phê duyệt"
        with pytest.raises(ProblemError):
            services.dossier_act(action="forward", dossier=d, actor=leader)
