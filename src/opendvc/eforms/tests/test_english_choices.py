"""The choices of a form (and its section titles) on an English page: the English label the definition
gives (``label_en``, ``title_en``), in the control, in the summary of a filled form and in the note
saying when a field applies; the Vietnamese one, marked ``lang="vi"``, where it gives none (WCAG 2.1,
3.1.2). Words of the page's own language (Yes, 1 file) are not marked as Vietnamese. Vietnamese
pages read as before."""

from __future__ import annotations

import copy
import re

import pytest
from django.template.loader import render_to_string
from django.utils.translation import override

from opendvc.eforms.models import FormDraft
from opendvc.eforms.render import display_value, form_data_display, render_fields
from opendvc.eforms.services import definition_publish, definition_save

from .conftest import birth_data
from .test_pages import START, _post

CHOICES = [
    {"value": "cccd", "label": "Căn cước công dân", "label_en": "Citizen ID card"},
    {"value": "passport", "label": "Hộ chiếu", "label_en": "Passport"},
    {"value": "other", "label": "Giấy tờ khác"},
]


def _definition(widget: str | None = None, **section) -> dict:
    paper = {"key": "paper", "kind": "choice", "label": "Giấy tờ", "choices": CHOICES}
    if widget:
        paper["widget"] = widget
    return {
        "title": "Tờ khai thử",
        "sections": [
            {
                "key": "a",
                "title": "Người yêu cầu",
                "fields": [
                    paper,
                    {"key": "papers", "kind": "multichoice", "label": "Các giấy tờ",
                     "label_en": "Papers", "choices": CHOICES},
                    {"key": "number", "kind": "text", "label": "Số giấy tờ",
                     "show_if": {"field": "paper", "in": ["passport", "other"]}},
                    {"key": "agree", "kind": "checkbox", "label": "Đồng ý"},
                    {"key": "kids", "kind": "group", "label": "Con", "label_en": "Children",
                     "fields": [{"key": "n", "kind": "text", "label": "Tên"}]},
                ],
            }
            | section
        ],
    }


def _options(html: str) -> dict[str, str]:
    """Each choice's control label (an option or a radio/checkbox label) with its attributes."""
    found = {}
    for m in re.finditer(r'<option value="(\w+)"([^>]*)>([^<]*)</option>', html):
        found[m[1]] = f"{m[2].replace(' selected', '')}>{m[3]}"
    for m in re.finditer(r'value="(\w+)"[^>]*><label for="[^"]+"([^>]*)>([^<]*)</label>', html):
        found.setdefault(m[1], f"{m[2]}>{m[3]}")
    return found


@pytest.mark.parametrize("widget", ["select", "radio"])
def test_the_controls_choices_in_english_where_given(widget):
    definition = _definition(widget)
    with override("en"):
        options = _options(str(render_fields(definition, {"paper": "passport"}, [])))
    assert options["cccd"] == ">Citizen ID card"
    assert options["passport"] == ">Passport"
    assert options["other"] == ' lang="vi">Giấy tờ khác'
    with override("vi"):
        html = str(render_fields(definition, {"paper": "passport"}, []))
    assert _options(html)["passport"] == ">Hộ chiếu"
    assert "Passport" not in html and 'lang="vi"' not in html


def test_the_multichoice_checkboxes_in_english_where_given():
    with override("en"):
        html = str(render_fields(_definition(), {"papers": ["other"]}, []))
    assert '<label for="f-papers-1">Passport</label>' in html
    assert '<label for="f-papers-2" lang="vi">Giấy tờ khác</label>' in html


@pytest.mark.parametrize(
    ("value", "note"),
    [
        (["passport"], "Fill in only when “Giấy tờ” is “Passport”."),
        (["other"], "Fill in only when “Giấy tờ” is “Giấy tờ khác”."),
        (["passport", "other"], "Fill in only when “Giấy tờ” is “Passport” or “Giấy tờ khác”."),
    ],
)
def test_the_condition_note_quotes_the_english_choice_unmarked(value, note):
    definition = _definition()
    definition["sections"][0]["fields"][2]["show_if"]["in"] = value
    with override("en"):
        html = str(render_fields(definition, {}, []))
    shown = re.search(r'id="f-number-when">(.*?)</p>', html)[1]
    assert re.sub(r"<[^>]+>", "", shown) == note
    assert "<span lang=\"vi\">Passport</span>" not in shown
    assert ('<span lang="vi">Giấy tờ khác</span>' in shown) is ("other" in value)


def _summary(definition, data, language: str) -> str:
    with override(language):
        return render_to_string(
            "eforms/_form_data.html", {"sections": form_data_display(definition, data)}
        )


@pytest.mark.parametrize(
    ("data", "dd"),
    [
        ({"paper": "cccd"}, "<dd>Citizen ID card</dd>"),
        ({"paper": "passport"}, "<dd>Passport</dd>"),
        ({"paper": "other"}, '<dd lang="vi">Giấy tờ khác</dd>'),
        # A value the form no longer offers is shown as kept.
        ({"paper": "old"}, '<dd lang="vi">old</dd>'),
        ({"papers": ["cccd", "passport"]}, "<dd>Citizen ID card; Passport</dd>"),
        ({"papers": ["other"]}, '<dd lang="vi">Giấy tờ khác</dd>'),
        (
            {"papers": ["passport", "other"]},
            '<dd>Passport; <span lang="vi">Giấy tờ khác</span></dd>',
        ),
        ({"agree": True}, "<dd>Yes</dd>"),
        ({"number": "B1234567", "paper": "other"}, '<dd lang="vi">B1234567</dd>'),
    ],
)
def test_the_summary_shows_the_english_choice_unmarked(data, dd):
    html = _summary(_definition(), data, "en")
    assert dd in html
    assert ('<dt lang="vi">Giấy tờ</dt>' in html) is ("paper" in data)
    assert ("<dt>Papers</dt>" in html) is ("papers" in data)


def test_the_summary_section_and_group_titles_in_english_where_given():
    data = {"kids": [{"n": "An"}, {"n": "Bình"}]}
    html = _summary(_definition(title_en="Applicant"), data, "en")
    assert '<h3 id="fd-a">Applicant</h3>' in html
    assert "<dt>Children</dt>" in html
    assert '<p class="eforms-data-item-title">Children 2</p>' in html
    html = _summary(_definition(), data, "en")
    assert '<h3 id="fd-a" lang="vi">Người yêu cầu</h3>' in html


@pytest.mark.parametrize(
    "data",
    [
        {"paper": "passport", "papers": ["passport", "other"], "agree": True},
        {"paper": "other", "kids": [{"n": "An"}]},
    ],
)
def test_the_vietnamese_summary_reads_as_before(data):
    html = _summary(_definition(title_en="Applicant"), data, "vi")
    assert 'lang="vi"' not in html and "Passport" not in html and "Applicant" not in html
    assert "<span" not in html


def test_display_value_is_plain_text_in_the_pages_language():
    spec = _definition()["sections"][0]["fields"][1]
    with override("en"):
        shown = display_value(spec, ["passport", "other"])
        assert shown == "Passport; Giấy tờ khác" and type(shown) is str
    with override("vi"):
        assert display_value(spec, ["passport", "other"]) == "Hộ chiếu; Giấy tờ khác"


def test_the_rendered_section_title_and_group_buttons():
    definition = _definition(title_en="Applicant", help="Khai đúng sự thật.")
    with override("en"):
        html = str(render_fields(definition, {}, []))
    assert "<legend>Applicant</legend>" in html
    assert '<p class="help" lang="vi">Khai đúng sự thật.</p>' in html
    assert '<legend>Children 1</legend>' in html and ">Add children</button>" in html
    definition["sections"][0]["fields"][4]["item_label"] = "Người con"
    with override("en"):
        html = str(render_fields(definition, {}, []))
    assert '<legend lang="vi">Người con 1</legend>' in html
    assert '>Add <span lang="vi">người con</span></button>' in html
    with override("vi"):
        html = str(render_fields(definition, {}, []))
    assert ">Thêm người con</button>" in html and 'lang="vi"' not in html


def _publish_in_english(birth_version, admin_user, *, label: str, first_choice: str):
    """The birth form published again with English words for its child section ("Child"), the
    child's sex field (``label``) and that field's first choice (``first_choice``); returns the new
    version and the field's definition."""
    definition = copy.deepcopy(birth_version.definition)
    child = next(s for s in definition["sections"] if s["key"] == "child")
    child["title_en"] = "Child"
    gender = next(f for f in child["fields"] if f["key"] == "child_gender")
    gender["label_en"] = label
    gender["choices"][0]["label_en"] = first_choice
    form = definition_save(key=birth_version.form.key, definition=definition, actor=admin_user)
    return definition_publish(form=form, actor=admin_user), gender


@pytest.mark.usefixtures("eforms")
@pytest.mark.parametrize(
    ("gender", "radio", "dd"),
    [
        ("male", ">Male</label>", "<dd>Male</dd>"),
        ("female", ' lang="vi">Nữ</label>', '<dd lang="vi">Nữ</dd>'),
    ],
)
def test_the_english_fill_and_done_pages(
    client, applicant, admin_user, birth_version, a_ward, gender, radio, dd
):
    version, _gender = _publish_in_english(birth_version, admin_user, label="Sex", first_choice="Male")
    assert version.number == birth_version.number + 1

    client.force_login(applicant)
    client.cookies["django_language"] = "en"
    html = client.get(START).content.decode()
    assert radio in html and "<legend>Child</legend>" in html
    data = birth_data(a_ward) | {"child_gender": gender}
    _post(client, START, data, action="save")
    url = f"/to-khai/ban-nhap/{FormDraft.objects.get(user=applicant).public_id}/"
    assert _post(client, url, data, action="finish").status_code == 302
    html = client.get(f"{url}hoan-thanh/").content.decode()
    assert "<dt>Sex</dt>" in html and dd in html and ">Child</h2>" in html


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("filled", [False, True])
def test_the_printed_form_is_the_vietnamese_one_whatever_the_pages_language(
    admin_user, birth_version, a_ward, language, filled
):
    """The PDF of the form (blank, or filled with the applicant's answers) is what is handed in to the
    agency: its labels, choices, section titles and footer are the Vietnamese ones even when the page
    (and the definition's English labels) are English."""
    import io

    from pypdf import PdfReader

    from opendvc.eforms.services import form_pdf

    version, gender = _publish_in_english(
        birth_version, admin_user, label="Sex of the child", first_choice="Male child"
    )
    data = birth_data(a_ward) | {"child_gender": gender["choices"][0]["value"]} if filled else None
    with override(language):
        pdf = form_pdf(form_version=version, data=data)
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Sex of the child" not in text and "Male child" not in text and "Child" not in text
    assert gender["label"] in text and "Biểu mẫu" in text
    if filled:
        assert gender["choices"][0]["label"] in text
