"""Appointments at the edge of what a date can hold: an instant such as 31/12/9999 23:59 UTC or
01/01/0001 00:00+14:00 is not a date in Asia/Ho_Chi_Minh. The receipt's appointment (``due_at``) and the
apology's new appointment (``new_due_at``) are refused with 422 naming the years the working calendar
covers — through the API (where the instant arrives already read as a datetime) and through the
services — and nothing changes on the dossier."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier
from opendvc.worktime import VN_TZ

from .conftest import make_procedure, sign_in, submitted_dossier

TUESDAY_9 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)
EXTREMES = [
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2150-03-11T09:00:00+07:00",
    "1900-03-11T09:00:00+07:00",
]


@pytest.fixture
def untimed(agencies):
    return make_procedure(code="2.000815", time_amount=None)


@pytest.mark.parametrize("due_at", EXTREMES)
def test_api_receive_refuses_an_appointment_outside_the_calendar(
    client, citizen, officer, untimed, due_at
):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(untimed, citizen)
        sign_in(client, officer)
        r = client.post(
            f"/api/v1/dossiers/{d.code}/actions",
            {"action": "receive", "due_at": due_at},
            content_type="application/json",
        )
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["errors"][0]["path"] == "due_at"
    assert "từ năm 1995 đến năm 2099" in body["errors"][0]["message"]
    d.refresh_from_db()
    assert d.status == State.SUBMITTED and d.due_at is None


@pytest.mark.parametrize(
    "typed", ["31/12/9999 23:59", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"]
)
def test_service_receive_refuses_typed_extremes(citizen, officer, untimed, typed):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(untimed, citizen)
        with pytest.raises(ProblemError) as err:
            services.dossier_act(dossier=d, action="receive", actor=officer, due_at=typed)
    assert err.value.status == 422 and err.value.extra["errors"][0]["path"] == "due_at"
    assert "từ năm 1995 đến năm 2099" in err.value.detail
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED


def _received(procedure, citizen, officer):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        return services.dossier_act(dossier=d, action="start_processing", actor=officer)


@pytest.mark.parametrize("new_due_at", EXTREMES)
def test_api_apology_refuses_a_new_date_outside_the_calendar(
    client, procedure, citizen, officer, leader, new_due_at
):
    d = _received(procedure, citizen, officer)
    with time_machine.travel(TUESDAY_9, tick=False):
        sign_in(client, leader)
        r = client.post(
            f"/api/v1/dossiers/{d.code}/actions",
            {"action": "apology", "reason": "Chờ xác minh", "new_due_at": new_due_at},
            content_type="application/json",
        )
    assert r.status_code == 422, r.content
    errors = {e["path"]: e["message"] for e in r.json()["errors"]}
    assert "từ năm 1995 đến năm 2099" in errors["new_due_at"]
    assert Dossier.objects.get(pk=d.pk).appointment_at is None


def test_service_apology_refuses_a_parsed_extreme(procedure, citizen, officer, leader):
    d = _received(procedure, citizen, officer)
    with time_machine.travel(TUESDAY_9, tick=False), pytest.raises(ProblemError) as err:
        services.dossier_act(
            action="apology",
            dossier=d,
            actor=leader,
            reason="Chờ xác minh",
            new_due_at=datetime.fromisoformat("9999-12-31T23:59:59+00:00"),
        )
    assert err.value.status == 422
    assert [e["path"] for e in err.value.extra["errors"]] == ["new_due_at"]
    assert Dossier.objects.get(pk=d.pk).appointment_at is None
