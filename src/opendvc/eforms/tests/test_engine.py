"""The engine on its own: definition checks, validation of every kind of bad input, JSON Schema."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from opendvc.eforms.demo import shipped_definitions
from opendvc.eforms.engine import MAX_PAYLOAD_BYTES, CompiledForm, check_definition, json_schema

from .conftest import birth_data

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def birth_definition():
    return shipped_definitions()["dang-ky-khai-sinh"]


@pytest.fixture(scope="module")
def birth_form(birth_definition):
    return CompiledForm(birth_definition, today=lambda: TODAY)


@pytest.fixture(scope="module")
def household_form():
    return CompiledForm(shipped_definitions()["dang-ky-ho-kinh-doanh"], today=lambda: TODAY)


def paths(errors):
    return {e["path"] for e in errors}


def test_every_shipped_definition_is_sound_and_twelve_are_shipped():
    definitions = shipped_definitions()
    assert len(definitions) >= 12
    for key, definition in definitions.items():
        assert check_definition(definition) == [], key
    codes = {c for d in definitions.values() for c in d["procedures"]}
    assert {"1.001193", "1.001612", "1.013225", "3.000333", "1.000894", "1.000656"} <= codes
    assert len(codes) >= 12


def _minimal(**field):
    return {
        "title": "Thử",
        "sections": [
            {
                "key": "a",
                "title": "A",
                "fields": [
                    {
                        "key": "kind_of",
                        "kind": "choice",
                        "label": "Loại",
                        "choices": [{"value": "x", "label": "X"}],
                    },
                    field,
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    "field,path,words",
    [
        (
            {"key": "b", "kind": "signature", "label": "B"},
            "sections/0/fields/1/kind",
            "không được hỗ trợ",
        ),
        ({"key": "kind_of", "kind": "text", "label": "B"}, "sections/0/fields/1/key", "bị trùng"),
        ({"key": "B-x", "kind": "text", "label": "B"}, "sections/0/fields/1/key", "không hợp lệ"),
        (
            {"key": "b", "kind": "text", "label": "B", "show_if": {"field": "nope", "in": ["x"]}},
            "sections/0/fields/1/show_if/field",
            "không có",
        ),
        (
            {
                "key": "b",
                "kind": "text",
                "label": "B",
                "show_if": {"field": "kind_of", "in": ["y"]},
            },
            "sections/0/fields/1/show_if/in",
            "không có trong lựa chọn",
        ),
        (
            {"key": "b", "kind": "choice", "label": "B"},
            "sections/0/fields/1/choices",
            "cần danh sách",
        ),
        (
            {"key": "b", "kind": "file", "label": "B"},
            "sections/0/fields/1/component",
            "thành phần hồ sơ",
        ),
        (
            {
                "key": "b",
                "kind": "group",
                "label": "B",
                "fields": [
                    {
                        "key": "c",
                        "kind": "group",
                        "label": "C",
                        "fields": [{"key": "d", "kind": "text", "label": "D"}],
                    }
                ],
            },
            "sections/0/fields/1/fields/0",
            "không được lồng",
        ),
        (
            {"key": "b", "kind": "number", "label": "B", "min": 5, "max": 1},
            "sections/0/fields/1/min",
            "lớn hơn",
        ),
        (
            {"key": "b", "kind": "text", "label": "B", "colour": "red"},
            "sections/0/fields/1",
            "colour",
        ),
        ({"key": "b", "kind": "text"}, "sections/0/fields/1", "label"),
    ],
)
def test_definition_problems_are_refused_with_clear_messages(field, path, words):
    problems = check_definition(_minimal(**field))
    assert problems, field
    assert any(p["path"] == path and words in p["message"] for p in problems), problems


def test_condition_on_a_later_field_is_refused():
    definition = {
        "title": "T",
        "sections": [
            {
                "key": "a",
                "title": "A",
                "fields": [
                    {
                        "key": "b",
                        "kind": "text",
                        "label": "B",
                        "show_if": {"field": "c", "in": [True]},
                    },
                    {"key": "c", "kind": "checkbox", "label": "C"},
                ],
            }
        ],
    }
    assert [p["path"] for p in check_definition(definition)] == [
        "sections/0/fields/0/show_if/field"
    ]


def test_not_an_object_and_duplicate_sections():
    assert check_definition([1])[0]["message"].startswith("Định nghĩa biểu mẫu phải")
    definition = _minimal(key="b", kind="text", label="B")
    definition["sections"].append(copy.deepcopy(definition["sections"][0]))
    messages = [p["message"] for p in check_definition(definition)]
    assert any("Mã phần “a” bị trùng" in m for m in messages)
    assert any("Mã trường “kind_of” bị trùng" in m for m in messages)


def test_valid_birth_registration_is_cleaned(birth_form):
    cleaned, errors = birth_form.validate(birth_data(25195))
    assert errors == []
    assert cleaned["child_birth_date"] == "2025-09-05"
    assert cleaned["requester_phone"] == "0912345678"
    assert cleaned["requester_address"] == {
        "province": 75,
        "ward": 25195,
        "street": "12 Đường Võ Thị Sáu",
    }
    assert cleaned["declaration"] is True and cleaned["father_known"] is False
    assert "father_name" not in cleaned


def test_hidden_fields_are_neither_required_nor_kept(birth_form):
    data = birth_data(25195) | {"birth_place_kind": "other", "father_name": "Trần Văn Bình"}
    cleaned, errors = birth_form.validate(data)
    assert errors == []
    assert "birth_facility" not in cleaned and "father_name" not in cleaned
    data = birth_data(25195) | {"father_known": True}
    _cleaned, errors = birth_form.validate(data)
    assert {"father_name", "father_ethnicity", "father_nationality"} <= paths(
        errors
    )


@pytest.mark.parametrize(
    "change,path,words",
    [
        ({"nickname": "x"}, "nickname", "không có trong biểu mẫu"),
        ({"child_name": 12}, "child_name", "chuỗi ký tự"),
        ({"child_gender": "other"}, "child_gender", "danh sách lựa chọn"),
        ({"child_birth_date": "31/02/2025"}, "child_birth_date", "không tồn tại"),
        ({"child_birth_date": "2025-13-01"}, "child_birth_date", "không tồn tại"),
        ({"child_birth_date": "hôm qua"}, "child_birth_date", "dd/mm/yyyy"),
        ({"child_birth_date": "01/01/2027"}, "child_birth_date", "sau ngày hôm nay"),
        ({"child_name": "A" * 101}, "child_name", "Tối đa 100 ký tự"),
        ({"requester_phone": "12345"}, "requester_phone", "Số điện thoại không hợp lệ"),
        ({"requester_id_number": "999190000123"}, "requester_id_number", "mã tỉnh"),
        (
            {"requester_address": {"province": 75, "ward": 1}},
            "requester_address/ward",
            "không thuộc",
        ),
        (
            {"requester_address": {"province": 99, "ward": 1}},
            "requester_address/province",
            "không có trong danh mục",
        ),
        ({"requester_address": "Đồng Nai"}, "requester_address", "Địa chỉ không hợp lệ"),
        ({"declaration": False}, "declaration", "cam đoan"),
        ({"child_name": ""}, "child_name", "Vui lòng nhập"),
        ({"child_name": "a\x00b"}, "child_name", "ký tự điều khiển"),
        (
            {"birth_certificate": ["../etc/passwd"]},
            "birth_certificate",
            "Tệp đính kèm không hợp lệ",
        ),
        ({"birth_certificate": [f"u{i}" for i in range(4)]}, "birth_certificate", "Tối đa 3 tệp"),
    ],
)
def test_bad_input_is_refused_with_path_and_vietnamese_message(birth_form, change, path, words):
    _cleaned, errors = birth_form.validate(birth_data(25195) | change)
    assert any(e["path"] == path and words in e["message"] for e in errors), errors


def test_groups_money_and_limits(household_form):
    member = {
        "name": "Lê Văn An",
        "birth_date": "01/02/1990",
        "gender": "male",
        "id_number": "075090000111",
    }
    base = {
        "agency": "UBND phường",
        "business_name": "Quán Cơm Hồng",
        "business_lines": "Ăn uống",
        "business_address": {"province": 75, "ward": 25195},
        "business_phone": "0912345678",
        "capital": "100.000.000 đồng",
        "owner_name": "Lê Thị Hồng",
        "owner_gender": "female",
        "owner_birth_date": "1990-03-04",
        "owner_ethnicity": "Kinh",
        "owner_nationality": "Việt Nam",
        "owner_id_number": "075190000123",
        "owner_address": {"province": 75, "ward": 25195, "street": ""},
        "family_members": [member],
        "declaration": True,
    }
    cleaned, errors = household_form.validate(base)
    assert errors == []
    assert cleaned["capital"] == 100_000_000 and isinstance(cleaned["capital"], int)
    assert cleaned["family_members"][0]["birth_date"] == "1990-02-01"
    _c, errors = household_form.validate(base | {"family_members": [member] * 21})
    assert errors == [{"path": "family_members", "message": "Tối đa 20 mục (đang có 21)."}]
    _c, errors = household_form.validate(
        base | {"family_members": [member | {"birth_date": "30/02/1990"}]}
    )
    assert paths(errors) == {"family_members/0/birth_date"}
    _c, errors = household_form.validate(base | {"capital": -5})
    assert paths(errors) == {"capital"}
    _c, errors = household_form.validate(base | {"family_members": [[[[["x"]]]]]})
    assert errors[0]["path"] == "" and "lồng quá sâu" in errors[0]["message"]


def test_payload_over_the_size_limit_is_refused(birth_form):
    data = birth_data(25195) | {f"x{i}": "y" * 1000 for i in range(MAX_PAYLOAD_BYTES // 1000 + 5)}
    cleaned, errors = birth_form.validate(data)
    assert cleaned == {} and "quá lớn" in errors[0]["message"]


def test_partial_keeps_every_valid_value(birth_form):
    data = birth_data(25195) | {"child_birth_date": "31/02/2025", "requester_phone": "123"}
    del data["child_name"]
    cleaned, errors = birth_form.validate(data, partial=True)
    assert paths(errors) == {"child_birth_date", "requester_phone"}
    assert (
        cleaned["requester_name"] == "Nguyễn Thị Hồng"
        and cleaned["mother_name"] == "Nguyễn Thị Hồng"
    )
    assert "child_birth_date" not in cleaned and "child_name" not in cleaned


def test_json_schema_describes_the_data(birth_definition):
    schema = json_schema(birth_definition)
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["child_birth_date"] == {
        "title": "Ngày, tháng, năm sinh",
        "type": "string",
        "format": "date",
    }
    assert "child_name" in schema["required"] and "birth_facility" not in schema["required"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "child_name",
                "child_birth_date",
                "requester_address",
                "declaration",
                "child_gender",
                "birth_certificate",
                "father_known",
                "zzz",
            ]
        ),
        json_values,
        max_size=8,
    )
)
def test_any_json_gives_errors_never_an_exception(birth_form, data):
    cleaned, errors = birth_form.validate(data)
    assert isinstance(cleaned, dict) and isinstance(errors, list)
    assert all(set(e) == {"path", "message"} and e["message"] for e in errors)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"capital": "99999999999999999999"}, "Số quá lớn: tối đa 18 chữ số."),
        ({"capital": "1.000.000.000.000.000.000.000 đồng"}, "Số quá lớn: tối đa 18 chữ số."),
        ({"capital": "12,5 triệu"}, "Số tiền phải là số nguyên (đồng), ví dụ 1.500.000."),
        ({"owner_birth_date": "00/00/0000"}, "Ngày 00/00/0000 không tồn tại."),
        ({"owner_birth_date": "31/04/0099"}, "Ngày 31/04/0099 không tồn tại."),
    ],
)
def test_numbers_too_long_and_impossible_dates_are_told_as_typed(household_form, change, message):
    """A whole number of more than 18 digits is told as too large (it was "not a whole number"), and an
    impossible date is quoted with its year as typed (00/00/0000 was quoted as 00/00/0)."""
    _c, errors = household_form.validate({"capital": "100.000.000", "owner_birth_date": "01/01/1990"} | change)
    [field] = change
    assert {"path": field, "message": message} in errors, errors
