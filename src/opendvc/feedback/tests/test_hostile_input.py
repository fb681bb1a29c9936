"""Hostile input to the feedback officers' pages and API: figures asked for 31/12/9999 or an impossible day,
an action the form does not know (or none), and notes and answers beyond their bounds. Each answered 500 or
was silently accepted before; each is now refused with a Vietnamese message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opendvc.feedback.lifecycle import Action, State
from opendvc.feedback.models import Feedback
from opendvc.feedback.services import feedback_act

pytestmark = pytest.mark.django_db
RANGE = "nhập một ngày từ 01/01/2000 đến 31/12/2100"


def test_figures_read_days_between_2000_and_2100(client, org):
    client.force_login(org["focal"])
    url = reverse("feedback:staff_figures")

    far = client.get(url, {"tu": "9999-12-31", "den": "9999-12-31"})
    assert far.status_code == 422
    assert f"Từ ngày không hợp lệ: {RANGE}." in far.content.decode()
    assert f"Đến ngày không hợp lệ: {RANGE}." in far.content.decode()

    impossible = client.get(url, {"tu": "2026-13-45"})
    assert (
        impossible.status_code == 422
        and f"Từ ngày không hợp lệ: {RANGE}." in impossible.content.decode()
    )

    typed = client.get(url, {"tu": "01/03/2026", "den": "31/03/2026"})
    assert typed.status_code == 200 and "Từ 01/03/2026 đến 31/03/2026" in typed.content.decode()
    assert "error-summary" not in typed.content.decode()

    reversed_ = client.get(url, {"tu": "2026-03-31", "den": "2026-03-01"})
    assert (
        reversed_.status_code == 422 and "Đến ngày phải sau Từ ngày." in reversed_.content.decode()
    )


def test_figures_show_only_the_error_of_the_day_refused(client, org, monday):
    """29/02/2026 does not exist: the page says so and nothing else (the days typed are in order, it
    compared a default with the end before), and the form keeps both days as typed."""
    client.force_login(org["focal"])
    url = reverse("feedback:staff_figures")
    page = client.get(url, {"tu": "2026-02-29", "den": "2026-03-01"})
    html = page.content.decode()
    assert page.status_code == 422 and f"Từ ngày không hợp lệ: {RANGE}." in html
    assert "Đến ngày phải sau Từ ngày." not in html
    assert 'name="tu" value="2026-02-29"' in html and 'name="den" value="2026-03-01"' in html
    # Shown under the message: this month's figures.
    assert "Từ 01/11/2026 đến 30/11/2026" in html
    reversed_ = client.get(url, {"tu": "31/03/2026", "den": "2026-03-01"}).content.decode()
    assert "Đến ngày phải sau Từ ngày." in reversed_
    assert "không hợp lệ" not in reversed_
    assert 'name="tu" value="31/03/2026"' in reversed_


def test_an_unknown_or_missing_action_is_a_form_error(client, org, make_item):
    fb = make_item()
    url = reverse("feedback:staff_action", args=[fb.code])

    def refused(user, cases):
        before = (fb.status, fb.version)
        client.force_login(org[user])
        for data, message in cases:
            response = client.post(url, data)
            assert response.status_code == 422, (user, data)
            assert message in response.content.decode(), (user, data)
            fb.refresh_from_db()
            assert (fb.status, fb.version) == before, (user, data)

    refused(
        "switchboard",
        [
            ({"action": "zzz", "version": fb.version}, "Thao tác không tồn tại."),
            ({"agency": org["dept"].pk, "version": fb.version}, "Chưa chọn thao tác."),
        ],
    )
    # The focal officer sees the item once it is forwarded to the department.
    feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    fb.refresh_from_db()
    refused(
        "focal",
        [
            ({"action": "zzz", "answer": "Trả lời"}, "Thao tác không tồn tại."),
            ({"note": "Không có thao tác"}, "Chưa chọn thao tác."),
        ],
    )
    assert fb.status == State.FORWARDED


def test_api_bounds_notes_and_answers(client, org, make_item):
    fb = make_item()
    url = f"/api/v1/feedback/{fb.code}/actions"
    client.force_login(org["switchboard"])
    r = client.post(
        url,
        {"action": "forward", "agency_code": org["dept"].code, "note": "n" * 5001},
        content_type="application/json",
    )
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["path"].endswith("note")
    fb.refresh_from_db()
    assert fb.status == State.RECEIVED

    feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    client.force_login(org["focal"])
    r = client.post(
        url, {"action": "answer", "answer": "a" * 20001}, content_type="application/json"
    )
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["path"].endswith("answer")
    assert Feedback.objects.get(pk=fb.pk).status == State.FORWARDED
    # At the bound, the answer is taken.
    r = client.post(
        url, {"action": "answer", "answer": "a" * 20000}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert Feedback.objects.get(pk=fb.pk).status == State.ANSWERED


def test_an_email_address_longer_than_its_column_is_refused_at_its_field(client, org, make_item):
    """The public form took a 296-character address (the form field allowed 320) into a 254-character
    column: PostgreSQL answered 500 and SQLite kept it. It is now refused at its field, with the rest
    of what was typed kept; a paper letter registered by staff gets the same rule from the service."""
    long_email = "a" * 290 + "@b.vn"
    r = client.post(
        reverse("feedback:submit"),
        {
            "kind": "complaint",
            "subject": "Chậm trả kết quả",
            "content": "Nội dung dài",
            "sender_name": "Nguyễn Văn A",
            "sender_email": long_email,
        },
    )
    page = r.content.decode()
    assert r.status_code == 422 and "Địa chỉ email dài tối đa 254 ký tự." in page
    assert "Chậm trả kết quả" in page and Feedback.objects.count() == 0

    from opendvc.core.problems import ProblemError

    with pytest.raises(ProblemError) as exc:
        make_item(sender=None, sender_name="Nguyễn Văn A", sender_email=long_email)
    assert exc.value.extra["errors"][0]["path"] == "sender_email"
    assert Feedback.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "field", "missing"),
    [
        ({"sender_name": "Nguyễn " * 40}, "sender_name", "Vui lòng nhập họ và tên người gửi."),
        (
            {"sender_phone": "0" * 21},
            "sender_phone",
            "Vui lòng nhập số điện thoại hoặc email để nhận câu trả lời.",
        ),
    ],
)
def test_a_field_too_long_is_not_also_said_to_be_missing(client, org, typed, field, missing):
    """A name or phone number over its length was refused twice at its field: "at most n
    characters" and "please enter…", though the sender had typed it."""
    data = {
        "kind": "complaint",
        "subject": "Chậm trả kết quả",
        "content": "Nội dung",
        "sender_name": "Nguyễn Văn A",
        "sender_phone": "0912345678",
        **typed,
    }
    r = client.post(reverse("feedback:submit"), data)
    errors = r.context["form"].errors
    assert r.status_code == 422 and list(errors) == [field]
    assert len(errors[field]) == 1 and missing not in errors[field]
    assert Feedback.objects.count() == 0


def test_a_paper_letter_field_too_long_is_not_also_said_to_be_missing(client, org):
    client.force_login(org["focal"])
    r = client.post(
        reverse("feedback:staff_paper_entry"),
        {
            "agency": org["dept"].pk,
            "kind": "complaint",
            "subject": "Đơn thư",
            "content": "Nội dung",
            "sender_name": "Nguyễn " * 40,
            "sender_phone": "0" * 21,
        },
    )
    errors = r.context["form"].errors
    assert r.status_code == 422 and sorted(errors) == ["sender_name", "sender_phone"]
    assert all(len(messages) == 1 for messages in errors.values())


@pytest.mark.parametrize("field", ["subject", "content"])
def test_a_text_of_invisible_characters_only_is_refused_as_empty(client, org, field):
    """Right-to-left overrides and zero-width marks show nothing: a subject or a text made of them
    only was recorded as an item with an empty title or text."""
    sent = {
        "subject": "Hỏi về lệ phí",
        "content": "Lệ phí cấp bản sao bao nhiêu?",
        "sender_name": "Trịnh Văn K",
        "sender_phone": "0934567890",
        field: "\u202e\u200b\u2066 \u2069",
    }
    r = client.post("/api/v1/feedback/public", sent, content_type="application/json")
    assert r.status_code == 422, r.content
    assert [e["path"] for e in r.json()["errors"]] == [field]
    assert Feedback.objects.count() == 0


def test_bidi_overrides_are_not_kept_in_a_new_item_but_line_breaks_are(client, org):
    client.force_login(org["citizen"])
    r = client.post(
        "/api/v1/feedback",
        {"subject": "Hỏi \u202evề lệ phí", "content": "Dòng một\u200b\nDòng\u202e hai"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    fb = Feedback.objects.get(code=r.json()["code"])
    assert (fb.subject, fb.content) == ("Hỏi về lệ phí", "Dòng một\nDòng hai")
