"""The appointment on the receipt: computed from the procedure's time, or set by the receiving officer
(with a proposal from the working-time engine) when the procedure states none — on the dossier page,
at counter intake and through the API; instants outside working time are refused in Vietnamese."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.appointments import appointment_propose
from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier
from opendvc.worktime import VN_TZ, add_working_time, calendar_for_agency

from .conftest import make_procedure, sign_in, submitted_dossier

TUESDAY_9 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)
THURSDAY_1420 = datetime(2027, 8, 26, 14, 20, tzinfo=VN_TZ)


@pytest.fixture
def untimed(agencies):
    """A procedure whose legal text states no processing time (as 2.000635 or the certifications)."""
    return make_procedure(code="2.000815", time_amount=None)


def _post_receive(client, d, due_at):
    return client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "receive", "version": d.version, "due_at": due_at},
    )


@pytest.mark.parametrize("now", [TUESDAY_9, THURSDAY_1420])
def test_page_proposes_an_appointment_in_working_time_and_receives_with_it(
    client, citizen, officer, untimed, now
):
    with time_machine.travel(now, tick=False):
        d = submitted_dossier(untimed, citizen)
        sign_in(client, officer)
        page = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
        expected = add_working_time(
            now, 3, "working_days", calendar=calendar_for_agency(d.receiving_agency)
        )
        value = re.search(r'name="due_at" value="([^"]*)"', page).group(1)
        assert value == f"{expected:%d/%m/%Y %H:%M}"
        assert 'for="due_at"' in page and "07:30–11:30, 13:00–17:00" in page
        r = _post_receive(client, d, value)
        assert r.status_code == 302, r.content.decode()[:3000]
    d.refresh_from_db()
    assert d.status == State.RECEIVED and d.due_at.astimezone(VN_TZ) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("14/03/2026 09:00", "ngày nghỉ (Thứ Bảy)"),
        ("15/03/2026 10:00", "ngày nghỉ (Chủ nhật)"),
        ("02/09/2026 09:00", "ngày nghỉ"),  # National Day
        ("01/01/2027", "ngày nghỉ"),
        ("11/03/2026 12:00", "nằm ngoài giờ làm việc"),
        ("11/03/2026 17:30", "nằm ngoài giờ làm việc"),
        ("2026-03-11T07:00:00+07:00", "nằm ngoài giờ làm việc"),
        ("09/03/2026 10:00", "đã qua"),
        ("10/03/2026 08:30", "đã qua"),
        ("ngày mai", "Không đọc được ngày hẹn trả"),
        ("31/02/2026 10:00", "Không đọc được ngày hẹn trả"),
        ("", "Thủ tục chưa quy định thời hạn giải quyết"),
    ],
)
def test_instants_outside_working_time_are_refused_and_nothing_changes(
    client, citizen, officer, untimed, typed, message
):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(untimed, citizen)
        sign_in(client, officer)
        r = _post_receive(client, d, typed)
    page = r.content.decode()
    assert r.status_code == 422
    assert message in page
    # The typed value is shown again (or the proposal when nothing was typed).
    value = re.search(r'name="due_at" value="([^"]*)"', page).group(1)
    assert value == (typed.replace("&", "&amp;") if typed else "13/03/2026 09:00")
    d.refresh_from_db()
    assert (
        d.status == State.SUBMITTED
        and d.due_at is None
        and not d.documents.filter(kind="receipt").exists()
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12/03/2026 16:00", datetime(2026, 3, 12, 16, 0)),
        ("16:00 12/03/2026", datetime(2026, 3, 12, 16, 0)),
        ("13:00 ngày 16/03/2026", datetime(2026, 3, 16, 13, 0)),
        ("2026-03-11T07:30:00+07:00", datetime(2026, 3, 11, 7, 30)),
        ("2026-03-11T04:00:00Z", datetime(2026, 3, 11, 11, 0)),
        ("12/03/2026", datetime(2026, 3, 12, 17, 0)),  # a date alone: the close of office hours
        ("10/03/2026 17:00", datetime(2026, 3, 10, 17, 0)),  # the close itself is inside
    ],
)
def test_accepted_shapes(citizen, officer, untimed, typed, expected):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(untimed, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer, due_at=typed)
    assert d.due_at.astimezone(VN_TZ) == expected.replace(tzinfo=VN_TZ)
    assert d.events.get(action="receive").data["due_at"] == d.due_at.isoformat()


def test_agency_office_hours_bound_the_appointment(citizen, officer, untimed, justice):
    justice.office_hours = [["08:00", "12:00"], ["13:30", "17:30"]]
    justice.save()
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(untimed, citizen)
        with pytest.raises(ProblemError) as err:
            services.dossier_act(
                dossier=d, action="receive", actor=officer, due_at="11/03/2026 07:45"
            )
        assert "08:00–12:00, 13:30–17:30" in err.value.detail
        d = services.dossier_act(
            dossier=d, action="receive", actor=officer, due_at="11/03/2026 17:15"
        )
    assert d.due_at.astimezone(VN_TZ) == datetime(2026, 3, 11, 17, 15, tzinfo=VN_TZ)


def test_statutory_time_is_shown_and_not_typed(client, citizen, officer, procedure):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(procedure, citizen)
        proposal = appointment_propose(dossier=d, at=TUESDAY_9)
        assert proposal.statutory
        sign_in(client, officer)
        page = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
        assert 'name="due_at"' not in page and "09:00 13/03/2026" in page
        r = _post_receive(client, d, "14/03/2026 09:00")  # ignored: the procedure fixes the time
        assert r.status_code == 302
    d.refresh_from_db()
    assert d.due_at.astimezone(VN_TZ) == datetime(2026, 3, 13, 9, 0, tzinfo=VN_TZ)


def test_counter_intake_of_a_procedure_without_time(client, officer, untimed, justice):
    base = {
        "co-quan": justice.pk,
        "kenh": "counter",
        "thu-tuc": untimed.code,
        "cccd": "075190000123",
        "ho-ten": "Lê Văn Tám",
        "dien-thoai": "0912 345 678",
    }
    with time_machine.travel(THURSDAY_1420, tick=False):
        sign_in(client, officer)
        page = client.get("/mot-cua/ho-so/tiep-nhan-truc-tiep/").content.decode()
        proposal = re.search(r'name="hen-tra" value="([^"]*)"', page).group(1)
        assert proposal == "31/08/2027 14:20"  # three working days after Thursday 14:20
        r = client.post("/mot-cua/ho-so/tiep-nhan-truc-tiep/", {**base, "hen-tra": ""})
        page = r.content.decode()
        assert r.status_code == 422 and "chưa quy định thời hạn giải quyết" in page
        assert 'id="hen-tra-error"' in page and 'href="#hen-tra"' in page
        assert 'name="hen-tra" value="31/08/2027 14:20"' in page and 'value="Lê Văn Tám"' in page
        r = client.post(
            "/mot-cua/ho-so/tiep-nhan-truc-tiep/", {**base, "hen-tra": "28/08/2027 09:00"}
        )
        assert r.status_code == 422 and "ngày nghỉ (Thứ Bảy)" in r.content.decode()
        assert not Dossier.objects.exists()
        r = client.post("/mot-cua/ho-so/tiep-nhan-truc-tiep/", {**base, "hen-tra": proposal})
        assert r.status_code == 302, r.content.decode()[:3000]
    d = Dossier.objects.get()
    assert d.status == State.RECEIVED and d.due_at.astimezone(VN_TZ) == datetime(
        2027, 8, 31, 14, 20, tzinfo=VN_TZ
    )


def test_api_receive_checks_the_appointment(client, citizen, officer, untimed):
    with time_machine.travel(TUESDAY_9, tick=False):
        d = submitted_dossier(untimed, citizen)
        sign_in(client, officer)
        url = f"/api/v1/dossiers/{d.code}/actions"
        r = client.post(
            url,
            {"action": "receive", "due_at": "2026-04-30T09:00:00+07:00"},
            content_type="application/json",
        )
        assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
        assert "30/04/2026" in r.json()["detail"] and r.json()["errors"][0]["path"] == "due_at"
        r = client.post(url, {"action": "receive"}, content_type="application/json")
        assert r.status_code == 422 and "13/03/2026 09:00" in r.json()["detail"]
        r = client.post(
            url,
            {"action": "receive", "due_at": "2026-03-12T15:00:00+07:00"},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
    assert datetime.fromisoformat(r.json()["due_at"]) == datetime(2026, 3, 12, 15, 0, tzinfo=VN_TZ)
