"""The office that takes a part depends on the receiving commune (data edited in the admin), not on the
bundle; without a mapping the intake is refused with an error naming the missing office."""

from __future__ import annotations

import pytest

from opendvc.agencies.models import Agency, Tier
from opendvc.core.problems import ProblemError
from opendvc.dossiers.models import Channel, Dossier
from opendvc.dossiers.services import counter_intake
from opendvc.dossiers.tests.conftest import staff
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import MemberAgency, Part

WARD = "000.21.00.H19"


def _commune(code: str, name: str) -> Agency:
    ward = Agency.objects.get(code=WARD)
    return Agency.objects.create(
        code=code, name=name, short_name=name, tier=Tier.objects.get(code="xa"), parent=ward.parent
    )


def _intake(bundle, people, agency: Agency):
    agency.procedures.add(bundle.filing_procedure)  # the commune receives the linked procedure
    return counter_intake(
        actor=staff("receiving_officer", agency.code),
        procedure=bundle.filing_procedure,
        receiving_agency=agency,
        channel=Channel.COUNTER,
        applicant=people["citizen"],
        data={},
    )


def test_each_receiving_commune_hands_its_parts_to_its_own_offices(bundles, people):
    other = _commune("999.22.00.H19", "Phường Tam Hiệp")
    police = _commune("999.22.41.H19", "Công an phường Tam Hiệp")
    insurance = _commune("999.22.50.H19", "Bảo hiểm xã hội cơ sở Tam Hiệp")
    MemberAgency.objects.create(receiving_agency=other, role="police", agency=police)
    MemberAgency.objects.create(receiving_agency=other, role="social_insurance", agency=insurance)
    dossier = _intake(bundles[BIRTH], people, other)
    from opendvc.linked.services import dossier_start_linked

    dossier_start_linked(dossier=dossier)  # what the intake's on-commit receiver runs
    agencies = {
        p.member.key: p.agency.name
        for p in Part.objects.filter(dossier=dossier).select_related("member", "agency")
    }
    assert agencies == {
        "khai-sinh": "Phường Tam Hiệp",
        "thuong-tru": "Công an phường Tam Hiệp",
        "bhyt": "Bảo hiểm xã hội cơ sở Tam Hiệp",
    }
    # The demo ward keeps its own offices.
    from .conftest import file_bundle

    ward_parts = Part.objects.filter(dossier=file_bundle(bundles[BIRTH], people))
    assert {p.agency.name for p in ward_parts} >= {"Công an phường Biên Hòa"}


def test_no_mapping_refuses_the_intake_with_a_clear_error(bundles, people):
    other = _commune("999.23.00.H19", "Xã Hóa An")
    police = _commune("999.23.41.H19", "Công an xã Hóa An")
    MemberAgency.objects.create(receiving_agency=other, role="police", agency=police)
    before = Dossier.objects.count()
    with pytest.raises(ProblemError) as caught:
        _intake(bundles[BIRTH], people, other)
    exc = caught.value
    assert exc.status == 409 and exc.code == "member_agency_missing"
    assert "Bảo hiểm xã hội" in str(exc) and "Xã Hóa An" in str(exc)
    assert exc.extra["errors"][0]["path"] == "members.bhyt.agency"
    # Nothing saved half-way: no received dossier, no part.
    assert not Part.objects.filter(dossier__receiving_agency=other).exists()
    assert not Dossier.objects.filter(receiving_agency=other, status="processing").exists()
    assert Dossier.objects.count() == before


def test_mapping_is_edited_in_the_admin(bundles, client):
    from opendvc.dossiers.tests.conftest import sign_in

    admin = staff("administrator", "000.00.00.H19")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    sign_in(client, admin)
    listing = client.get("/admin/linked/memberagency/")
    assert listing.status_code == 200 and "Công an phường Biên Hòa" in listing.content.decode()
    assert client.get("/admin/linked/memberagency/add/").status_code == 200
    bundle = bundles[BIRTH]
    assert client.get(f"/admin/linked/linkedprocedure/{bundle.pk}/change/").status_code == 200
