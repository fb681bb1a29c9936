"""On English pages the messages that name a form's field do not splice the agency's Vietnamese
label into an English sentence: the form's English label is used when the definition gives one,
otherwise the Vietnamese label is quoted and marked ``lang="vi"`` (WCAG 2.1, 3.1.2). The API answers
the same words as plain text, with its stable codes; Vietnamese pages read as before."""

from __future__ import annotations

import json

import pytest
from django.utils.html import conditional_escape
from django.utils.translation import override

from opendvc.core.quoting import MarkedText
from opendvc.eforms.engine import CompiledForm
from opendvc.eforms.render import error_links, render_fields

from .conftest import birth_data


def _definition(**field) -> dict:
    return {
        "title": "Tờ khai thử",
        "sections": [
            {
                "key": "a",
                "title": "Người yêu cầu",
                "fields": [
                    {"key": "name", "kind": "text", "label": "Họ, chữ đệm, tên", "required": True}
                    | field,
                    {
                        "key": "gender",
                        "kind": "choice",
                        "label": "Giới tính",
                        "required": True,
                        "choices": [{"value": "nam", "label": "Nam"}],
                    },
                    {"key": "scan", "kind": "file", "label": "Bản chụp CCCD", "required": True,
                     "component": "CCCD"},
                    {"key": "born", "kind": "date", "label": "Ngày sinh"},
                    {"key": "died", "kind": "date", "label": "Ngày mất",
                     "on_or_after": {"field": "born"}},
                ],
            }
        ],
    }


def _messages(definition, data=None) -> dict[str, str]:
    _cleaned, errors = CompiledForm(definition).validate(data or {})
    return {e["path"]: e["message"] for e in errors}


def test_vietnamese_messages_read_as_before_and_keep_abbreviations():
    with override("vi"):
        found = _messages(_definition())
    assert found == {
        "name": "Vui lòng nhập họ, chữ đệm, tên.",
        "gender": "Vui lòng chọn giới tính.",
        "scan": "Vui lòng đính kèm bản chụp CCCD.",
    }
    assert not any(isinstance(m, MarkedText) for m in found.values())


def test_english_messages_quote_the_vietnamese_label_and_mark_it():
    with override("en"):
        found = _messages(_definition())
        assert found["name"] == "Please enter “Họ, chữ đệm, tên”."
        assert found["gender"] == "Please choose “Giới tính”."
        assert found["scan"] == "Please attach “Bản chụp CCCD”."
        # Shown in a page, the Vietnamese words are marked (and escaped).
        assert (
            conditional_escape(found["name"])
            == "Please enter “<span lang=\"vi\">Họ, chữ đệm, tên</span>”."
        )
        hostile = _messages(_definition(label="<b>Tên</b>"))["name"]
        assert conditional_escape(hostile) == (
            "Please enter “<span lang=\"vi\">&lt;b&gt;Tên&lt;/b&gt;</span>”."
        )


def test_english_messages_use_the_english_label_when_the_form_gives_one():
    with override("en"):
        found = _messages(_definition(label_en="Full name"))
    assert found["name"] == "Please enter full name."
    assert not isinstance(found["name"], MarkedText)


def test_the_date_rule_names_the_other_field_and_its_own_message_is_marked():
    data = {"born": "02/01/2020", "died": "01/01/2020"}
    with override("en"):
        general = _messages(_definition(), data)["died"]
        assert general == "This date may not be before the date given in “Ngày sinh”."
        assert '<span lang="vi">Ngày sinh</span>' in conditional_escape(general)
        own = _definition()
        own["sections"][0]["fields"][4]["on_or_after"]["message"] = "Ngày mất trước ngày sinh."
        written = _messages(own, data)["died"]
        assert conditional_escape(written) == '<span lang="vi">Ngày mất trước ngày sinh.</span>'
        own["sections"][0]["fields"][4]["on_or_after"]["message_en"] = "Death before birth."
        assert _messages(own, data)["died"] == "Death before birth."


def test_the_rendered_form_and_its_error_summary_mark_the_vietnamese_labels():
    definition = _definition()
    definition["sections"][0]["fields"][4]["show_if"] = {"field": "gender", "in": ["nam"]}
    with override("en"):
        errors = CompiledForm(definition).validate({})[1]
        html = str(render_fields(definition, {}, errors))
        assert (
            '<p class="field-error" id="f-name-error"><span class="visually-hidden">Error: </span>'
            'Please enter “<span lang="vi">Họ, chữ đệm, tên</span>”.</p>'
        ) in html
        assert (
            'Fill in only when “<span lang="vi">Giới tính</span>” is “<span lang="vi">Nam</span>”.'
            in html
        )
        links = error_links(definition, errors)
        first = links[0]
        assert conditional_escape(first["label"]) == (
            '<span lang="vi">Người yêu cầu</span> – <span lang="vi">Họ, chữ đệm, tên</span>'
        )
    with override("vi"):
        errors = CompiledForm(definition).validate({})[1]
        html = str(render_fields(definition, {}, errors))
        assert "Vui lòng nhập họ, chữ đệm, tên." in html and 'lang="vi"' not in html


def _api(client, payload):
    return client.post(
        "/api/v1/procedures/1.001193/form/validate",
        json.dumps(payload),
        content_type="application/json",
    )


@pytest.mark.usefixtures("eforms")
def test_the_api_answers_plain_text_in_the_language_asked_with_the_same_codes(
    client, applicant, a_ward
):
    client.force_login(applicant)
    payload = birth_data(a_ward)
    payload.pop("requester_name")
    body = _api(client, payload).json()
    assert (body["code"], body["status"]) == ("form_invalid", 422)
    assert body["title"] == "Dữ liệu tờ khai không hợp lệ"
    assert {"path": "requester_name", "message": "Vui lòng nhập họ, chữ đệm, tên người yêu cầu."} in (
        body["errors"]
    )

    client.cookies["django_language"] = "en"
    body = _api(client, payload).json()
    assert (body["code"], body["status"]) == ("form_invalid", 422)
    assert body["title"] == "Invalid form data"
    assert body["detail"] == "The form has 1 error."
    assert body["errors"] == [
        {"path": "requester_name", "message": "Please enter “Họ, chữ đệm, tên người yêu cầu”."}
    ]


@pytest.mark.usefixtures("eforms")
def test_the_english_fill_page_marks_the_label_in_the_error(client, applicant, a_ward):
    from django.http import QueryDict

    from .test_services import _as_post

    client.force_login(applicant)
    client.cookies["django_language"] = "en"
    data = birth_data(a_ward)
    data["requester_name"] = ""
    post: QueryDict = _as_post(data)
    post["action"] = "finish"
    r = client.post("/to-khai/1.001193/", post.urlencode(),
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'Please enter “<span lang="vi">Họ, chữ đệm, tên người yêu cầu</span>”.' in html
    assert "Please enter họ" not in html


def _definition_with(change) -> dict:
    definition = _definition()
    change(definition)
    return definition


@pytest.mark.parametrize(
    ("change", "english", "vietnamese"),
    [
        (
            lambda d: d["sections"][0]["fields"][0].update(kind="chu_ky"),
            "The field type “chu_ky” is not supported.",
            "Loại trường “chu_ky” không được hỗ trợ.",
        ),
        (
            lambda d: d.pop("sections"),
            "The required property “sections” is missing.",
            "Thiếu thuộc tính bắt buộc “sections”.",
        ),
        (
            lambda d: d.update(title=5),
            "Wrong data type: a string is expected.",
            "Sai kiểu dữ liệu: cần chuỗi.",
        ),
        (
            lambda d: d["sections"][0]["fields"][1]["choices"].append(
                {"value": "nam", "label": "Nữ"}
            ),
            "The list of choices has duplicate values.",
            "Danh sách lựa chọn có giá trị trùng.",
        ),
        (
            lambda d: d.update(procedures=["KHONG-CO"]),
            "There is no procedure with the code “KHONG-CO” in the catalogue.",
            "Không có thủ tục mã “KHONG-CO” trong danh mục.",
        ),
    ],
)
def test_the_builder_tells_a_definitions_problems_in_the_pages_language(
    client, db, change, english, vietnamese
):
    """The checks of a definition (its structure, its meaning, the catalogue) speak English on an
    English back-office page and Vietnamese otherwise."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import get_user_model

    from .conftest import sign_in_with_mfa

    admin = get_user_model().objects.create_superuser(
        email="qt-bm@example.vn", password="pw-Strong-123"
    )
    TOTP.activate(admin, generate_totp_secret())
    sign_in_with_mfa(client, admin)
    body = {"definition": json.dumps(_definition_with(change), ensure_ascii=False), "key": "thu"}
    for language, words, other in (("en", english, vietnamese), (None, vietnamese, english)):
        if language:
            client.cookies["django_language"] = language
        else:
            client.cookies.pop("django_language")
        html = client.post("/quan-tri/bieu-mau/xem-truoc/", body).content.decode()
        assert words in html and other not in html, (language, html[:2000])
