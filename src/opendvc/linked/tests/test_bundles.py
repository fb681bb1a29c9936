"""The two bundles as catalog data, built from the real procedures."""

from __future__ import annotations

from decimal import Decimal

from opendvc.linked.bundles import BIRTH, DEATH, critical_path
from opendvc.linked.forms import combined_components, combined_form, member_data


def test_birth_bundle_is_the_real_linked_procedure_with_its_members(bundles):
    birth = bundles[BIRTH]
    assert birth.procedure.code == "2.000986"
    members = {m.key: m for m in birth.members.all()}
    assert members["khai-sinh"].procedure.code == "1.001193"
    assert members["thuong-tru"].procedure.code == "1.004222"
    # No separate health insurance card procedure in the data: the part comes from the linked record.
    assert members["bhyt"].procedure is None and "2.000986" in members["bhyt"].source_note
    assert members["thuong-tru"].after == ["khai-sinh"] and members["bhyt"].after == ["khai-sinh"]


def test_statutory_total_is_split_along_the_longest_chain(bundles):
    birth = bundles[BIRTH]
    assert birth.total_amount == Decimal(20)
    assert critical_path(birth) == birth.total_amount


def test_death_bundle_names_the_missing_funeral_allowance_and_invents_nothing(bundles):
    death = bundles[DEATH]
    assert death.procedure is None and death.total_amount is None
    assert [m.procedure.code for m in death.members.order_by("position")] == [
        "1.000656",
        "1.003197",
    ]
    assert [m["name"] for m in death.missing_members] == ["Trợ cấp mai táng"]
    assert death.filing_procedure.code == "1.000656"


def test_combined_form_asks_each_value_once_and_feeds_every_member(bundles):
    birth = bundles[BIRTH]
    definition, mapping = combined_form(bundle=birth)
    keys = [f["key"] for s in definition["sections"] for f in s["fields"]]
    assert len(keys) == len(set(keys))
    sources = [
        f.get("prefill") for s in definition["sections"] for f in s["fields"] if f.get("prefill")
    ]
    assert len(sources) == len(set(sources))  # the applicant's name, CCCD, phone… asked once
    assert (
        sum(1 for s in definition["sections"] for f in s["fields"] if f["kind"] == "declaration")
        == 1
    )
    # The residence form's declarant is the birth form's requester.
    assert mapping["thuong-tru"]["full_name"] == "requester_name"
    assert mapping["thuong-tru"]["id_number"] == "requester_id_number"
    # Its own "Kính gửi" is another agency: kept, renamed.
    assert mapping["thuong-tru"]["agency"] == "thuong_tru_agency"
    data = {
        "requester_name": "Nguyễn Văn An",
        "agency": "UBND phường Biên Hòa",
        "thuong_tru_agency": "Công an",
    }
    residence = birth.members.get(key="thuong-tru")
    assert member_data(member=residence, mapping=mapping, data=data) == {
        "full_name": "Nguyễn Văn An",
        "agency": "Công an",
    }


def test_combined_component_list_has_each_document_once(bundles):
    rows = combined_components(bundle=bundles[BIRTH])
    birth_certificates = [r for r in rows if r["key"].startswith("giấy chứng sinh")]
    assert len(birth_certificates) == 1
    assert set(birth_certificates[0]["members"]) >= {BIRTH, "khai-sinh"}
    declarations = [r for r in rows if r["key"].startswith("tờ khai đăng ký khai sinh")]
    assert len(declarations) == 1
    assert len({(r["key"], r["case"]) for r in rows}) == len(rows)
