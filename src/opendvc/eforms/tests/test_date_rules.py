"""Dates tied to each other and ages: a death not before the birth, the ages of marriage (Law on
Marriage and Family 2014, Art. 8.1.a), a residence period that ends after it starts — on the shipped
forms, and the definition checks of the two rules."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from opendvc.eforms.demo import shipped_definitions
from opendvc.eforms.engine import CompiledForm, check_definition

from .conftest import birth_data

TODAY = dt.date(2026, 11, 28)


def form(key: str) -> CompiledForm:
    return CompiledForm(shipped_definitions()[key], today=lambda: TODAY)


def errors_at(form_: CompiledForm, data: dict, path: str) -> list[str]:
    _cleaned, errors = form_.validate(data, partial=True)
    return [e["message"] for e in errors if e["path"] == path]


def test_a_death_before_the_birth_is_refused_with_the_forms_own_words():
    death = form("dang-ky-khai-tu")
    data = {"deceased_birth_date": "01/01/2000", "death_date": "01/01/1990"}
    assert errors_at(death, data, "death_date") == [
        "Ngày chết không được trước ngày sinh của người chết."
    ]
    data = {"deceased_birth_date": "01/01/1950", "death_date": "02/11/2026"}
    assert errors_at(death, data, "death_date") == []
    # The notice of death is not issued before the death.
    data |= {"notice_date": "01/11/2026"}
    assert errors_at(death, data, "notice_date") == [
        "Ngày cấp giấy báo tử không được trước ngày chết."
    ]


def test_the_same_day_is_allowed_and_a_missing_date_is_not_compared():
    death = form("dang-ky-khai-tu")
    assert (
        errors_at(
            death, {"deceased_birth_date": "05/05/2026", "death_date": "05/05/2026"}, "death_date"
        )
        == []
    )
    assert errors_at(death, {"death_date": "05/05/2026"}, "death_date") == []


def test_a_draft_keeps_the_date_it_refuses_and_a_filing_is_stopped():
    death = form("dang-ky-khai-tu")
    data = {"deceased_birth_date": "01/01/2000", "death_date": "01/01/1990"}
    cleaned, errors = death.validate(data, partial=True)
    assert cleaned["death_date"] == "1990-01-01"  # nothing typed is lost in the draft
    assert "death_date" in {e["path"] for e in errors}


@pytest.mark.parametrize(
    ("field", "born", "refused"),
    [
        ("groom_birth_date", "29/11/2006", True),  # 19 years and 364 days
        ("groom_birth_date", "28/11/2006", False),  # 20 today
        ("bride_birth_date", "29/11/2008", True),
        ("bride_birth_date", "28/11/2008", False),  # 18 today
        ("bride_birth_date", "01/01/2021", True),
    ],
)
def test_the_ages_of_marriage_are_checked_on_the_day_of_filing(field, born, refused):
    messages = errors_at(form("dang-ky-ket-hon"), {field: born}, field)
    assert bool(messages) is refused
    if refused:
        assert "chưa đủ" in messages[0]


def test_the_marriage_and_birth_forms_ask_no_sex_of_the_parents_or_spouses():
    # The official forms have "Bên nữ" / "Bên nam" columns and the mother's and father's details: the
    # role already says it, and a contradicting answer ("Nam" for the mother) was accepted.
    keys = set()
    for name in ("dang-ky-ket-hon", "dang-ky-khai-sinh", "dang-ky-lai-ket-hon"):
        for section in shipped_definitions()[name]["sections"]:
            keys |= {f["key"] for f in section["fields"]}
    assert not keys & {
        "mother_gender",
        "father_gender",
        "bride_gender",
        "groom_gender",
        "wife_gender",
        "husband_gender",
    }
    assert "child_gender" in keys


def test_a_child_born_before_the_mother_is_refused(a_ward):
    birth = form("dang-ky-khai-sinh")
    data = birth_data(a_ward) | {
        "child_birth_date": "01/01/1980",
        "mother_birth_date": "01/01/2000",
    }
    _cleaned, errors = birth.validate(data)
    assert [e["message"] for e in errors if e["path"] == "child_birth_date"] == [
        "Ngày sinh của trẻ không được trước ngày sinh của người mẹ."
    ]
    assert birth.validate(birth_data(a_ward))[1] == []


def test_a_residence_period_that_ends_before_it_starts_is_refused_in_its_own_row():
    record = form("ly-lich-tu-phap")
    rows = [
        {"from_date": "01/01/2000", "to_date": "01/01/2010"},
        {"from_date": "01/01/2015", "to_date": "01/01/2012"},
    ]
    _cleaned, errors = record.validate({"residence_history": rows}, partial=True)
    refused = [e for e in errors if e["path"].startswith("residence_history/")]
    assert [e["path"] for e in refused if "trước" in e["message"]] == [
        "residence_history/1/to_date"
    ]


def _with_rule(field_rules: dict) -> dict:
    definition = copy.deepcopy(shipped_definitions()["dang-ky-khai-tu"])
    for section in definition["sections"]:
        for spec in section["fields"]:
            if spec["key"] in field_rules:
                spec.pop("on_or_after", None)
                spec.update(field_rules[spec["key"]])
    return definition


def test_the_definition_check_refuses_rules_on_the_wrong_fields():
    assert check_definition(_with_rule({"death_date": {"on_or_after": {"field": "nowhere"}}}))
    assert check_definition(_with_rule({"death_date": {"on_or_after": {"field": "deceased_name"}}}))
    assert check_definition(_with_rule({"death_date": {"on_or_after": {"field": "death_date"}}}))
    assert check_definition(_with_rule({"deceased_name": {"min_age": 18}}))
    assert check_definition(_with_rule({"death_date": {"min_age": 0}}))
    # A rule may point at a field further down the form (the whole scope is read first).
    later = _with_rule({"deceased_birth_date": {"on_or_after": {"field": "notice_date"}}})
    assert check_definition(later) == []
