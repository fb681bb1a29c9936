"""One dossier, a part per member agency: hand-offs and their clocks across holidays, partial refusal,
completion requests and the per-agency figures."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.utils import translation

from opendvc.core.problems import ProblemError
from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import sign_in
from opendvc.linked.bundles import BIRTH, DEATH
from opendvc.linked.models import Handoff, Part, PartState
from opendvc.linked.selectors import dossier_progress, linked_figures
from opendvc.linked.services import PartAction, linked_dossier_finish, part_act
from opendvc.worktime import VN_TZ, default_calendar, to_local
from opendvc.worktime import add_working_time as _add_working_time
from opendvc.worktime import working_day_count as _working_day_count

from .conftest import file_bundle


def add_working_time(start, amount, unit):
    """On the portal's calendar (the demo agencies keep the default office hours)."""
    return _add_working_time(start, amount, unit, calendar=default_calendar())


def working_day_count(*args, **kwargs):
    return _working_day_count(*args, **kwargs, calendar=default_calendar())


def parts_of(dossier) -> dict[str, Part]:
    return {
        p.member.key: p
        for p in Part.objects.filter(dossier=dossier).select_related("member", "agency")
    }


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def test_intake_gives_one_code_receipt_appointment_and_hands_the_first_part_to_the_commune(
    bundles, people
):
    dossier = file_bundle(bundles[BIRTH], people, at=at(2026, 3, 10, 9, 0))
    assert dossier.code and dossier.status == "processing"
    assert dossier.documents.filter(kind="receipt").count() == 1
    # One appointment: the linked procedure's 20 working days.
    assert dossier.due_at == add_working_time(at(2026, 3, 10, 9, 0), 20, "working_days")
    parts = parts_of(dossier)
    assert {k: p.status for k, p in parts.items()} == {
        "khai-sinh": PartState.HANDED_OFF,
        "thuong-tru": PartState.WAITING,
        "bhyt": PartState.WAITING,
    }
    assert (
        parts["thuong-tru"].agency.code == "000.21.41.H19"
        and parts["bhyt"].agency.code == "000.21.50.H19"
    )
    assert Handoff.objects.filter(dossier=dossier, from_part=None).count() == 1


def test_handoffs_run_in_parallel_each_on_its_own_clock_across_tet(bundles, people):
    """Birth registered on the last working day before Tết 2027 (Lunar New Year: 6 February 2027): the
    police and social insurance clocks count working days only, skipping the Tết holidays."""
    dossier = file_bundle(bundles[BIRTH], people, at=at(2027, 2, 3, 9, 0))
    parts = parts_of(dossier)
    with time_machine.travel(at(2027, 2, 3, 10, 0), tick=False):
        part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
    with time_machine.travel(at(2027, 2, 3, 15, 0), tick=False):
        part_act(
            part=parts["khai-sinh"],
            action=PartAction.COMPLETE,
            actor=people["chair"],
            result="Giấy khai sinh số 12/2027",
        )
    parts = parts_of(dossier)
    assert parts["khai-sinh"].on_time_class in ("early", "on_time")
    # Both successors handed off at once, from the birth part, each hand-off with 1 working day.
    handoffs = {
        h.to_part.member.key: h for h in Handoff.objects.filter(from_part=parts["khai-sinh"])
    }
    assert set(handoffs) == {"thuong-tru", "bhyt"}
    sent = handoffs["thuong-tru"].sent_at
    assert handoffs["thuong-tru"].due_at == add_working_time(sent, 1, "working_days")
    # Tết 2027: the hand-off due instant is after the holidays, not the next calendar day.
    assert to_local(handoffs["thuong-tru"].due_at).date() > at(2027, 2, 10, 0, 0).date()
    # The police accept at the hand-off's due instant (after Tết); social insurance a working day later.
    police_at = handoffs["thuong-tru"].due_at
    bhxh_at = add_working_time(handoffs["bhyt"].due_at, 1, "working_days")
    with time_machine.travel(police_at, tick=False):
        police = part_act(
            part=parts["thuong-tru"], action=PartAction.ACCEPT, actor=people["police"]
        )
    with time_machine.travel(bhxh_at, tick=False):
        bhxh = part_act(part=parts["bhyt"], action=PartAction.ACCEPT, actor=people["bhxh"])
    handoffs = {
        h.to_part.member.key: h for h in Handoff.objects.filter(from_part=parts["khai-sinh"])
    }
    assert handoffs["thuong-tru"].on_time_class in ("early", "on_time")
    assert handoffs["bhyt"].on_time_class == "late"
    # Each agency's clock starts when it accepts, for its own allotment only.
    assert police.due_at == add_working_time(police_at, 15, "working_days")
    assert bhxh.due_at == add_working_time(bhxh_at, 10, "working_days")
    assert (
        working_day_count(to_local(police.started_at).date(), to_local(police.due_at).date()) == 15
    )


def test_partial_refusal_the_other_agency_continues_and_the_dossier_returns_what_there_is(
    bundles, people, client
):
    dossier = file_bundle(bundles[BIRTH], people)
    parts = parts_of(dossier)
    part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
    part_act(
        part=parts["khai-sinh"],
        action=PartAction.COMPLETE,
        actor=people["chair"],
        result="Giấy khai sinh số 5",
    )
    parts = parts_of(dossier)
    part_act(part=parts["thuong-tru"], action=PartAction.ACCEPT, actor=people["police"])
    part_act(part=parts["bhyt"], action=PartAction.ACCEPT, actor=people["bhxh"])
    # A processing officer may not refuse: the leader does, with the reason (Decree 61/2018 Art. 15).
    with pytest.raises(ProblemError) as denied:
        part_act(
            part=parts["thuong-tru"], action=PartAction.REFUSE, actor=people["police"], reason="x"
        )
    assert denied.value.status == 403
    with pytest.raises(ProblemError) as missing:
        part_act(
            part=parts["thuong-tru"],
            action=PartAction.REFUSE,
            actor=people["police_chief"],
            reason="",
        )
    assert missing.value.status == 422
    part_act(
        part=parts["thuong-tru"],
        action=PartAction.REFUSE,
        actor=people["police_chief"],
        reason="Chỗ ở không thuộc hộ của cha, mẹ; thiếu ý kiến đồng ý của chủ hộ.",
    )
    parts = parts_of(dossier)
    assert parts["thuong-tru"].status == PartState.REFUSED
    assert parts["bhyt"].status == PartState.PROCESSING  # the card does not need the residence
    # The dossier cannot close while a part is open.
    with pytest.raises(ProblemError):
        linked_dossier_finish(dossier=dossier, actor=people["chair"])
    part_act(
        part=parts["bhyt"],
        action=PartAction.COMPLETE,
        actor=people["bhxh_chief"],
        result="Thẻ BHYT số TE1",
    )
    progress = dossier_progress(dossier=dossier)
    assert progress["all_ended"] and [p.member.key for p in progress["results"]] == [
        "khai-sinh",
        "bhyt",
    ]
    # The page offers the leader to complete it, and asks first: it cannot be undone.
    sign_in(client, people["chair"])
    page = client.get(f"/mot-cua/lien-thong/phan/{parts['khai-sinh'].pk}/").content.decode()
    assert (
        f'data-confirm="Hoàn tất hồ sơ liên thông {dossier.code}? Hồ sơ được phê duyệt với kết quả'
        in page
    )
    done = linked_dossier_finish(dossier=dossier, actor=people["chair"])
    assert done.status == "result_ready"
    event = done.events.filter(action="approve").get()
    assert (
        "Giấy khai sinh số 5" in event.data["result"] and "Thẻ BHYT số TE1" in event.data["result"]
    )
    assert "thiếu ý kiến đồng ý của chủ hộ" in event.data["result"]
    # The applicant was told which part was refused and why.
    from opendvc.notifications.models import Notification

    refused = Notification.objects.filter(
        recipient=people["citizen"], template="linked_part_refused"
    ).first()
    assert refused is not None and "chủ hộ" in refused.body


def test_refused_birth_registration_cancels_the_parts_that_need_it(bundles, people):
    dossier = file_bundle(bundles[BIRTH], people)
    parts = parts_of(dossier)
    part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
    part_act(
        part=parts["khai-sinh"],
        action=PartAction.REFUSE,
        actor=people["chair"],
        reason="Giấy chứng sinh giả.",
    )
    parts = parts_of(dossier)
    assert (
        parts["thuong-tru"].status == PartState.CANCELLED
        and parts["bhyt"].status == PartState.CANCELLED
    )
    assert (
        "Giấy khai sinh" not in parts["bhyt"].reason
        and parts["khai-sinh"].member.name in parts["bhyt"].reason
    )
    done = linked_dossier_finish(dossier=dossier, actor=people["chair"])
    assert done.status == "stopped"


def test_completion_request_pauses_only_that_agency_and_resumes_with_the_time_left(bundles, people):
    dossier = file_bundle(bundles[BIRTH], people, at=at(2026, 3, 2, 8, 0))
    parts = parts_of(dossier)
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
        part_act(
            part=parts["khai-sinh"],
            action=PartAction.COMPLETE,
            actor=people["chair"],
            result="GKS 1",
        )
        parts = parts_of(dossier)
        part_act(part=parts["thuong-tru"], action=PartAction.ACCEPT, actor=people["police"])
        bhyt = part_act(part=parts["bhyt"], action=PartAction.ACCEPT, actor=people["bhxh"])
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):
        police = part_act(
            part=parts["thuong-tru"],
            action=PartAction.REQUEST_COMPLETION,
            actor=people["police"],
            reason="Thiếu ý kiến của chủ hộ",
            items="Văn bản đồng ý của chủ hộ",
        )
    assert police.status == PartState.COMPLETION_REQUESTED and police.completion_items == [
        "Văn bản đồng ý của chủ hộ"
    ]
    assert (
        Part.objects.get(pk=bhyt.pk).paused_at is None
    )  # rule "continue": social insurance goes on
    before = police.due_at
    with time_machine.travel(at(2026, 3, 5, 9, 0), tick=False):  # two working days later
        police = part_act(
            part=police, action=PartAction.SUPPLY, actor=people["citizen"], note="Đã nộp"
        )
    assert police.status == PartState.PROCESSING
    assert police.due_at == add_working_time(before, 16, "working_hours")


def test_wait_all_rule_pauses_every_open_part(bundles, people):
    birth = bundles[BIRTH]
    birth.completion_rule = "wait_all"
    birth.save()
    dossier = file_bundle(birth, people, at=at(2026, 3, 2, 8, 0))
    parts = parts_of(dossier)
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
        part_act(
            part=parts["khai-sinh"],
            action=PartAction.COMPLETE,
            actor=people["chair"],
            result="GKS 1",
        )
        parts = parts_of(dossier)
        part_act(part=parts["thuong-tru"], action=PartAction.ACCEPT, actor=people["police"])
        bhyt = part_act(part=parts["bhyt"], action=PartAction.ACCEPT, actor=people["bhxh"])
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):
        part_act(
            part=parts["thuong-tru"],
            action=PartAction.REQUEST_COMPLETION,
            actor=people["police"],
            reason="Thiếu giấy tờ",
            items="Văn bản đồng ý của chủ hộ",
        )
    assert Part.objects.get(pk=bhyt.pk).paused_at is not None
    with time_machine.travel(at(2026, 3, 4, 9, 0), tick=False):
        part_act(
            part=Part.objects.get(pk=parts["thuong-tru"].pk),
            action=PartAction.SUPPLY,
            actor=people["citizen"],
        )
    resumed = Part.objects.get(pk=bhyt.pk)
    assert resumed.paused_at is None and resumed.due_at == add_working_time(
        bhyt.due_at, 8, "working_hours"
    )


def test_figures_count_each_agency_against_its_own_allotment(bundles, people):
    dossier = file_bundle(bundles[BIRTH], people, at=at(2026, 3, 2, 8, 0))
    parts = parts_of(dossier)
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        part_act(part=parts["khai-sinh"], action=PartAction.ACCEPT, actor=people["justice"])
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        part_act(
            part=parts["khai-sinh"],
            action=PartAction.COMPLETE,
            actor=people["chair"],
            result="GKS 1",
        )
    parts = parts_of(dossier)
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):
        part_act(part=parts["thuong-tru"], action=PartAction.ACCEPT, actor=people["police"])
        part_act(part=parts["bhyt"], action=PartAction.ACCEPT, actor=people["bhxh"])
    # Police finish within their 15 days; social insurance after its 10 days (late for its allotment
    # even though the dossier's 20-day appointment is still ahead).
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        part_act(
            part=parts["thuong-tru"],
            action=PartAction.COMPLETE,
            actor=people["police_chief"],
            result="TB cư trú",
        )
    with time_machine.travel(at(2026, 3, 20, 9, 0), tick=False):
        part_act(
            part=parts["bhyt"],
            action=PartAction.COMPLETE,
            actor=people["bhxh_chief"],
            result="Thẻ BHYT",
        )
        done = linked_dossier_finish(dossier=dossier, actor=people["chair"])
        done = dossier_act(
            dossier=done,
            action="return_result",
            actor=people["counter"],
            method="counter",
            recipient="Nguyễn Văn An",
            identity_document="075090001234",
        )
        figures = linked_figures()
    assert done.status == "returned" and done.on_time_class in ("early", "on_time")
    rows = {r["agency"]: r for r in figures["agencies"]}
    assert (
        rows["Công an phường Biên Hòa"]["late"] == 0
        and rows["Công an phường Biên Hòa"]["on_time_rate"] == 100.0
    )
    assert rows["Bảo hiểm xã hội cơ sở Biên Hòa"]["late"] == 1
    assert rows["Bảo hiểm xã hội cơ sở Biên Hòa"]["on_time_rate"] == 0.0
    assert figures["overall"]["late"] == 0 and figures["overall"]["on_time_rate"] == 100.0


def test_death_bundle_runs_with_its_two_real_members(bundles, people):
    # Death registration states "1" without a unit: the officer sets the appointment at intake.
    from django.utils import timezone

    from opendvc.worktime import next_opening

    due = add_working_time(
        next_opening(timezone.now(), calendar=default_calendar()), 2, "working_days"
    )
    dossier = file_bundle(bundles[DEATH], people, due_at=due.isoformat())
    assert dossier.procedure.code == "1.000656"
    parts = parts_of(dossier)
    assert set(parts) == {"khai-tu", "xoa-thuong-tru"}
    part_act(part=parts["khai-tu"], action=PartAction.ACCEPT, actor=people["justice"])
    part_act(
        part=parts["khai-tu"],
        action=PartAction.COMPLETE,
        actor=people["chair"],
        result="Trích lục khai tử 3",
    )
    assert parts_of(dossier)["xoa-thuong-tru"].status == PartState.HANDED_OFF


def test_an_officer_of_another_agency_cannot_act_on_a_part(bundles, people):
    dossier = file_bundle(bundles[BIRTH], people)
    part = parts_of(dossier)["khai-sinh"]
    with pytest.raises(ProblemError) as denied:
        part_act(part=part, action=PartAction.ACCEPT, actor=people["police"])
    assert denied.value.status == 403


def test_the_one_stop_office_cannot_approve_while_an_agency_still_handles_its_part(bundles, people):
    dossier = file_bundle(bundles[BIRTH], people)
    with pytest.raises(ProblemError) as refused:
        dossier_act(
            dossier=dossier, action="approve", actor=people["chair"], result="Giấy khai sinh"
        )
    assert refused.value.status == 409
    dossier.refresh_from_db()
    assert dossier.status == "processing"


def test_a_stale_part_says_it_changed_since_the_page_was_opened(bundles, people):
    """A part that changed since the page was read (409) was said to be changed by someone else,
    also when it was the officer's own second press; the message now names both."""
    dossier = file_bundle(bundles[BIRTH], people)
    part = parts_of(dossier)["khai-sinh"]
    stale = {"action": PartAction.ACCEPT, "actor": people["justice"]}
    with pytest.raises(ProblemError) as vi:
        part_act(part=part, expected_version=part.version + 1, **stale)
    assert vi.value.status == 409 and vi.value.code == "conflict"
    assert vi.value.detail.startswith("Dữ liệu đã thay đổi kể từ khi trang được mở")
    assert "có thể do nút được bấm hai lần" in vi.value.detail
    assert "người khác thay đổi" not in vi.value.detail
    with translation.override("en"), pytest.raises(ProblemError) as en:
        part_act(part=part, expected_version=part.version + 1, **stale)
    assert str(en.value.detail).startswith("This has changed since the page was opened")
