"""Pickup → intake with the channel "postal" → result → return leg → delivery; the postal operator's
order API over HTTP (the simulator); tracking callbacks applied once and never moving a delivered item
back."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from opendvc.core.problems import ProblemError
from opendvc.dossiers.models import Dossier, DossierEvent
from opendvc.postal import services
from opendvc.postal.models import PostalEvent, PostalOrder, Status
from opendvc.postal.simulators import sign

from .conftest import SECRET, address, proof_png, result_ready, tomorrow_at


def _pickup(procedure, citizen, justice):
    start = tomorrow_at(9)
    return services.pickup_request(
        applicant=citizen,
        procedure=procedure,
        agency=justice,
        address=address(),
        window_start=start,
        window_end=start + timedelta(hours=2),
    )


@pytest.mark.django_db
def test_a_pickup_window_lies_within_one_day_of_pickup_hours(procedure, citizen, justice):
    start = tomorrow_at(19)
    with pytest.raises(ProblemError) as refused:
        services.pickup_request(applicant=citizen, procedure=procedure, agency=justice, address=address(),
                                window_start=start, window_end=start + timedelta(days=365))
    assert [e["path"] for e in refused.value.extra["errors"]] == ["window_end"]
    order = services.pickup_request(applicant=citizen, procedure=procedure, agency=justice, address=address(),
                                    window_start=tomorrow_at(7), window_end=tomorrow_at(20))
    assert order.window_end - order.window_start == timedelta(hours=13)


@pytest.mark.django_db
def test_a_pickup_becomes_a_postal_intake_and_its_result_goes_back_by_post(
    simulator,
    procedure,
    citizen,
    justice,
    postal,
    officer,
    leader,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _pickup(procedure, citizen, justice)
    order.refresh_from_db()
    assert order.order_number == f"TG{order.pk:08d}-pickup" and order.fee_vnd == 22000
    sent = simulator.orders[order.order_number]["request"]
    assert order.carrier_code == simulator.orders[order.order_number]["ItemCode"]
    assert sent["SenderFullName"] == "Nguyễn Thị Hoa" and sent["ReceiverFullName"] == justice.name

    services.pickup_record(order=order, actor=postal, status=Status.COLLECTED)
    with pytest.raises(ProblemError) as denied:
        services.pickup_intake(order=order, actor=officer)
    assert denied.value.status == 409  # not handed over yet
    services.pickup_record(order=order, actor=postal, status=Status.HANDED_TO_OFFICE)
    dossier = services.pickup_intake(order=order, actor=officer)
    order.refresh_from_db()
    assert (
        dossier.channel == "postal"
        and dossier.status == "received"
        and dossier.applicant == citizen
    )
    assert order.status == Status.RECEIVED and order.dossier == dossier

    # The leader's approval opens the return leg at the pickup's address, the clock started then.
    from opendvc.dossiers import services as dossier_services

    with django_capture_on_commit_callbacks(execute=True):
        d = dossier_services.dossier_act(dossier=dossier, action="start_processing", actor=officer)
        d = dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    back = PostalOrder.objects.get(dossier=dossier, leg="return")
    assert back.order_number == f"{dossier.code}-return" and back.address == order.address
    assert back.due_at is not None and back.ready_at is not None
    assert simulator.orders[back.order_number]["request"]["CodAmount"] == 22000


@pytest.mark.django_db
def test_the_postal_worker_delivers_with_proof_and_the_dossier_is_returned(
    procedure, citizen, officer, leader, postal, foreign_postal
):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    with pytest.raises(ProblemError) as other:
        services.return_record(order=order, actor=foreign_postal, status=Status.HANDED_TO_POST)
    assert other.value.status == 403
    with pytest.raises(ProblemError) as before_ready:
        services.return_record(
            order=order,
            actor=postal,
            status=Status.HANDED_TO_POST,
            at=order.ready_at - timedelta(minutes=5),
        )
    assert before_ready.value.extra["errors"][0]["path"] == "at"
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    with pytest.raises(ProblemError) as no_proof:
        services.return_record(
            order=order, actor=postal, status=Status.DELIVERED, receiver_name="Nguyễn Thị Hoa"
        )
    assert no_proof.value.extra["errors"][0]["path"] == "proof"
    # Every problem of the event at once: no receiver, no proof, a time to come.
    with pytest.raises(ProblemError) as everything:
        services.return_record(
            order=order, actor=postal, status=Status.DELIVERED, at=timezone.now() + timedelta(hours=1)
        )
    assert [e["path"] for e in everything.value.extra["errors"]] == ["receiver_name", "proof", "at"]
    services.return_record(
        order=order,
        actor=postal,
        status=Status.DELIVERED,
        receiver_name="Nguyễn Thị Hoa",
        proof=proof_png(),
    )
    order.refresh_from_db()
    d.refresh_from_db()
    assert order.status == Status.DELIVERED and order.on_time_class in ("early", "on_time")
    assert order.proof_file.name and order.receiver_name == "Nguyễn Thị Hoa"
    assert d.status == "returned"
    event = DossierEvent.objects.get(dossier=d, action="return_result")
    assert event.data["method"] == "postal" and event.data["order_number"] == order.order_number
    order.proof_file.delete(save=False)


@pytest.mark.django_db
def test_a_failed_delivery_needs_a_reason_and_a_returned_item_can_go_out_again(
    procedure, citizen, officer, leader, postal
):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    with pytest.raises(ProblemError):
        services.return_record(order=order, actor=postal, status=Status.FAILED)
    services.return_record(
        order=order, actor=postal, status=Status.FAILED, note="Không có người nhận"
    )
    services.return_record(order=order, actor=postal, status=Status.RETURNED_TO_OFFICE)
    again = services.return_open(dossier=d, actor=officer, address=address())
    assert again.order_number == f"{d.code}-return-2"


def _post(live_server, event: dict, secret=SECRET):
    import json

    body = json.dumps(event).encode()
    return httpx.post(
        f"{live_server.url}/api/v1/postal/tracking",
        content=body,
        headers={"Content-Type": "application/json", "X-Postal-Signature": sign(secret, body)},
    )


@pytest.mark.django_db(transaction=True)
def test_duplicate_tracking_callbacks_are_applied_once(
    live_server, simulator, procedure, citizen, officer, leader, postal
):
    simulator.callback_url = f"{live_server.url}/api/v1/postal/tracking"
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.order_send(order=order)
    simulator.switches.update({"duplicate": True})
    simulator.advance(order.order_number, "accepted")
    simulator.advance(order.order_number, "delivered", receiver_name="Nguyễn Thị Hoa")
    order.refresh_from_db()
    assert order.status == Status.DELIVERED and order.handed_at is not None
    assert [e.status for e in order.events.filter(source="carrier")] == [
        Status.HANDED_TO_POST,
        Status.DELIVERED,
    ]
    assert DossierEvent.objects.filter(dossier=d, action="return_result").count() == 1
    assert Dossier.objects.get(pk=d.pk).status == "returned"
    # Sent once more by hand: answered, nothing changes.
    last = simulator.orders[order.order_number]["events"][-1]
    answer = _post(live_server, last)
    assert answer.status_code == 200 and answer.json() == {
        "order_number": order.order_number,
        "applied": False,
    }
    assert PostalEvent.objects.filter(order=order).count() == 3  # ready, handed to post, delivered
    # A forged callback is refused.
    assert _post(live_server, last, secret="wrong").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_callback_in_local_time_is_applied_and_a_garbled_signature_is_401(
    live_server, simulator, procedure, citizen, officer, leader, postal
):
    """The operator's clock is Vietnam time: a ``StatusTime`` without an offset is read so and compared
    with the aware times already applied (before, a 500). A signature header that is not even ASCII is
    refused like a wrong one (before, a 500)."""
    from zoneinfo import ZoneInfo

    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.order_send(order=order)
    t0 = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    first = {"EventId": "ev-local-1", "OrderNumber": order.order_number, "Status": "accepted",
             "StatusTime": t0.isoformat()}
    assert _post(live_server, first).status_code == 200
    local = (t0 + timedelta(hours=1)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)
    answer = _post(live_server, {**first, "EventId": "ev-local-2", "Status": "in_transit",
                                 "StatusTime": local.isoformat()})
    assert answer.status_code == 200 and answer.json()["applied"] is True
    assert order.events.get(external_id="ev-local-2").at == t0 + timedelta(hours=1)
    garbled = httpx.post(
        f"{live_server.url}/api/v1/postal/tracking",
        content=b"{}",
        headers={"Content-Type": "application/json", "X-Postal-Signature": b"zzz\xc3\xa9\xff"},
    )
    assert garbled.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_out_of_order_tracking_does_not_move_a_delivered_item_back(
    live_server, simulator, procedure, citizen, officer, leader, postal
):
    simulator.callback_url = f"{live_server.url}/api/v1/postal/tracking"
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.order_send(order=order)
    simulator.switches.update({"reorder": True})
    t0 = timezone.now() - timedelta(hours=3)
    simulator.advance(order.order_number, "accepted", at=t0)
    simulator.advance(order.order_number, "in_transit", at=t0 + timedelta(hours=1))
    simulator.advance(
        order.order_number, "delivered", at=t0 + timedelta(hours=2), receiver_name="Hoa"
    )
    assert all(r.status_code == 200 for r in simulator.flush_callbacks())  # newest first
    order.refresh_from_db()
    assert order.status == Status.DELIVERED and order.finished_at == t0 + timedelta(hours=2)
    assert order.handed_at == t0  # filled in by the late "accepted"
    stale = order.events.filter(source="carrier", applied=False)
    assert sorted(stale.values_list("status", flat=True)) == [
        Status.HANDED_TO_POST,
        Status.IN_TRANSIT,
    ]
    assert DossierEvent.objects.filter(dossier=d, action="return_result").count() == 1


@pytest.mark.django_db
def test_tracking_read_from_the_operator_is_applied_once(
    simulator, procedure, citizen, officer, leader
):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.order_send(
        order=services.return_open(dossier=d, actor=officer, address=address())
    )
    simulator.advance(order.order_number, "accepted")
    simulator.advance(order.order_number, "failed", reason="Sai địa chỉ")
    assert services.tracking_refresh(order=order) == 2
    assert services.tracking_refresh(order=order) == 0
    order.refresh_from_db()
    assert order.status == Status.FAILED and order.failure_reason == "Sai địa chỉ"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "path"),
    [
        ({"StatusTime": "2999-01-01T00:00:00+07:00"}, "StatusTime"),
        ({"StatusTime": "khong-phai-ngay"}, "StatusTime"),
        ({"Status": "lost"}, "Status"),
    ],
)
def test_a_bad_tracking_event_is_skipped_and_logged_and_the_good_ones_after_it_are_applied(
    simulator, procedure, citizen, officer, leader, bad, path
):
    """The pull stopped at the first event it refused: the events after it were never recorded."""
    from opendvc.integrations.models import InboundMessage

    d = result_ready(procedure, citizen, officer, leader)
    order = services.order_send(
        order=services.return_open(dossier=d, actor=officer, address=address())
    )
    t0 = timezone.now() - timedelta(hours=3)
    simulator.advance(order.order_number, "accepted", at=t0)
    simulator.advance(order.order_number, "in_transit", at=t0 + timedelta(hours=1))
    simulator.advance(
        order.order_number, "delivered", at=t0 + timedelta(hours=2), receiver_name="Hoa"
    )
    simulator.switches.update({"extra": {"tamper": {2: bad}}})
    assert services.tracking_refresh(order=order) == 2
    order.refresh_from_db()
    assert order.status == Status.DELIVERED and order.handed_at == t0
    assert not order.events.filter(external_id__endswith="-2").exists()
    refused = InboundMessage.objects.get(peer="postal", outcome="refused")
    assert refused.code == "validation_error" and f"{path}:" in refused.detail
    assert order.order_number in refused.body
    assert services.tracking_refresh(order=order) == 0


@pytest.mark.django_db
def test_a_bad_tracking_event_read_again_is_logged_once(
    simulator, procedure, citizen, officer, leader
):
    """Each pull logged the same refused event again."""
    from opendvc.integrations.models import InboundMessage

    d = result_ready(procedure, citizen, officer, leader)
    order = services.order_send(
        order=services.return_open(dossier=d, actor=officer, address=address())
    )
    t0 = timezone.now() - timedelta(hours=3)
    simulator.advance(order.order_number, "accepted", at=t0)
    simulator.advance(order.order_number, "in_transit", at=t0 + timedelta(hours=1))
    simulator.switches.update({"extra": {"tamper": {2: {"Status": "lost"}}}})
    assert services.tracking_refresh(order=order) == 1
    assert services.tracking_refresh(order=order) == 0
    refused = InboundMessage.objects.filter(peer="postal", outcome="refused")
    assert refused.count() == 1 and "Status:" in refused.get().detail
    # The operator changed the event: a new one, logged (once) too.
    simulator.switches.update({"extra": {"tamper": {2: {"Status": "gone"}}}})
    services.tracking_refresh(order=order)
    services.tracking_refresh(order=order)
    assert refused.count() == 2


@pytest.mark.django_db
def test_an_operator_that_is_down_leaves_the_order_to_send_again(
    simulator, procedure, citizen, officer, leader
):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    simulator.switches.update({"status": 503})
    order = services.order_send(order=order)
    assert order.carrier_code == "" and "503" in order.carrier_error
    simulator.switches.reset()
    order = services.order_send(order=order)
    assert order.carrier_code.startswith("EL") and order.carrier_error == ""


@pytest.mark.django_db
def test_a_cancelled_pickup_is_cancelled_at_the_operator_and_outside_the_province_costs_more(
    simulator, procedure, citizen, justice, postal, django_capture_on_commit_callbacks
):
    start = tomorrow_at(9)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.pickup_request(
            applicant=citizen,
            procedure=procedure,
            agency=justice,
            address=address("Tỉnh Bình Dương"),
            window_start=start,
            window_end=start + timedelta(hours=1),
        )
    order.refresh_from_db()
    assert not order.inside_province and order.fee_vnd == 35000 and order.carrier_code
    assert services.is_inside_province("tỉnh Đồng Nai") and services.is_inside_province("DONG NAI")
    services.pickup_record(order=order, actor=postal, status=Status.CANCELLED)
    assert simulator.orders[order.order_number]["cancelled"] is True
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.finished_at is not None
    with pytest.raises(ProblemError) as again:
        services.pickup_record(order=order, actor=postal, status=Status.COLLECTED)
    assert again.value.status == 409
