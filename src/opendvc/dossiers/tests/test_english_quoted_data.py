"""Messages that name data kept in Vietnamese (a procedure's name, a fee item's, a step's, a day off's)
quote it marked ``lang="vi"`` on an English page (WCAG 2.1, 3.1.2): in the page's error list and in
the messages shown after a redirect. The API answers the same words as plain text; Vietnamese pages
and messages read as before."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils.html import conditional_escape, escape
from django.utils.translation import override

from opendvc.catalog.models import FormFile, Procedure
from opendvc.catalog.selectors import not_offered
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import MarkedText
from opendvc.dossiers import services
from opendvc.dossiers.appointments import appointment_check
from opendvc.dossiers.models import DossierDocument
from opendvc.dossiers.payments import compute_fees
from opendvc.worktime import VN_TZ

from .conftest import make_procedure, submitted_dossier
from .test_processing import T0, received

NAMES = ["Đăng ký khai sinh", "Cấp <giấy> phép & “xác nhận”", "Chứng thực bản sao từ bản chính"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("level", [1, 2, 3])
def test_not_offered_quotes_the_procedures_name_marked(name, level):
    procedure = Procedure(
        code="1.000001", name=name, level=level, level_source=Procedure.LevelSource.SOURCE
    )
    with override("en"):
        problem = not_offered(procedure=procedure, what="online application")
        sentence = problem.extra["errors"][0]["message"]
        assert sentence == (
            f"The procedure “{name}” at level {level} does not offer online application."
        )
        assert problem.detail.startswith(sentence)
        marked = f'“<span lang="vi">{escape(name)}</span>”'
        assert marked in conditional_escape(sentence)
        assert marked in conditional_escape(problem.detail)
        assert problem.messages()[0] == problem.detail
    with override("vi"):
        problem = not_offered(procedure=procedure, what="nộp hồ sơ trực tuyến")
    assert problem.detail.startswith(
        f"Thủ tục “{name}” ở mức độ {level} không cung cấp nộp hồ sơ trực tuyến."
    )
    assert not isinstance(problem.detail, MarkedText)
    assert not isinstance(problem.extra["errors"][0]["message"], MarkedText)


def _approved_result(procedure, citizen, officer, leader, capture):
    Procedure.objects.filter(pk=procedure.pk).update(level=3)
    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(dossier=d, action="receive", actor=officer)
    d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with capture(execute=True):
        services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    return d, DossierDocument.objects.get(dossier=d, kind="result")


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_message_after_a_refused_download_marks_the_name_on_an_english_page(
    client, procedure, citizen, officer, leader, django_capture_on_commit_callbacks, language
):
    d, doc = _approved_result(procedure, citizen, officer, leader, django_capture_on_commit_callbacks)
    client.force_login(citizen)
    client.cookies["django_language"] = language
    response = client.get(f"/ho-so-cua-toi/{d.public_id}/giay-to/{doc.pk}/", follow=True)
    html = response.content.decode()
    if language == "en":
        assert (
            'The procedure “<span lang="vi">Đăng ký khai sinh</span>” at level 3 does not offer '
            "receiving the result online."
        ) in html
    else:
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert (
            "Thủ tục “Đăng ký khai sinh” ở mức độ 3 không cung cấp nhận kết quả trực tuyến." in html
        )
        assert 'lang="vi">Đăng ký khai sinh' not in html
        assert not any(isinstance(m, MarkedText) for m in shown)


def test_the_api_answers_the_name_as_plain_text(client, agencies, citizen, justice):
    level2 = make_procedure(code="1.000002", level=2)
    client.force_login(citizen)
    body = client.post(
        "/api/v1/dossiers",
        json.dumps({"procedure": level2.code, "agency": justice.code}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    sentence = "The procedure “Đăng ký khai sinh” at level 2 does not offer online application."
    assert body["code"] == "not_offered_at_level" and body["detail"].startswith(sentence)
    assert body["errors"] == [{"path": "procedure", "message": sentence}]


@pytest.mark.parametrize("name", ["Lệ phí hộ tịch", "Phí <b>bản sao</b> & chứng thực"])
def test_an_unpriced_fee_items_name_is_marked(procedure, name):
    with override("en"), pytest.raises(ProblemError) as err:
        compute_fees(procedure=procedure, fees=[{"name": name, "quantity": 1}])
    message = err.value.extra["errors"][0]["message"]
    assert message == f"The item “{name}” has no set amount; enter the amount."
    assert f'“<span lang="vi">{escape(name)}</span>”' in conditional_escape(message)
    with override("vi"), pytest.raises(ProblemError) as err:
        compute_fees(procedure=procedure, fees=[{"name": name, "quantity": 1}])
    message = err.value.extra["errors"][0]["message"]
    assert message == f"Khoản “{name}” chưa có mức thu; nhập số tiền."
    assert not isinstance(message, MarkedText)


@pytest.mark.parametrize(
    ("day", "reason"),
    [(datetime(2026, 3, 14, 10, 0, tzinfo=VN_TZ), "Thứ Bảy"),
     (datetime(2026, 3, 15, 10, 0, tzinfo=VN_TZ), "Chủ nhật")],
)
def test_a_day_off_is_named_marked(procedure, citizen, officer, day, reason):
    d = received(procedure, citizen, officer)
    for language, marked in (("en", True), ("vi", False)):
        with override(language), pytest.raises(ProblemError) as err:
            appointment_check(due_at=day, dossier=d, at=T0)
        detail = err.value.detail
        assert f"({reason})" in detail
        assert (f'(<span lang="vi">{reason}</span>)' in conditional_escape(detail)) is marked
        assert isinstance(detail, MarkedText) is marked


def test_the_step_held_by_another_is_named_marked(procedure, citizen, officer, processor):
    from opendvc.catalog.models import FeeItem

    fee = FeeItem.objects.create(procedure=procedure, position=0, name="Phí", amount_vnd=8000)
    d = received(procedure, citizen, officer)
    for language, marked in (("en", True), ("vi", False)):
        with (
            override(language),
            time_machine.travel(T0, tick=False),
            pytest.raises(ProblemError) as err,
        ):
            services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                 fees=[{"fee_item": fee.pk, "quantity": 1}])
        detail = err.value.detail
        assert err.value.status == 403
        assert ('“<span lang="vi">' in conditional_escape(detail)) is marked
        assert isinstance(detail, MarkedText) is marked


@pytest.mark.parametrize("name", ["Tờ khai đăng ký khai sinh", "Mẫu <01> & “TP/HT”"])
def test_a_missing_form_files_name_is_marked(client, procedure, name):
    form = FormFile.objects.create(procedure=procedure, name=name)
    url = f"/thu-tuc/{procedure.code}/bieu-mau/{form.pk}/"
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert f'The template file “<span lang="vi">{escape(name)}</span>” has not been' in html
    client.cookies["django_language"] = "vi"
    html = client.get(url).content.decode()
    assert f"Tệp mẫu “{escape(name)}” chưa được tải lên Cổng." in html


def _event(action, from_state, to_state, data, note=""):
    from opendvc.dossiers.models import DossierEvent

    return DossierEvent(at=T0, action=action, from_state=from_state, to_state=to_state,
                        actor_label="Cán bộ A", note=note, data=data)


def _html(text) -> str:
    return str(conditional_escape(text))


HISTORY = [
    # (action, from, to, data, note, the English sentence, its HTML, the Vietnamese sentence)
    ("refuse", "submitted", "refused", {"reason": "Thiếu giấy chứng sinh"}, "",
     "The dossier was refused. Reason: Thiếu giấy chứng sinh.",
     'Reason: <span lang="vi">Thiếu giấy chứng sinh</span>.',
     "Lý do: Thiếu giấy chứng sinh."),
    ("start_processing", "received", "processing", {"step": "Thẩm định <hồ sơ>"}, "",
     "The dossier went to processing, step “Thẩm định <hồ sơ>”.",
     '“<span lang="vi">Thẩm định &lt;hồ sơ&gt;</span>”.',
     "Hồ sơ được chuyển xử lý, bước “Thẩm định <hồ sơ>”."),
    ("return_result", "ready", "returned", {"method": "counter", "recipient": "Nguyễn Văn A"}, "",
     "The result was returned, by: in person at the one-stop desk, received by: Nguyễn Văn A.",
     ', received by: <span lang="vi">Nguyễn Văn A</span>.',
     ", người nhận: Nguyễn Văn A."),
    ("receive", "submitted", "received", {}, "gửi bản gốc sau",
     "Dossier received. Note: gửi bản gốc sau.",
     'Note: <span lang="vi">gửi bản gốc sau</span>.',
     "Ghi chú: gửi bản gốc sau."),
]


@pytest.mark.parametrize(("action", "src", "dst", "data", "note", "en", "html", "vi"), HISTORY)
def test_the_history_marks_what_people_wrote(action, src, dst, data, note, en, html, vi):
    from opendvc.dossiers.history import event_describe

    event = _event(action, src, dst, data, note)
    with override("en"):
        sentence = event_describe(event=event).sentence
    assert isinstance(sentence, MarkedText) and sentence == en
    assert html in _html(sentence)
    with override("vi"):
        sentence = event_describe(event=event).sentence
    assert not isinstance(sentence, MarkedText) and vi in sentence and "<span" not in _html(sentence)


def test_the_history_marks_fee_names_and_items_to_supply():
    from opendvc.dossiers.history import event_describe

    fees = [{"name": "Phí cấp bản sao", "quantity": 2, "unit_vnd": 8000, "amount_vnd": 16000},
            {"quantity": 1, "unit_vnd": 5000, "amount_vnd": 5000}]
    pay = _event("require_payment", "processing", "awaiting_payment",
                 {"fees": fees, "total_vnd": 21000})
    supply = _event("request_supplement", "processing", "awaiting_supplement",
                    {"items": ["Bản sao giấy chứng sinh", "Tờ khai có chữ ký"]})
    with override("en"):
        lines = [_html(x) for x in event_describe(event=pay).details]
        items = [_html(x) for x in event_describe(event=supply).details]
    assert lines[0].startswith('<span lang="vi">Phí cấp bản sao</span>: 2 × ')
    assert "lang" not in lines[1]  # the general word, in the page's language
    assert items == ['<span lang="vi">Bản sao giấy chứng sinh</span>',
                     '<span lang="vi">Tờ khai có chữ ký</span>']
    with override("vi"):
        lines = event_describe(event=pay).details
        items = event_describe(event=supply).details
    assert lines[0].startswith("Phí cấp bản sao: 2 × ") and lines[1].startswith("Khoản thu: 1 × ")
    assert items == ("Bản sao giấy chứng sinh", "Tờ khai có chữ ký")
    assert not any(isinstance(x, MarkedText) for x in (*lines, *items))


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_timeline_page_shows_the_marked_reason(client, procedure, citizen, officer, language):
    with time_machine.travel(T0, tick=False):
        d = submitted_dossier(procedure, citizen)
        services.dossier_act(dossier=d, action="refuse", actor=officer, reason="Hồ sơ không đúng thẩm quyền")
    client.force_login(citizen)
    client.cookies["django_language"] = language
    html = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    if language == "en":
        assert 'Reason: <span lang="vi">Hồ sơ không đúng thẩm quyền</span>.' in html
    else:
        assert "Lý do: Hồ sơ không đúng thẩm quyền." in html
        assert '<span lang="vi">Hồ sơ không đúng' not in html


@pytest.mark.parametrize("name", ["Lãnh đạo phê duyệt", "Phê duyệt <kết quả> & ký"])
def test_the_approval_steps_name_is_marked_in_the_forward_refusal(name):
    from opendvc.workflow.models import StepRun
    from opendvc.workflow.services import ProcessSpec, default_steps, forward_refusal

    spec = ProcessSpec(process=None, steps=default_steps(), clock_on_wait="pause")
    leader = next(s.position for s in spec.steps if s.role == "leader")
    run = StepRun(position=leader, name=name)
    with override("en"):
        refusal = forward_refusal(spec=spec, run=run)
    assert refusal.startswith(f"The step “{name}” ")
    assert f'“<span lang="vi">{escape(name)}</span>”' in _html(refusal)
    with override("vi"):
        refusal = forward_refusal(spec=spec, run=run)
    assert refusal.startswith(f"Bước “{name}” chỉ kết thúc") and not isinstance(refusal, MarkedText)
