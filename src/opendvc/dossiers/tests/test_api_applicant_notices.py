"""What the applicant's dossier page shows, the API answers too: the items the agency asks the applicant
to complete (NĐ 61/2018, Art. 15) and the new appointment after an apology (Art. 19). A client app read
``returned_for_completion`` without knowing what to complete, and the original ``due_at`` only."""

from __future__ import annotations

from datetime import datetime

import time_machine

from opendvc.dossiers import services
from opendvc.worktime import VN_TZ

from .conftest import submitted_dossier
from .test_processing import received

ITEMS = ["Bản sao giấy chứng sinh", "Tờ khai ghi thiếu ngày sinh"]


def test_the_items_to_complete_are_listed_while_the_applicant_is_asked(
    client, procedure, citizen, officer
):
    d = submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    assert client.get(f"/api/v1/dossiers/{d.code}").json()["completion_items"] == []
    services.dossier_act(dossier=d, action="return_for_completion", actor=officer, items=ITEMS)
    body = client.get(f"/api/v1/dossiers/{d.code}").json()
    assert body["status"] == "returned_for_completion"
    assert body["completion_items"] == ITEMS


def test_the_new_appointment_after_an_apology_is_given_beside_the_original_one(
    client, procedure, citizen, officer, leader
):
    d = received(procedure, citizen, officer)
    client.force_login(citizen)
    assert client.get(f"/api/v1/dossiers/{d.code}").json()["appointment_at"] is None
    with time_machine.travel(datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ), tick=False):
        services.dossier_act(
            action="apology",
            dossier=d,
            actor=leader,
            reason="Chờ xác minh",
            new_due_at="16/03/2026",
        )
    body = client.get(f"/api/v1/dossiers/{d.code}").json()
    assert datetime.fromisoformat(body["appointment_at"]) == datetime(
        2026, 3, 16, 17, 0, tzinfo=VN_TZ
    )
    assert datetime.fromisoformat(body["due_at"]) == d.due_at
