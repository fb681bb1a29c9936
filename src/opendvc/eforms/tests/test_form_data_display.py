"""Filled form data as people read it: every shipped e-form, with generated valid data of two shapes.

No raw field key, option code, province or ward code, True/False or ISO date may reach the page (or
the PDF, which prints the same sections).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.template.loader import render_to_string

from opendvc.eforms.demo import shipped_definitions
from opendvc.eforms.engine import CompiledForm, iter_fields, units
from opendvc.eforms.render import form_data_display

DEFINITIONS = shipped_definitions()
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _wards_of(province: int) -> list[int]:
    _provinces, wards = units()
    return sorted(code for code, (_name, p) in wards.items() if p == province)


def _value(spec: dict, shape: int, index: int = 0):
    """A valid raw value (as typed in the page) for ``spec``; ``shape`` 0 or 1 picks other options."""
    kind = spec["kind"]
    if kind == "text":
        text = ["Nguyễn Văn An", "Trần Thị Bích"][shape] + (f" {index + 1}" if index else "")
        return text[: spec.get("max_length", 200)]
    if kind == "textarea":
        return "Thay đổi nơi thường trú do chuyển công tác."
    if kind in ("number", "money"):
        low = spec.get("min", 1)
        high = spec.get("max", 10**9)
        wanted = 1250 if kind == "number" else 5_000_000
        return str(max(low, min(high, wanted if shape else low + 1)))
    if kind == "date":
        return ["17/05/1990", "02/11/2001"][shape]
    if kind == "choice":
        return spec["choices"][-1 if shape else 0]["value"]
    if kind == "multichoice":
        return [c["value"] for c in spec["choices"]]
    if kind == "checkbox":
        return shape == 0
    if kind == "declaration":
        return True
    if kind == "email":
        return "an.nguyen@example.vn"
    if kind == "phone":
        return ["0912345678", "0251 3822 111"][shape]
    if kind == "cccd":
        return ["075090001234", "079301004321"][shape]
    if kind == "tax_code":
        return "3600252847"
    if kind == "address":
        province = [75, 79][shape]
        wards = _wards_of(province)
        return {"province": str(province), "ward": str(wards[3 + index]), "street": "12 Lê Lợi"}
    if kind == "file":
        return ["tep-giay-chung-sinh"]
    if kind == "group":
        return [
            {child["key"]: _value(child, shape, row) for child in spec["fields"]}
            for row in range(2)
        ]
    raise AssertionError(f"no generator for {kind}")


def _data(definition: dict, shape: int) -> dict:
    return {spec["key"]: _value(spec, shape) for spec in iter_fields(definition)}


def _keys(specs: list[dict]) -> set[str]:
    out = set()
    for spec in specs:
        out.add(spec["key"])
        out |= _keys(spec.get("fields", []))
    return out


def _choice_codes(specs: list[dict]) -> set[str]:
    out = set()
    for spec in specs:
        for choice in spec.get("choices", []):
            if choice["value"].lower() not in choice["label"].lower():
                out.add(choice["value"])
        out |= _choice_codes(spec.get("fields", []))
    return out


def _text(sections: list[dict]) -> str:
    page = render_to_string("eforms/_form_data.html", {"sections": sections})
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("shape", [0, 1])
@pytest.mark.parametrize("key", sorted(DEFINITIONS))
@pytest.mark.parametrize("cleaned", [True, False], ids=["submitted", "draft"])
def test_every_shipped_form_reads_without_codes(key, shape, cleaned):
    definition = DEFINITIONS[key]
    raw = _data(definition, shape)
    data, errors = CompiledForm(definition, today=lambda: dt.date(2026, 1, 1)).validate(raw)
    assert errors == []
    if not cleaned:  # a draft keeps what was typed: codes as strings, dd/mm/yyyy, numbers as text
        data = raw
    sections = form_data_display(definition, data)
    text = _text(sections)
    words = set(re.findall(r"[\w.]+", text))
    assert (
        not (_keys(definition["sections"][0]["fields"]) | _keys(list(iter_fields(definition))))
        & words
    )
    assert not _choice_codes(list(iter_fields(definition))) & words
    assert not {"True", "False", "None"} & words
    assert not ISO_DATE.search(text)
    provinces, wards = units()
    for spec in iter_fields(definition):
        scope = [spec] if spec["kind"] != "group" else spec["fields"]
        for inner in scope:
            if inner["kind"] != "address":
                continue
            rows = data.get(spec["key"]) if spec["kind"] == "group" else [data.get(spec["key"])]
            for value in rows or []:
                address = value if spec["kind"] != "group" else value.get(inner["key"])
                if not address:
                    continue
                ward = int(address["ward"])
                assert wards[ward][0] in text and provinces[int(address["province"])] in text
                assert str(ward) not in words and str(address["province"]) not in words
    # Grouped by the form's own sections, under their titles.
    assert [s["title"] for s in sections] == [
        s["title"] for s in definition["sections"] if s["key"] in {x["key"] for x in sections}
    ]
    assert all(s["title"] in text for s in sections)


def test_values_are_written_the_vietnamese_way():
    definition = DEFINITIONS["dang-ky-khai-sinh"]
    data, _errors = CompiledForm(definition).validate(_data(definition, 0))
    rows = {r["label"]: r for s in form_data_display(definition, data) for r in s["rows"]}
    checkbox = next(s for s in iter_fields(definition) if s["kind"] == "checkbox")
    assert rows[checkbox["label"]]["value"] == "Có"
    date = next(s for s in iter_fields(definition) if s["kind"] == "date" and s["key"] in data)
    assert rows[date["label"]]["value"] == dt.date.fromisoformat(data[date["key"]]).strftime(
        "%d/%m/%Y"
    )
    choice = next(s for s in iter_fields(definition) if s["kind"] == "choice" and s["key"] in data)
    assert rows[choice["label"]]["value"] == next(
        c["label"] for c in choice["choices"] if c["value"] == data[choice["key"]]
    )
    business = DEFINITIONS["dang-ky-ho-kinh-doanh"]
    data, _errors = CompiledForm(business).validate(_data(business, 1))
    rows = {r["label"]: r for s in form_data_display(business, data) for r in s["rows"]}
    assert rows["Vốn kinh doanh (đồng)"]["value"] == "5.000.000 đồng"
    group = next(r for r in rows.values() if r.get("group"))
    assert [i["title"].rsplit(" ", 1)[1] for i in group["items"]] == ["1", "2"]
    assert all(r["value"] for i in group["items"] for r in i["rows"])


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("150000000", "150.000.000 đồng"),
        ("8000", "8.000 đồng"),
        (" 2500000 ", "2.500.000 đồng"),
        ("1.500.000", "1.500.000 đồng"),
        ("700", "700 đồng"),
    ],
)
def test_money_typed_in_a_draft_is_written_with_dots(typed, shown):
    """A filing saved for review keeps the amount as typed; the page still writes it in đồng."""
    business = DEFINITIONS["dang-ky-ho-kinh-doanh"]
    sections = form_data_display(business, {"capital": typed})
    rows = {r["label"]: r["value"] for s in sections for r in s["rows"]}
    assert rows["Vốn kinh doanh (đồng)"] == shown


def test_hidden_and_unknown_fields_are_left_out():
    definition = DEFINITIONS["cap-giay-phep-xay-dung"]
    data = {"owner_kind": "individual", "owner_tax_code": "3600252847", "made_up_key": "x"}
    labels = [r["label"] for s in form_data_display(definition, data) for r in s["rows"]]
    assert "Chủ đầu tư là" in labels
    assert "Mã số thuế của tổ chức" not in labels  # shown only for an organisation
    assert all("made_up_key" not in str(s) for s in form_data_display(definition, data))
    assert form_data_display(definition, {}) == []


@pytest.mark.parametrize(("files", "shown"), [(["a"], "1 file"), (["a", "b"], "2 files")])
def test_file_count_reads_in_english_singular_and_plural(files, shown):
    from django.utils import translation

    from opendvc.eforms.render import display_value

    with translation.override("en"):
        assert display_value({"kind": "file"}, files) == shown
