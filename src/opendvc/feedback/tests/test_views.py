"""Pages: back-office queues, the item page's actions, publishing with masking, figures, Q&A, tracking."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from opendvc.feedback import selectors
from opendvc.feedback.lifecycle import Action, State
from opendvc.feedback.masking import find_personal_data, mask_personal_data
from opendvc.feedback.models import Feedback, PublishedAnswer
from opendvc.feedback.services import feedback_act, sender_token

pytestmark = pytest.mark.django_db


def forward(fb, org, agency="dept"):
    return feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org[agency]}
    )


def test_queues(org, make_item, monday):
    waiting = make_item(subject="Chờ phân loại")
    soon = forward(make_item(subject="Sắp đến hạn"), org)
    late = forward(make_item(subject="Trễ hạn"), org)
    moved = forward(make_item(subject="Đã gia hạn"), org)
    elsewhere = forward(make_item(subject="Cơ quan khác"), org, "other")
    feedback_act(
        feedback=moved,
        action=Action.RESCHEDULE,
        actor=org["focal"],
        inputs={"note": "Hẹn lại", "new_due_at": timezone.now() + dt.timedelta(days=10)},
    )
    Feedback.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    Feedback.objects.filter(pk=soon.pk).update(due_at=timezone.now() + dt.timedelta(hours=1))

    def names(user, queue):
        return set(selectors.queue(user=user, name=queue).values_list("subject", flat=True))

    assert names(org["switchboard"], "switchboard") == {waiting.subject}
    assert names(org["focal"], "overdue") == {late.subject}
    assert names(org["focal"], "due_soon") == {soon.subject}
    assert names(org["focal"], "rescheduled") == {moved.subject}
    assert elsewhere.subject not in names(org["focal"], "open")
    assert names(org["head"], "open") == {soon.subject, late.subject, moved.subject}


def test_queue_page_and_access(client, org, make_item):
    make_item(subject="Đường hư hỏng")
    client.force_login(org["switchboard"])
    page = client.get(reverse("feedback:queue"))
    assert page.status_code == 200 and "Đường hư hỏng" in page.content.decode()
    client.force_login(org["citizen"])
    assert client.get(reverse("feedback:queue")).status_code == 403
    client.logout()
    assert client.get(reverse("feedback:queue")).status_code == 302


def test_staff_flow_through_pages(client, org, make_item, monday):
    fb = make_item(
        consent_publish=True,
        content="Tôi là Phạm Văn Dân, số điện thoại 0912345678, CCCD 079123456789.",
    )
    url = reverse("feedback:staff_action", args=[fb.code])
    client.force_login(org["switchboard"])
    r = client.post(
        url,
        {"action": "forward", "agency": org["dept"].pk, "kind": "complaint", "version": fb.version},
    )
    assert r.status_code == 302
    client.force_login(org["focal"])
    r = client.post(url, {"action": "forward", "agency": org["dept"].pk})
    assert r.status_code == 409 and "Không thể thực hiện" in r.content.decode()
    r = client.post(url, {"action": "answer", "answer": ""})
    assert r.status_code == 422 and "Vui lòng nhập nội dung trả lời." in r.content.decode()
    r = client.post(
        url, {"action": "answer", "answer": "Đã liên hệ ông Phạm Văn Dân qua số 0912345678."}
    )
    assert r.status_code == 302
    fb.refresh_from_db()
    assert fb.status == State.ANSWERED
    page = client.get(reverse("feedback:staff_publish", args=[fb.code])).content.decode()
    fields = " ".join(
        re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    )  # the text to publish
    assert "***" in fields
    assert (
        "0912345678" not in fields and "079123456789" not in fields and "Phạm Văn Dân" not in fields
    )
    assert (
        '<mark data-kind="name"><del>Phạm Văn Dân</del>' in page
    )  # the officer sees what was removed
    preview = {
        "title": fb.subject,
        "question": "Tôi là ***, hỏi về Phạm Văn Dân 0912 345 678",
        "answer": "Đã trả lời.",
        "confirm": "on",
    }
    r = client.post(reverse("feedback:staff_publish", args=[fb.code]), preview)
    assert r.status_code == 302
    pa = PublishedAnswer.objects.get()
    assert "Phạm Văn Dân" not in pa.question and "0912" not in pa.question
    listing = client.get(reverse("feedback:qa_list"), {"q": "cham tra ket qua"}).content.decode()
    assert pa.title in listing


def test_publish_refused_without_consent(client, org, make_item, monday):
    fb = forward(make_item(consent_publish=False), org)
    feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trả lời"}
    )
    client.force_login(org["focal"])
    r = client.post(
        reverse("feedback:staff_publish", args=[fb.code]),
        {"title": "a", "question": "b", "answer": "c", "confirm": "on"},
    )
    assert r.status_code == 422 and "không đồng ý công khai" in r.content.decode()
    assert PublishedAnswer.objects.count() == 0


def test_masking_finds_personal_data():
    text = "Email: lan@example.com, ĐT +84 912 345 678, CMND 123456789. Bà Trần Thị Lan ở phường 3."
    kinds = {k for k, _v in find_personal_data(text)}
    assert kinds == {"email", "phone", "id_number", "name"}
    masked = mask_personal_data(text)
    for secret in ("lan@example.com", "912 345 678", "123456789", "Trần Thị Lan"):
        assert secret not in masked
    assert "phường 3" in masked


def test_figures(org, make_item, monday, client):
    on_time = forward(make_item(), org)
    feedback_act(
        feedback=on_time, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "OK"}
    )
    late = forward(make_item(), org)
    monday.shift(dt.timedelta(days=2))
    feedback_act(feedback=late, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Trễ"})
    forward(make_item(), org)  # waiting, already past the deadline
    monday.shift(dt.timedelta(days=2))
    start = timezone.now() - dt.timedelta(days=10)
    [row] = selectors.agency_figures(start=start, end=timezone.now())
    assert (row.received, row.answered_on_time, row.overdue, row.on_time_rate) == (3, 1, 2, 33.3)
    client.force_login(org["head"])
    page = client.get(reverse("feedback:staff_figures"), {"tu": "2026-11-01", "den": "2026-12-31"})
    assert "33.3%" in page.content.decode() or "33,3%" in page.content.decode()


def test_sender_tracks_and_rates_by_token(client, org, make_item, monday):
    fb = forward(make_item(sender=None, sender_name="Hồ Thị M", sender_email="m@example.vn"), org)
    feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Đã giải quyết"}
    )
    url = reverse("feedback:track", args=[sender_token(fb)])
    assert "Đã giải quyết" in client.get(url).content.decode()
    client.post(url, {"action": "mark_satisfied"})
    fb.refresh_from_db()
    assert fb.satisfaction == "satisfied" and fb.status == State.CLOSED
    assert client.get(reverse("feedback:track", args=["gia-mao"])).status_code == 404


def test_a_sender_reason_longer_than_the_limit_is_refused_on_the_tracking_page(
    client, org, make_item, monday
):
    """The reason of a reopening typed on the tracking page has the API's limit (5,000 characters):
    a megabyte of text was stored in the append-only history and mailed to the agency."""
    fb = forward(make_item(sender=None, sender_name="Hồ Thị M", sender_email="m@example.vn"), org)
    feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Đã xong"}
    )
    url = reverse("feedback:track", args=[sender_token(fb)])
    assert 'maxlength="5000"' in client.get(url).content.decode()
    page = client.post(url, {"action": "reopen", "note": "x" * 5001}, follow=True)
    assert "Ghi chú, lý do dài tối đa 5.000 ký tự." in page.content.decode()
    fb.refresh_from_db()
    assert fb.status == State.ANSWERED and not fb.events.filter(action="reopen").exists()
    client.post(url, {"action": "reopen", "note": "x" * 5000})
    fb.refresh_from_db()
    assert fb.status == State.FORWARDED


def test_qa_per_procedure_page(client, db):
    assert client.get(reverse("feedback:qa_procedure", args=["1.999999"])).status_code == 404
    assert client.get(reverse("feedback:qa_list")).status_code == 200


def test_qa_first_page_read_with_its_count_as_the_other_pages(client, org, make_item):
    """The Q&A page without a search (rows and count in one statement) shows what the same page read
    by the paginated query shows: the same answers in the same order, their agencies, the page count."""
    base = timezone.now()
    for i in range(23):
        fb = make_item(subject=f"Câu hỏi {i}")
        PublishedAnswer.objects.create(
            feedback=fb,
            title=f"Câu hỏi số {i}",
            question=f"Nội dung câu hỏi {i} " * 12,
            answer="Trả lời.",
            agency=org["dept"] if i % 2 else None,
            published_by=org["focal"],
            published_at=base - dt.timedelta(minutes=i),
            is_public=i != 5,
        )
    first = client.get(reverse("feedback:qa_list"))
    # A page number that is not a number reads the first page through the paginated query.
    again = client.get(reverse("feedback:qa_list"), {"trang": "x"})

    def shown(response):  # without the tokens and the language form's return address
        return re.sub(
            r'(csrfmiddlewaretoken" value=|"X-CSRFToken": |name="next" value=)"[^"]*"',
            "",
            response.content.decode(),
        )

    assert first.status_code == again.status_code == 200
    assert shown(first) == shown(again)
    page = shown(first)
    assert (
        page.count('class="card-title"') == 20
        and "Câu hỏi số 0<" in page
        and "Câu hỏi số 5<" not in page
    )
    assert "Trang 1/2" in page and "Sở Tư pháp" in page
    assert (
        "Câu hỏi số 21" in client.get(reverse("feedback:qa_list"), {"trang": "2"}).content.decode()
    )


def test_a_refused_staff_action_keeps_what_was_typed_in_its_form(client, org, make_item, monday):
    """A new deadline in the past is refused: the page shows the date and the reason typed again in
    the reschedule form, and an answer refused is kept in the answer form."""
    fb = make_item()
    url = reverse("feedback:staff_action", args=[fb.code])
    client.force_login(org["switchboard"])
    client.post(
        url,
        {"action": "forward", "agency": org["dept"].pk, "kind": "complaint", "version": fb.version},
    )
    client.force_login(org["focal"])
    r = client.post(
        url,
        {"action": "reschedule", "new_due_at": "2020-01-06T09:00", "note": "Cần xác minh thực địa"},
    )
    page = r.content.decode()
    assert r.status_code in (400, 409, 422), r.status_code
    assert 'value="2020-01-06T09:00"' in page and ">Cần xác minh thực địa</textarea>" in page
    r = client.post(url, {"action": "answer", "answer": "x" * 20001})
    assert r.status_code == 422 and "x" * 20001 + "</textarea>" in r.content.decode()


def test_the_error_summary_of_a_refused_staff_action_links_to_its_fields(
    client, org, make_item, monday
):
    """Each message of the error summary links to the field of the action's form it is about (a link
    to an id that is not on the page moves neither the focus nor the screen reader)."""
    fb = make_item()
    url = reverse("feedback:staff_action", args=[fb.code])
    client.force_login(org["switchboard"])
    client.post(
        url,
        {"action": "forward", "agency": org["dept"].pk, "kind": "complaint", "version": fb.version},
    )
    client.force_login(org["focal"])
    saturday = "2026-12-05T09:00"
    for data, target in (
        (
            {"action": "reschedule", "new_due_at": saturday, "note": "Hẹn lại"},
            "new_due_at-reschedule",
        ),
        ({"action": "answer", "answer": ""}, "answer-answer"),
        ({"action": "send_back", "note": ""}, "note-send_back"),
    ):
        page = client.post(url, data).content.decode()
        summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
        links = re.findall(r'href="#([^"]+)"', summary)
        assert links == [target], (data["action"], links)
        assert f'id="{target}"' in page


def test_a_refused_staff_action_says_the_error_at_its_field(client, org, make_item, monday):
    """The message of a refused action was only in the summary at the top of the page, far above the
    action's form on a phone; it is also at the field, which is marked invalid and described by it."""
    fb = make_item()
    url = reverse("feedback:staff_action", args=[fb.code])
    client.force_login(org["switchboard"])
    client.post(
        url,
        {"action": "forward", "agency": org["dept"].pk, "kind": "complaint", "version": fb.version},
    )
    client.force_login(org["focal"])
    saturday = "2026-12-05T09:00"
    for data, target in (
        (
            {"action": "reschedule", "new_due_at": saturday, "note": "Hẹn lại"},
            "new_due_at-reschedule",
        ),
        ({"action": "answer", "answer": ""}, "answer-answer"),
        ({"action": "send_back", "note": ""}, "note-send_back"),
    ):
        page = client.post(url, data).content.decode()
        field = re.search(rf'<(?:input|textarea)[^>]*id="{target}"[^>]*>', page).group(0)
        assert f'aria-invalid="true" aria-describedby="{target}-error"' in field, field
        message = re.search(rf'<p class="field-error" id="{target}-error">(.*?)</p>', page)
        assert message and "Lỗi:" in message.group(1), data["action"]
        # Only the refused action's form says it.
        assert page.count('class="field-error"') == 1


def test_the_english_item_page_marks_the_names_and_notes_in_its_history(client, org, make_item):
    """Officers' names and the notes they typed are Vietnamese data in the English history list."""
    from opendvc.accounts.tests.factories import mark_mfa_passed
    from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi

    fb = forward(make_item(), org)
    feedback_act(
        feedback=fb,
        action=Action.ESCALATE,
        actor=org["focal"],
        inputs={"note": "Cần thủ trưởng quyết định"},
    )
    client.cookies["django_language"] = "en"
    client.force_login(org["head"])
    mark_mfa_passed(client)
    html = client.get(reverse("feedback:staff_detail", args=[fb.code])).content.decode()
    assert '<html lang="en"' in html and "Cần thủ trưởng quyết định" in html
    history = html.split('class="fb-history"', 1)[1].split("</ol>", 1)[0]
    assert (
        vietnamese_outside_lang_vi(f'<html lang="en"><body><ol>{history}</ol></body></html>') == []
    )


@pytest.mark.parametrize(
    "name",
    ["Chứng thực bản sao từ bản chính", "Đăng ký khai sinh <có yếu tố nước ngoài> & kết hợp"],
)
def test_the_english_item_page_marks_the_procedures_name(client, org, make_item, name):
    """The procedure a feedback item is about: its name is Vietnamese data on the English page."""
    from opendvc.accounts.tests.factories import mark_mfa_passed
    from opendvc.catalog.models import Field, Procedure, Sector
    from opendvc.portal.tests.test_english import vietnamese_outside_lang_vi

    sector = Sector.objects.create(code="tu-phap", name="Tư pháp")
    field = Field.objects.create(code="chung-thuc", name="Chứng thực", sector=sector)
    procedure = Procedure.objects.create(
        code="2.000815", name=name, sector=sector, field=field, level=3
    )
    fb = forward(make_item(procedure=procedure), org)
    client.force_login(org["focal"])
    mark_mfa_passed(client)
    for language, marked in (("en", True), ("vi", False)):
        client.cookies["django_language"] = language
        html = client.get(reverse("feedback:staff_detail", args=[fb.code])).content.decode()
        facts = html.split("<dd>2.000815 – ", 1)[1].split("</dd>", 1)[0]
        from django.utils.html import escape

        expected = (
            f'<span lang="vi">{escape(name)}</span>' if marked else f"<span>{escape(name)}</span>"
        )
        assert facts == expected, (language, facts)
        if marked:
            assert (
                vietnamese_outside_lang_vi(f'<html lang="en"><body><p>{facts}</p></body></html>')
                == []
            )


def test_after_a_send_back_the_officer_goes_back_to_the_queue(client, org, make_item, monday):
    """The focal officer or the head who sends an item back to the switchboard no longer sees it:
    they are taken to their queue with the message, not to the item's page (a 404 under it). After
    an action that keeps the item in sight they stay on its page. Forwarded again, the item shows no
    reschedule of the ended forwarding."""
    fb = forward(make_item(), org)
    url = reverse("feedback:staff_action", args=[fb.code])
    detail = reverse("feedback:staff_detail", args=[fb.code])
    client.force_login(org["head"])
    r = client.post(
        url,
        {"action": "reschedule", "new_due_at": "2026-12-03T09:00", "note": "Hẹn với người gửi"},
    )
    assert r.status_code == 302 and r.url == detail
    assert "Đã gia hạn" in client.get(detail).content.decode()
    r = client.post(url, {"action": "send_back", "note": "Thuộc Sở Xây dựng"}, follow=True)
    assert r.redirect_chain == [(reverse("feedback:queue"), 302)]
    page = r.content.decode()
    assert r.status_code == 200 and "Đã thực hiện: Trả lại tổng đài (chuyển sai cơ quan)." in page
    assert client.get(detail).status_code == 404
    forward(Feedback.objects.get(pk=fb.pk), org)
    page = client.get(detail).content.decode()
    assert "Đã gia hạn" not in page and "Hẹn lại đến" not in page


def test_a_refused_forward_keeps_the_agency_kind_and_note_chosen(client, org, make_item, monday):
    """The switchboard chose another agency than the sender's suggestion, a kind and a note; the
    forward is refused (the note is too long, then the page was stale): the form comes back with
    what was chosen, the error at its field, status 422 (409 for the stale page), nothing saved."""
    fb = make_item()
    url = reverse("feedback:staff_action", args=[fb.code])
    client.force_login(org["switchboard"])
    chosen = {
        "action": "forward",
        "agency": org["other"].pk,
        "kind": "proposal",
        "version": fb.version,
    }
    r = client.post(url, {**chosen, "note": "n" * 5001})
    page = r.content.decode()
    assert r.status_code == 422
    assert re.search(rf'<option value="{org["other"].pk}" selected', page)
    assert '<option value="proposal" selected' in page
    assert 'id="note-forward" name="note" rows="2" aria-invalid="true"' in page
    assert "n" * 5001 + "</textarea>" in page
    r = client.post(url, {**chosen, "note": "Chuyển đúng cơ quan", "version": fb.version + 5})
    page = r.content.decode()
    assert r.status_code == 409
    # Not "someone else changed it": it may have been this page's own second press.
    assert "Phản ánh, kiến nghị đã thay đổi kể từ khi trang được mở" in page
    assert "có thể do nút được bấm hai lần" in page and "người khác cập nhật" not in page
    assert re.search(rf'<option value="{org["other"].pk}" selected', page)
    assert '<option value="proposal" selected' in page and ">Chuyển đúng cơ quan</textarea>" in page
    fb.refresh_from_db()
    assert fb.status == State.RECEIVED and fb.agency_id is None


def test_the_answered_queue_shows_when_each_item_was_answered_not_its_deadline(
    client, org, make_item, monday
):
    """The answered queue showed each item's answer deadline and, for one answered late, the overdue
    badge of the status: it now shows when the answer was given and whether it was on time."""
    on_time = forward(make_item(subject="Trả lời kịp"), org)
    late = forward(make_item(subject="Trả lời muộn"), org)
    for fb in (on_time, late):
        feedback_act(
            feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "Đã xử lý."}
        )
    due = timezone.now() + dt.timedelta(days=3)
    Feedback.objects.filter(pk=on_time.pk).update(due_at=due)
    Feedback.objects.filter(pk=late.pk).update(
        due_at=due, overdue_since=timezone.now() - dt.timedelta(hours=2)
    )
    client.force_login(org["focal"])
    page = client.get(reverse("feedback:queue"), {"hang-doi": "answered"}).content.decode()
    assert "Trả lời lúc" in page and "Hạn trả lời" not in page
    tz = timezone.get_current_timezone()
    for fb in (on_time, late):
        fb.refresh_from_db()
        assert fb.answered_at.astimezone(tz).strftime("%H:%M %d/%m/%Y") in page
    assert due.astimezone(tz).strftime("%H:%M %d/%m/%Y") not in page
    assert page.count("Trả lời đúng hạn") == 1 and page.count("Trả lời trễ hạn") == 1
    # The other queues still show the deadline.
    forward(make_item(subject="Đang chờ"), org)
    assert (
        "Hạn trả lời"
        in client.get(reverse("feedback:queue"), {"hang-doi": "open"}).content.decode()
    )


@pytest.mark.django_db
def test_a_refused_qa_search_answers_422_at_its_field(client):
    """A query past the search's limits answered 400 with the message below the form, tied to
    nothing; it answers 422, the message at the search field, what was typed kept."""
    typed = "cham tra " * 30
    r = client.get(reverse("feedback:qa_list"), {"q": typed})
    assert r.status_code == 422
    page = r.content.decode()
    assert re.search(r'id="qa-q-error"[^>]*>.*dài quá \d+ ký tự', page)
    assert re.search(
        r'<input type="search" id="qa-q" name="q" value="cham tra [^"]*"[^>]*'
        r'aria-invalid="true" aria-describedby="qa-q-error"',
        page,
    )
