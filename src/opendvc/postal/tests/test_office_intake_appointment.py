"""The one-stop office's postal intake proposes the appointment as the online receipt does (the statutory
one, or a working-day default the officer may change) and, after a refused intake, shows the form again
with the typed appointment and the error at the field."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from opendvc.dossiers.tests.conftest import make_procedure
from opendvc.postal import services
from opendvc.postal.models import PostalOrder, Status
from opendvc.worktime import VN_TZ, add_working_time, calendar_for_agency

from .conftest import address, sign_in

pytestmark = pytest.mark.django_db

TUESDAY_9 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)


def _handed_over(procedure, citizen, postal, justice):
    order = services.pickup_request(
        applicant=citizen,
        procedure=procedure,
        agency=justice,
        address=address(),
        window_start=datetime(2026, 3, 10, 14, 0, tzinfo=VN_TZ),
        window_end=datetime(2026, 3, 10, 16, 0, tzinfo=VN_TZ),
    )
    services.pickup_record(order=order, actor=postal, status=Status.COLLECTED)
    services.pickup_record(order=order, actor=postal, status=Status.HANDED_TO_OFFICE)
    return order


def _value(page: str, order) -> str:
    return re.search(rf'id="hen-tra-{order.pk}" name="hen-tra" value="([^"]*)"', page).group(1)


def test_untimed_procedure_proposes_a_date_and_keeps_the_typed_one_after_an_error(
    client, agencies, citizen, postal, officer, justice
):
    untimed = make_procedure(code="2.000815", time_amount=None)
    with time_machine.travel(TUESDAY_9, tick=False):
        order = _handed_over(untimed, citizen, postal, justice)
        sign_in(client, officer)
        page = client.get("/mot-cua/buu-chinh/").content.decode()
        expected = add_working_time(
            TUESDAY_9, 3, "working_days", calendar=calendar_for_agency(justice)
        )
        assert _value(page, order) == f"{expected:%d/%m/%Y %H:%M}"
        url = f"/mot-cua/buu-chinh/thu-gom/{order.order_number}/tiep-nhan/"
        refused = client.post(url, {"hen-tra": "14/03/2026 09:00"})  # a Saturday
        assert refused.status_code in (400, 422)
        page = refused.content.decode()
        assert _value(page, order) == "14/03/2026 09:00"
        error = re.search(rf'id="hen-tra-{order.pk}-error">(.*?)</div>', page, re.S).group(1)
        assert "ngày nghỉ (Thứ Bảy)" in error
        assert 'aria-invalid="true"' in page
        done = client.post(
            url, {"hen-tra": _value(client.get("/mot-cua/buu-chinh/").content.decode(), order)}
        )
        assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.RECEIVED
    assert order.dossier.due_at.astimezone(VN_TZ) == expected


def test_a_statutory_appointment_is_shown_not_asked(
    client, procedure, citizen, postal, officer, justice
):
    with time_machine.travel(TUESDAY_9, tick=False):
        order = _handed_over(procedure, citizen, postal, justice)
        sign_in(client, officer)
        page = client.get("/mot-cua/buu-chinh/").content.decode()
        assert 'name="hen-tra"' not in page
        assert "Hẹn trả kết quả (tính theo thời hạn của thủ tục" in page
        done = client.post(f"/mot-cua/buu-chinh/thu-gom/{order.order_number}/tiep-nhan/")
        assert done.status_code == 302
        shown = re.search(r"nếu tiếp nhận ngay\):\s*<strong>([^<]+)</strong>", page).group(1)
    d = PostalOrder.objects.get(pk=order.pk).dossier
    assert f"{d.due_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}" == shown
