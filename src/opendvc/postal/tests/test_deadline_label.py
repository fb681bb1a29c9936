"""The postal worker's pages name the delivery deadline an order has: 24 hours inside the province,
``POSTAL_OUTSIDE_RETURN_HOURS`` (72 by default) outside (Regulation QĐ 31/2020/QĐ-UBND Art. 15.2),
in Vietnamese and in English."""

from __future__ import annotations

import pytest

from opendvc.postal import services

from .conftest import address, result_ready, sign_in
from .test_pages import main_text

pytestmark = pytest.mark.django_db


def test_the_order_page_names_the_deadline_of_an_address_outside_the_province(
    client, procedure, citizen, officer, leader, postal
):
    # An order to Hà Nội, due 72 working hours after the result was ready, was labelled
    # "Hạn phát (24 giờ)" beside "còn 72 giờ", and the list's column "Hạn 24 giờ".
    inside = services.return_open(
        dossier=result_ready(procedure, citizen, officer, leader), actor=officer, address=address()
    )
    outside = services.return_open(
        dossier=result_ready(procedure, citizen, officer, leader),
        actor=officer,
        address=address("Hà Nội"),
    )
    sign_in(client, postal)
    far = main_text(client.get(f"/quan-tri/buu-chinh/don/{outside.order_number}/"))
    assert "Hạn phát (72 giờ)" in far and "24 giờ" not in far
    near = main_text(client.get(f"/quan-tri/buu-chinh/don/{inside.order_number}/"))
    assert "Hạn phát (24 giờ)" in near
    queue = main_text(client.get("/quan-tri/buu-chinh/?xem=return"))
    assert "Hạn 24 giờ" not in queue and "Với địa chỉ ngoài tỉnh: 72 giờ." in queue
    client.cookies["django_language"] = "en"
    far = main_text(client.get(f"/quan-tri/buu-chinh/don/{outside.order_number}/"))
    assert "Delivery deadline (72 hours)" in far
    assert "Outside the province: 72 hours." in main_text(client.get("/quan-tri/buu-chinh/"))
