"""The government feedback systems: polled items become feedback with the system's own channel, once
each (by the system's id); the agency's answer goes back to the system through the outbox."""

from __future__ import annotations

import pytest

from opendvc.feedback.lifecycle import Action
from opendvc.feedback.models import Feedback
from opendvc.feedback.services import feedback_act
from opendvc.integrations.govfeedback.client import govfeedback_poll
from opendvc.integrations.govfeedback.simulator import GovFeedbackSimulator
from opendvc.integrations.jobs import poll_government_feedback
from opendvc.integrations.models import Delivery
from opendvc.integrations.outbox import outbox_relay
from opendvc.integrations.transport import reset_senders

pytestmark = pytest.mark.django_db


@pytest.fixture
def systems(settings):
    simulator = GovFeedbackSimulator().start()
    settings.GOVFEEDBACK_NGUOIDAN_URL = f"{simulator.url}/nguoidan"
    settings.GOVFEEDBACK_DOANHNGHIEP_URL = f"{simulator.url}/doanhnghiep"
    reset_senders()
    yield simulator
    simulator.stop()
    reset_senders()


ITEM = {
    "MaPAKN": "PA-1001",
    "TieuDe": "Chậm cấp giấy khai sinh",
    "NoiDung": "Hồ sơ của tôi quá hạn 5 ngày.",
    "HoTen": "Trần Thị Bình",
    "SoDienThoai": "0912345678",
    "NgayGui": "20261130090000",
    "LoaiPAKN": "1",
}


def test_polled_items_are_created_once_with_their_own_channel(systems, org, monday):
    systems.add_item(**ITEM)
    systems.switches.duplicate = True  # the system lists the item twice
    first = govfeedback_poll(system="nguoidan")
    assert first["created"] == 1
    again = poll_government_feedback()
    assert again["nguoidan"]["created"] == 0 and again["nguoidan"]["unchanged"] == 2
    # The same id on the businesses' system is another item, with the other channel.
    assert again["doanhnghiep"]["created"] == 1
    channels = sorted(Feedback.objects.values_list("channel", flat=True))
    assert channels == ["doanhnghiep", "nguoidan"]
    assert Feedback.objects.get(channel="nguoidan").external_id == "dvcqg:nguoidan:PA-1001"


def test_the_answer_goes_back_through_the_outbox(systems, org, monday):
    systems.add_item(**ITEM)
    govfeedback_poll(system="nguoidan")
    fb = Feedback.objects.get()
    fb = feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    assert not Delivery.objects.exists()
    feedback_act(
        feedback=fb,
        action=Action.ANSWER,
        actor=org["focal"],
        inputs={"answer": "Đã trả kết quả ngày 01/12."},
    )
    assert Delivery.objects.get().destination == "govfeedback:nguoidan"
    systems.switches.status = 502
    assert outbox_relay(budget_seconds=0).failed == 1
    systems.switches.status = None
    Delivery.objects.update(next_attempt_at=Delivery.objects.get().created_at)
    assert outbox_relay(budget_seconds=0).delivered == 1
    (answer,) = systems.answers.values()
    assert answer["MaPAKN"] == "PA-1001" and answer["NoiDungTraLoi"] == "Đã trả kết quả ngày 01/12."
    assert answer["CoQuanTraLoi"] == "000.00.32.H19" and len(answer["NgayTraLoi"]) == 14


def test_a_system_down_does_not_stop_the_other(systems, org, monday, settings):
    settings.GOVFEEDBACK_NGUOIDAN_URL = "http://127.0.0.1:9/nguoidan"
    systems.add_item(**ITEM)
    result = poll_government_feedback()
    assert str(result["nguoidan"]).startswith("error:")
    assert result["doanhnghiep"]["created"] == 1


def test_web_feedback_answers_send_nothing(systems, org, monday):
    from opendvc.feedback.services import feedback_create

    fb = feedback_create(
        channel="web", subject="Hỏi lệ phí", content="Lệ phí bao nhiêu?", sender=org["citizen"]
    )
    fb = feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Miễn phí."}
    )
    assert not Delivery.objects.exists()
