"""The dossier history reads as sentences: every action of the transition table (and the apology), with
payloads of several shapes, and the events a real dossier collects on its way through the workflow."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from opendvc.dossiers import results, services
from opendvc.dossiers.history import event_describe
from opendvc.dossiers.lifecycle import Action, State, action_label
from opendvc.dossiers.models import Channel, DossierEvent
from opendvc.dossiers.services.transitions import ACTIONS
from opendvc.worktime import VN_TZ

from .conftest import checked_pdf, sign_in, submitted_dossier

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)  # a Tuesday

RAW_CODES = (
    set(State.values)
    | set(Action.values)
    | set(Channel.values)
    | {
        "early",
        "on_time",
        "late",
        "pause",
        "restart",
        "counter",
        "system",
        "postal",
        "None",
        "True",
        "False",
    }
    | {
        "due_at",
        "calendar_version",
        "step_due_at",
        "paused_hours",
        "paused_from",
        "due_at_before",
        "clock",
        "total_vnd",
        "unit_vnd",
        "amount_vnd",
        "receipt_number",
        "result_files",
        "delivered_to",
        "on_time_class",
        "new_due_at",
        "original_due_at",
        "previous_appointment",
        "after_due",
        "chosen",
        "fee_item",
        "return_method",
        "return_address",
    }
)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|[+-]\d{2}:\d{2}\b|\d{2}:\d{2}:\d{2}")
REPR = re.compile(r"[(\[{]\s*'|'\s*[)\]}]|':|\{|\}|Decimal\(|datetime\(")


def assert_readable(text: str) -> None:
    assert text.strip(), "empty description"
    assert not ISO.search(text), f"ISO timestamp in {text!r}"
    assert not REPR.search(text), f"Python data in {text!r}"
    for code in RAW_CODES:
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), (
            f"raw code {code!r} in {text!r}"
        )


def words(event) -> str:
    t = event_describe(event=event)
    return " ".join([t.title, t.sentence, *t.details, t.status])


def iso(d: datetime) -> str:
    return d.isoformat()


# Payloads as the handlers write them, in several shapes per action (other dates, optional parts absent).
def payloads(action: str) -> list[tuple[dict, str]]:
    due = datetime(2026, 12, 9, 16, 0, tzinfo=VN_TZ)
    other = datetime(2027, 2, 1, 0, 45, tzinfo=UTC)  # 07:45 in Hồ Chí Minh time, stored in UTC
    fees = [
        {
            "name": "Phí cấp bản sao",
            "fee_item": 3,
            "unit_vnd": 8000,
            "quantity": 3,
            "amount_vnd": 24000,
        },
        {"name": "Lệ phí", "fee_item": None, "unit_vnd": 10000, "quantity": 1, "amount_vnd": 10000},
    ]
    resumed = {
        "paused_from": iso(due - timedelta(days=1)),
        "paused_hours": "1.5",
        "clock": "pause",
        "due_at_before": iso(due),
        "due_at": iso(due + timedelta(hours=2)),
    }
    table: dict[str, list[tuple[dict, str]]] = {
        Action.SUBMIT: [({"channel": c}, "") for c in Channel.values]
        + [({}, ""), ({"channel": "online", "return_method": "postal"}, "qua dịch vụ bưu chính")],
        Action.DELETE: [({}, "")],
        Action.RECEIVE: [
            ({"due_at": iso(due), "calendar_version": 1}, "16:00 ngày 09/12/2026"),
            (
                {"due_at": iso(other), "calendar_version": 7, "note": "Đủ giấy tờ"},
                "07:45 ngày 01/02/2027",
            ),
            ({}, ""),
        ],
        Action.RETURN_FOR_COMPLETION: [
            ({"items": ["Bản sao CCCD", "Tờ khai có chữ ký"]}, "Bản sao CCCD"),
            ({"items": ["Giấy chứng sinh"], "note": "Trong 05 ngày"}, "Giấy chứng sinh"),
        ],
        Action.REFUSE: [({"reason": "Không thuộc thẩm quyền"}, "Không thuộc thẩm quyền")],
        Action.WITHDRAW: [({"reason": "Nộp nhầm"}, "Nộp nhầm"), ({}, "")],
        Action.RESUBMIT: [({}, "")],
        Action.START_PROCESSING: [
            ({"step": "Tiếp nhận, chuyển hồ sơ", "step_due_at": iso(due)}, "16:00 ngày 09/12/2026"),
            ({"step": "Thẩm định"}, "Thẩm định"),
            ({}, ""),
        ],
        Action.REQUEST_SUPPLEMENT: [({"items": ["Bản sao trích lục"]}, "Bản sao trích lục")],
        Action.SUPPLY: [
            (resumed, "18:00 ngày 09/12/2026"),
            ({**resumed, "clock": "restart"}, "18:00 ngày 09/12/2026"),
            ({}, ""),
        ],
        Action.REQUIRE_PAYMENT: [
            ({"fees": fees, "total_vnd": 34000}, "34.000 đồng"),
            ({"fees": fees[:1], "total_vnd": 24000}, "8.000 đồng"),
        ],
        Action.PAY: [
            (
                {
                    "receipt_number": "BL-0042",
                    **resumed,
                    "payment": {"items": fees, "total_vnd": 34000, "method": "counter"},
                },
                "34.000 đồng",
            ),
            (
                {
                    "receipt_number": "7",
                    "payment": {"items": fees, "total_vnd": 1250000, "method": "system"},
                },
                "1.250.000 đồng",
            ),
        ],
        Action.STOP: [
            ({"reason": "Không đủ điều kiện", "on_time_class": c}, "Không đủ điều kiện")
            for c in ("early", "on_time", "late", "")
        ],
        Action.APPROVE: [
            (
                {
                    "result": "Giấy khai sinh",
                    "result_files": ["ket-qua.pdf"],
                    "step": "Trả kết quả",
                },
                "ket-qua.pdf",
            ),
            ({"result": "Giấy khai sinh", "result_files": []}, ""),
        ],
        Action.RETURN_RESULT: [
            (
                {
                    "method": m,
                    "delivered_to": "Nguyễn Văn Bình",
                    "identity_document": "CCCD",
                    "on_time_class": c,
                },
                "Nguyễn Văn Bình",
            )
            for m, c in (("counter", "early"), ("online", "on_time"), ("postal", "late"))
        ],
        Action.CHOOSE_RETURN: [
            (
                {"return_method": "postal", "return_address": "12 Võ Thị Sáu, phường Trấn Biên, Đồng Nai"},
                "12 Võ Thị Sáu, phường Trấn Biên, Đồng Nai",
            ),
            ({"return_method": "counter"}, "trực tiếp tại bộ phận một cửa"),
            ({"return_method": "online"}, "trực tuyến"),
            ({}, ""),
        ],
        Action.APOLOGY: [
            (
                {
                    "reason": "Chờ xác minh",
                    "original_due_at": iso(due),
                    "new_due_at": iso(other),
                    "previous_appointment": iso(due),
                    "after_due": False,
                    "chosen": True,
                },
                "07:45 ngày 01/02/2027",
            )
        ],
    }
    return table[action]


def _event(action, from_state, to_state, data) -> DossierEvent:
    note = data.get("note") or data.get("reason") or ""
    return DossierEvent(
        at=T0,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_label="Cán bộ A",
        note=note,
        data={k: v for k, v in data.items() if k != "note"},
    )


def test_every_action_of_the_table_reads_as_a_sentence():
    rows = [(t.action, state, t.next_state or state) for t in ACTIONS if t.records_event for state in t.from_states]
    assert {a for a, _, _ in rows} == set(Action.values)
    for action, from_state, to_state in rows:
        for data, expected in payloads(action):
            text = words(_event(action, from_state, to_state, data))
            assert_readable(text)
            assert expected in text, (action, data, text)
            # A sentence of its own, not the bare name of the action.
            assert (
                event_describe(event=_event(action, from_state, to_state, data)).sentence
                != f"{action_label(action)}."
            )


def test_unknown_payload_keys_are_left_out():
    text = words(
        _event(
            Action.RECEIVE,
            State.SUBMITTED,
            State.RECEIVED,
            {"due_at": "2026-12-09T16:00:00+07:00", "calendar_version": 1, "extra": ("a", 1)},
        )
    )
    assert_readable(text)
    assert "extra" not in text


def test_english_comes_from_the_catalogue():
    event = _event(
        Action.RECEIVE, State.SUBMITTED, State.RECEIVED, {"due_at": "2026-12-09T16:00:00+07:00"}
    )
    with translation.override("en"):
        text = words(event)
    assert "Dossier received; results due at 16:00 on 09/12/2026." in text
    # English words may coincide with codes ("received"); no timestamp or Python data either way.
    assert not ISO.search(text) and not REPR.search(text)


def _walk(procedure, citizen, officer, processor, leader):
    """A dossier taken through every processing action by the real services (with the workflow steps),
    and others returned for completion, refused, withdrawn and deleted."""
    from opendvc.catalog.models import FeeItem

    fee = FeeItem.objects.create(
        procedure=procedure, position=0, name="Phí cấp bản sao", amount_vnd=8000
    )
    with time_machine.travel(T0, tick=False):
        d = submitted_dossier(procedure, citizen)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.dossier_act(action="forward", dossier=d, actor=officer)
        d = services.dossier_act(
            dossier=d,
            action="request_supplement",
            actor=processor,
            items=["Bản sao trích lục"],
            note="Thiếu giấy tờ",
        )
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        results.supplement_add_files(
            dossier=d, actor=citizen, files=[(None, checked_pdf("trich-luc.pdf"))]
        )
        d = services.dossier_act(dossier=d, action="supply", actor=citizen)
        d = services.dossier_act(
            dossier=d,
            action="require_payment",
            actor=processor,
            fees=[{"fee_item": fee.pk, "quantity": 2}],
        )
    with time_machine.travel(T0 + timedelta(hours=26), tick=False):
        d = services.dossier_act(
            dossier=d, action="pay", actor=officer, receipt_number="BL-0042"
        )
        d = services.dossier_act(action="apology", dossier=d, actor=leader, reason="Chờ xác minh")
        # The applicant asks for the result by post, then at the counter after all.
        d = services.dossier_return_choose(
            dossier=d,
            actor=citizen,
            return_method="postal",
            return_address={
                "contact_name": "Nguyễn Thị Hoa",
                "contact_phone": "0912345678",
                "address": "12 Võ Thị Sáu, phường Trấn Biên",
                "province": "Đồng Nai",
            },
        )
        d = services.dossier_return_choose(dossier=d, actor=citizen, return_method="counter")
        d = services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
        d = services.dossier_act(
            dossier=d, action="return_result", actor=officer, method="counter"
        )
    with time_machine.travel(T0, tick=False):
        r = submitted_dossier(procedure, citizen)
        r = services.dossier_act(
            dossier=r, action="return_for_completion", actor=officer, items=["Tờ khai"]
        )
        services.dossier_act(dossier=r, action="resubmit", actor=citizen, declaration=True)
        services.dossier_act(
            dossier=submitted_dossier(procedure, citizen),
            action="refuse",
            actor=officer,
            reason="Không thuộc thẩm quyền",
        )
        services.dossier_act(
            dossier=submitted_dossier(procedure, citizen), action="withdraw", actor=citizen
        )
        x = submitted_dossier(procedure, citizen)
        x = services.dossier_act(dossier=x, action="receive", actor=officer)
        x = services.dossier_act(dossier=x, action="start_processing", actor=officer)
        services.dossier_act(
            dossier=x, action="stop", actor=leader, reason="Không đủ điều kiện"
        )
        draft = services.dossier_create_draft(
            applicant=citizen,
            procedure=procedure,
            receiving_agency=d.receiving_agency,
            actor=citizen,
        )
        services.dossier_act(dossier=draft, action="delete", actor=citizen)
    return d


def test_the_events_of_a_real_dossier_read_as_sentences(
    client, procedure, citizen, officer, processor, leader
):
    d = _walk(procedure, citizen, officer, processor, leader)
    events = list(DossierEvent.objects.all())
    assert {e.action for e in events} == set(Action.values)
    for e in events:
        assert_readable(words(e))
    receive = d.events.get(action="receive")
    due = datetime.fromisoformat(receive.data["due_at"]).astimezone(VN_TZ)
    assert f"hẹn trả kết quả {due:%H:%M} ngày {due:%d/%m/%Y}" in words(receive)
    assert "16.000 đồng" in words(d.events.get(action="require_payment"))
    assert "16.000 đồng" in words(d.events.get(action="pay"))
    postal, counter = d.events.filter(action="choose_return")
    assert "qua dịch vụ bưu chính" in words(postal) and "12 Võ Thị Sáu" in words(postal)
    assert "0912345678" not in str(postal.data)  # the phone stays out of the history
    assert "trực tiếp tại bộ phận một cửa" in words(counter)

    # The pages show the same words, nothing raw.
    sign_in(client, officer)
    html = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
    timeline = html[html.index('class="timeline"') :]
    timeline = timeline[: timeline.index("</ol>\n")]
    assert "Hồ sơ được tiếp nhận; hẹn trả kết quả" in timeline
    assert_readable(re.sub(r"<[^>]+>", " ", timeline).replace("&#x27;", "'").replace("&quot;", '"'))
    client.force_login(citizen)
    html = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    timeline = html[html.index('class="timeline"') :]
    timeline = timeline[: timeline.index("</ol>\n")]
    assert "Kết quả đã được trả" in timeline
    assert_readable(re.sub(r"<[^>]+>", " ", timeline).replace("&#x27;", "'").replace("&quot;", '"'))


@pytest.mark.parametrize(
    "when", [datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ), datetime(2027, 7, 1, 14, 30, tzinfo=VN_TZ)]
)
def test_receipt_sentence_follows_the_local_time(when):
    utc = when.astimezone(UTC)
    text = words(
        _event(Action.RECEIVE, State.SUBMITTED, State.RECEIVED, {"due_at": utc.isoformat()})
    )
    assert f"{when:%H:%M} ngày {when:%d/%m/%Y}" in text


def test_a_payment_confirmed_by_a_gateway_names_its_reference_not_a_receipt_and_sentences_start_capitalised():
    # "biên lai số <merchant reference>" read as a second receipt beside the electronic receipt
    # (BL…), and the sentence after the payment began in lower case ("… đồng (…). thời gian chờ …").
    event = DossierEvent(
        action="pay",
        data={
            "receipt_number": "000.00.32.H19-000.00.32.H19-260310-0001-1",
            "due_at": "2026-12-09T09:00:00+00:00",
            "paused_hours": 2,
            "payment": {"items": [], "total_vnd": 20000, "method": "system"},
        },
    )
    text = words(event)
    assert "mã thanh toán 000.00.32.H19-000.00.32.H19-260310-0001-1" in text
    assert "biên lai số" not in text
    assert "). Thời gian chờ không tính vào thời hạn" in text
    counter = DossierEvent(
        action="pay",
        data={"receipt_number": "BL-0042", "payment": {"total_vnd": 20000, "method": "counter"}},
    )
    assert "biên lai số BL-0042" in words(counter)
