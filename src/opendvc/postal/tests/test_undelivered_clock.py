"""A result the post could not deliver and returned to the one-stop office has no on-time class: it was
not delivered early (nor on time), so the pages say "Không phát được"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from opendvc.postal import clock, services
from opendvc.postal.models import Status

from .conftest import address, result_ready, sign_in
from .test_pages import main_text

pytestmark = pytest.mark.django_db


def test_a_return_that_ended_without_delivery_is_not_early(
    client, procedure, citizen, officer, leader, postal
):
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    services.return_record(order=order, actor=postal, status=Status.FAILED, note="Sai địa chỉ")
    services.return_record(order=order, actor=postal, status=Status.RETURNED_TO_OFFICE)
    order.refresh_from_db()
    assert order.finished_at < order.due_at  # before the deadline, yet not delivered

    sign_in(client, postal)
    worker = main_text(client.get(f"/quan-tri/buu-chinh/don/{order.order_number}/"))
    assert "Không phát được" in worker and "Trước hạn" not in worker
    client.logout()
    sign_in(client, citizen)
    mine = main_text(client.get("/buu-chinh/don-cua-toi/"))
    assert "Đã chuyển hoàn về một cửa" in mine
    assert "Không phát được" in mine and "Trước hạn" not in mine


def test_the_clock_of_a_finished_order_follows_how_it_ended():
    now = timezone.now()
    due = now + timedelta(days=3)
    done = {"due_at": due, "now": now, "finished_at": now}
    assert clock.clock_state(**done, status="delivered") == "early"
    assert clock.clock_state(**done, status="returned_to_office") == "undelivered"
    assert clock.clock_state(**done, status="cancelled") == ""
    # Returned after the deadline: still not delivered (not "late" delivery).
    assert (
        clock.clock_state(**done, on_time_class="late", status="returned_to_office")
        == "undelivered"
    )
