"""Procedures of the commune police ("Công an cấp xã": residence, identity card, driving licence…)
are filed with the wards' police offices, also when such an office is created after the catalog was
imported; they had no agency and the filing offered every agency of the tier (social insurance…)."""

from __future__ import annotations

import pytest

from opendvc.agencies.models import Agency, Tier
from opendvc.catalog.schema import check_record
from opendvc.catalog.services import (
    AgencyIndex,
    agency_link_procedures,
    match_agencies,
    upsert_procedure,
)

pytestmark = pytest.mark.usefixtures("agencies")


def police() -> Agency:
    return Agency.objects.create(
        code="000.21.41.H19", name="Công an phường Biên Hòa", tier=Tier.objects.get(code="xa")
    )


def test_the_commune_police_wording_names_the_wards_police_offices_only():
    assert match_agencies("Công an cấp Xã", AgencyIndex.load()) == []
    office = police()
    assert match_agencies("Công an cấp Xã", AgencyIndex.load()) == [office]
    # The ward's People's Committee is not its police, nor the other way round.
    assert office not in match_agencies("Ủy ban nhân dân cấp xã", AgencyIndex.load())


def test_an_office_made_after_the_import_takes_its_procedures(record):
    checked = check_record(
        {**record, "implementing_agency": "Công an cấp Xã"},
        1,
        known_tiers={"bo", "tinh", "xa"},
        known_agencies=set(),
    )
    procedure, _ = upsert_procedure(record=checked.record, actor=None)
    assert not procedure.agencies.exists()
    office = police()
    assert agency_link_procedures(agency=office) == 1
    assert list(procedure.agencies.all()) == [office]
    assert agency_link_procedures(agency=office) == 0  # once
