"""The apology's new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả, Decree 61/2018/NĐ-CP
Art. 19) is a day the applicant comes back for the result: like the receipt's appointment it is refused
on a weekend, a public holiday or outside office hours, and a date alone means the close of office
hours — never midnight — on the page, through the API and in the printed letter."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from pypdf import PdfReader

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.models import Dossier, DossierDocument
from opendvc.worktime import VN_TZ

from .conftest import sign_in
from .test_processing import received

WEDNESDAY_10 = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)  # the dossier is due on Friday 13/03


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("15/03/2026 10:00", "ngày nghỉ (Chủ nhật)"),
        ("2026-12-13", "ngày nghỉ (Chủ nhật)"),
        ("30/04/2026 09:00", "ngày nghỉ"),  # Reunification Day
        ("16/03/2026 00:00", "nằm ngoài giờ làm việc"),
        ("16/03/2026 12:00", "nằm ngoài giờ làm việc"),
        ("2026-03-16T18:00:00+07:00", "nằm ngoài giờ làm việc"),
        ("ngày mai", "Không đọc được ngày hẹn trả"),
    ],
)
def test_service_refuses_a_new_appointment_outside_working_time(
    procedure, citizen, officer, leader, typed, message
):
    d = received(procedure, citizen, officer)
    with time_machine.travel(WEDNESDAY_10, tick=False), pytest.raises(ProblemError) as err:
        services.dossier_act(
            action="apology", dossier=d, actor=leader, reason="Chờ xác minh", new_due_at=typed
        )
    errors = err.value.extra["errors"]
    assert [e["path"] for e in errors] == ["new_due_at"] and message in errors[0]["message"]
    if "Không đọc được" in message:
        # The page's label asks for dd/mm/yyyy: the message names both forms the field takes.
        assert "dd/mm/yyyy (hẹn lúc hết giờ làm việc ngày đó) hoặc dd/mm/yyyy giờ:phút" in errors[0]["message"]
    assert Dossier.objects.get(pk=d.pk).appointment_at is None
    assert not DossierDocument.objects.filter(dossier=d, kind="apology").exists()


def test_api_refuses_a_sunday_as_the_new_appointment(client, procedure, citizen, officer, leader):
    d = received(procedure, citizen, officer)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        sign_in(client, leader)
        r = client.post(
            f"/api/v1/dossiers/{d.code}/actions",
            {
                "action": "apology",
                "reason": "Chờ xác minh",
                "new_due_at": "2026-03-15T10:00:00+07:00",
            },
            content_type="application/json",
        )
    assert r.status_code == 422, r.content
    errors = {e["path"]: e["message"] for e in r.json()["errors"]}
    assert "ngày nghỉ (Chủ nhật)" in errors["new_due_at"]
    assert Dossier.objects.get(pk=d.pk).appointment_at is None


def test_page_shows_why_a_holiday_is_refused(client, procedure, citizen, officer, leader):
    d = received(procedure, citizen, officer)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        sign_in(client, leader)
        r = client.post(
            f"/can-bo/xu-ly/{d.code}/thao-tac/",
            {"action": "apology", "reason": "Chờ xác minh", "new_due_at": "30/04/2026"},
        )
    html = r.content.decode()
    assert r.status_code == 422 and "30/04/2026 là ngày nghỉ" in html
    assert 'value="30/04/2026"' in html
    assert Dossier.objects.get(pk=d.pk).appointment_at is None


def _letter_text(d) -> str:
    doc = DossierDocument.objects.filter(dossier=d, kind="apology").latest("pk")
    with doc.file.open("rb") as fh:
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("16/03/2026", datetime(2026, 3, 16, 17, 0, tzinfo=VN_TZ)),  # a date alone: the close
        ("2026-03-16", datetime(2026, 3, 16, 17, 0, tzinfo=VN_TZ)),
        ("16/03/2026 09:30", datetime(2026, 3, 16, 9, 30, tzinfo=VN_TZ)),
        ("14:00 17/03/2026", datetime(2026, 3, 17, 14, 0, tzinfo=VN_TZ)),
    ],
)
def test_a_working_instant_is_kept_and_printed(
    procedure, citizen, officer, leader, typed, expected
):
    d = received(procedure, citizen, officer)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        d = services.dossier_act(
            action="apology", dossier=d, actor=leader, reason="Chờ xác minh", new_due_at=typed
        )
    assert d.appointment_at == expected
    text = " ".join(_letter_text(d).split())
    assert f"lúc {expected:%H:%M} ngày {expected:%d/%m/%Y}" in text


def test_the_appointment_is_set_again_only_once(procedure, citizen, officer, leader):
    """Decree 61/2018/NĐ-CP Art. 19 as amended by Decree 107/2021/NĐ-CP: the result's appointment is set
    again at most once. A second apology, even with a later date, is refused and changes nothing."""
    d = received(procedure, citizen, officer)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        d = services.dossier_act(
            action="apology",
            dossier=d,
            actor=leader,
            reason="Chờ xác minh",
            new_due_at="16/03/2026",
        )
        for later in ("18/03/2026", None):
            inputs = {"new_due_at": later} if later else {}
            with pytest.raises(ProblemError) as err:
                services.dossier_act(action="apology", dossier=d, actor=leader, reason="Lần hai", **inputs)
            assert err.value.status == 409
            assert err.value.detail == (
                f"Hồ sơ {d.code} đã được hẹn lại ngày trả kết quả (17:00 16/03/2026). Việc hẹn lại chỉ được "
                "thực hiện không quá một lần (Nghị định 107/2021/NĐ-CP)."
            )
    d.refresh_from_db()
    assert d.appointment_at == datetime(2026, 3, 16, 17, 0, tzinfo=VN_TZ)
    assert DossierDocument.objects.filter(dossier=d, kind="apology").count() == 1
