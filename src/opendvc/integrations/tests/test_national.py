"""Dossier actions write the national portal's messages in their transaction; the relay delivers them
over HTTP to the simulator, in order, once each."""

from __future__ import annotations

import pytest
from django.db import transaction

from opendvc.core.problems import ProblemError
from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import submitted_dossier
from opendvc.integrations.models import Delivery, Message, NationalStatusMap
from opendvc.integrations.national.client import NationalClient
from opendvc.integrations.national.mapping import mapping_problems
from opendvc.integrations.national.messages import national_date
from opendvc.integrations.outbox import outbox_relay

pytestmark = pytest.mark.django_db


def test_filing_and_receiving_reach_the_national_portal_in_order(
    national, procedure, citizen, officer
):
    dossier = submitted_dossier(procedure, citizen)
    dossier = dossier_act(dossier=dossier, action="receive", actor=officer)
    kinds = list(Message.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "national.DongBoHoSoMC",
        "national.DongBoHoSoMC",
        "national.CapNhatTienDoHoSoMC",
    ]
    assert set(Delivery.objects.values_list("ordering_key", flat=True)) == {f"dossier:{dossier.pk}"}

    result = outbox_relay(budget_seconds=5)
    assert result.delivered == 3 and result.failed == 0
    assert [service for _id, service, _code in national.applied] == [
        "DongBoHoSoMC",
        "DongBoHoSoMC",
        "CapNhatTienDoHoSoMC",
    ]
    held = national.dossiers[dossier.code]
    assert held["TrangThaiHoSo"] == 2 and held["HinhThuc"] == 2
    assert held["MaTTHC"] == procedure.code and held["TenLinhVuc"] == "Hộ tịch"
    assert held["NgayTiepNhan"] == national_date(dossier.received_at)
    assert len(held["NgayHenTra"]) == 14
    assert held["TaiLieuNop"] and held["TaiLieuNop"][0]["TenTepDinhKem"].endswith(".pdf")
    step = national.progress[dossier.code][0]
    assert step["NguoiXuLy"] == officer.full_name and step["TrangThai"] == 2
    # The message ids sent are the outbox's.
    assert {m for m, _s, _c in national.applied} == {
        str(m) for m in Message.objects.values_list("message_id", flat=True)
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert NationalClient().lookup(dossier.code)["data"]["MaHoSo"] == dossier.code


@pytest.mark.parametrize(
    ("fault", "stored", "english"),
    [
        ("slow", "Hết thời gian chờ (ReadTimeout): ", "Timed out waiting (ReadTimeout): "),
        ("refused", "Không kết nối được (DNS/TLS/từ chối kết nối): ", "Could not connect"),
    ],
)
def test_a_lookup_the_national_portal_cannot_answer_fails_in_the_transports_words(
    national, settings, fault, stored, english
):
    """The lookup's failure was the HTTP library's bare message ("timed out", "[Errno 111] …")."""
    from django.utils import translation

    from opendvc.integrations.national.client import national_lookup
    from opendvc.integrations.transport import DeliveryError, error_words

    settings.OUTBOX_TIMEOUT_SECONDS = 0.3
    if fault == "slow":
        national.switches.update({"slow": 2.0})
    else:
        national.stop()  # nothing listens at its address any more
    with pytest.raises(DeliveryError) as failed:
        national_lookup(code="H19-1")
    assert str(failed.value).startswith(stored)
    with translation.override("en"):
        words, translated = error_words(str(failed.value))
    assert translated and words.startswith(english)


def test_vietnam_time_dates():
    from datetime import UTC, datetime

    assert national_date(datetime(2026, 3, 10, 17, 30, 5, tzinfo=UTC)) == "20260311003005"
    assert national_date(None) == ""


def test_a_refused_action_leaves_no_message(national, procedure, citizen, processor):
    dossier = submitted_dossier(procedure, citizen)
    before = Message.objects.count()
    with pytest.raises(ProblemError):
        dossier_act(dossier=dossier, action="receive", actor=processor)  # not a receiving officer
    assert Message.objects.count() == before


def test_the_message_rolls_back_with_the_business_transaction(
    national, procedure, citizen, officer
):
    dossier = submitted_dossier(procedure, citizen)
    before = Message.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_act(dossier=dossier, action="receive", actor=officer)
        assert Message.objects.count() == before + 2
        raise RuntimeError("the caller's transaction fails after the action")
    assert Message.objects.count() == before
    dossier.refresh_from_db()
    assert dossier.status == "submitted"


def test_no_message_when_the_national_portal_is_off(settings, procedure, citizen):
    settings.NATIONAL_PORTAL_URL = ""
    submitted_dossier(procedure, citizen)
    assert not Message.objects.exists()


def test_transport_errors_are_recorded_and_retried(national, procedure, citizen, officer):
    dossier = submitted_dossier(procedure, citizen)
    national.switches.down = True
    result = outbox_relay(budget_seconds=0)
    assert result.failed == 1
    row = Delivery.objects.get()
    assert row.status == "failed" and row.attempts == 1 and row.last_error
    national.switches.down = False
    national.switches.malformed = True
    outbox_relay(budget_seconds=0)
    row.refresh_from_db()
    assert row.attempts == 2 and "JSON" in row.last_error
    national.switches.malformed = False
    national.switches.status = 503
    outbox_relay(budget_seconds=0)
    row.refresh_from_db()
    assert row.attempts == 3 and "503" in row.last_error
    national.switches.status = None
    outbox_relay(budget_seconds=0)
    row.refresh_from_db()
    assert row.status == "delivered" and national.dossiers[dossier.code]["TrangThaiHoSo"] == 1


def test_an_expired_session_is_opened_again(national, procedure, citizen, officer):
    dossier = submitted_dossier(procedure, citizen)
    outbox_relay(budget_seconds=0)
    national.switches.extra["expire_sessions"] = True
    dossier_act(dossier=dossier, action="receive", actor=officer)
    outbox_relay(budget_seconds=5)
    assert national.logins == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_dead_letter_after_the_configured_age(national, settings, procedure, citizen):
    submitted_dossier(procedure, citizen)
    settings.OUTBOX_DEAD_AFTER_SECONDS = 0
    national.switches.status = 500
    outbox_relay(budget_seconds=0)
    assert Delivery.objects.get().status == "dead"


def test_the_mapping_table_is_complete_and_edited_in_data(national, procedure, citizen):
    assert mapping_problems() == []
    NationalStatusMap.objects.filter(state="submitted").update(code=None)
    assert [p["path"] for p in mapping_problems()] == ["state.submitted"]
    submitted_dossier(procedure, citizen)
    outbox_relay(budget_seconds=0)
    row = Delivery.objects.get()
    assert row.status == "failed" and "submitted" in row.last_error
    # Fixed in the table: the waiting message goes with the new code.
    NationalStatusMap.objects.filter(state="submitted").update(code=1)
    outbox_relay(budget_seconds=0)
    assert Delivery.objects.get().status == "delivered"
