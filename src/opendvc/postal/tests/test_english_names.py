"""In English, the names and addresses people typed (the receiver or sender of a postal order, the
worker who recorded an event, their note, the applicant's return address) are Vietnamese data: each is
marked lang="vi" on the postal worker's list and order page, the office's postal page, the applicant's
orders and dossier page (WCAG 2.1, 3.1.2). In Vietnamese nothing is marked."""

from __future__ import annotations

import pytest

from opendvc.dossiers import services as dossier_services
from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi
from opendvc.postal import services
from opendvc.postal.models import Status

from .conftest import address, result_ready, sign_in, tomorrow_at

pytestmark = pytest.mark.django_db

TYPED = ("Nguyễn Thị Hoa", "Võ Thị Sáu", "Đỗ Văn Bưu Điện", "Người nhận vắng nhà", "Trần Văn Nhận")


def _unmarked(response) -> list[str]:
    assert response.status_code == 200
    return [line for line in vietnamese_outside_lang_vi(response.content.decode()) if any(t in line for t in TYPED)]


def test_english_postal_pages_mark_what_people_typed_as_vietnamese(
    client, procedure, citizen, justice, officer, leader, postal
):
    from datetime import timedelta

    dossier = result_ready(procedure, citizen, officer, leader)
    dossier = dossier_services.dossier_return_choose(
        dossier=dossier, actor=citizen, return_method="postal", return_address=address()
    )
    order = services.return_open(dossier=dossier, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    services.return_record(order=order, actor=postal, status=Status.FAILED, note="Người nhận vắng nhà")
    start = tomorrow_at(9)
    pickup = services.pickup_request(
        applicant=citizen, procedure=procedure, agency=justice, address=address(),
        window_start=start, window_end=start + timedelta(hours=2),
    )
    services.pickup_record(order=pickup, actor=postal, status=Status.COLLECTED)
    services.pickup_record(order=pickup, actor=postal, status=Status.HANDED_TO_OFFICE)

    client.cookies["django_language"] = "en"
    sign_in(client, postal)
    for path in ("/quan-tri/buu-chinh/?xem=return", f"/quan-tri/buu-chinh/don/{order.order_number}/"):
        assert _unmarked(client.get(path)) == [], path
    client.logout()
    sign_in(client, officer)
    assert _unmarked(client.get("/mot-cua/buu-chinh/")) == []
    client.logout()
    client.force_login(citizen)
    for path in ("/buu-chinh/don-cua-toi/", f"/ho-so-cua-toi/{dossier.public_id}/"):
        assert _unmarked(client.get(path)) == [], path

    client.cookies["django_language"] = "vi"
    assert 'lang="vi"' not in client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode().split("<main", 1)[1]
