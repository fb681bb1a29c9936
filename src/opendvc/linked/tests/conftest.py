"""Fixtures: the real catalog data, the demo agencies, the two bundles and officers of each agency."""

from __future__ import annotations

import pytest

from opendvc.dossiers.tests.conftest import staff

WARD = "000.21.00.H19"
POLICE = "000.21.41.H19"
BHXH = "000.21.50.H19"


@pytest.fixture
def catalog(db):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo

    agencies_demo.seed()
    catalog_demo.seed()


@pytest.fixture
def bundles(catalog):
    from opendvc.eforms import demo as eforms_demo
    from opendvc.linked.bundles import bundles_seed, combined_form_publish
    from opendvc.linked.demo import member_agencies

    eforms_demo.seed()
    out = {b.key: b for b in bundles_seed(agencies=member_agencies())}
    for b in out.values():
        combined_form_publish(bundle=b)
    return out


@pytest.fixture
def people(bundles):
    from opendvc.accounts.tests.factories import UserFactory

    return {
        "citizen": UserFactory(full_name="Nguyễn Văn An"),
        "counter": staff("receiving_officer", WARD),
        "justice": staff("processing_officer", WARD),
        "chair": staff("leader", WARD),
        "police": staff("processing_officer", POLICE),
        "police_chief": staff("leader", POLICE),
        "bhxh": staff("processing_officer", BHXH),
        "bhxh_chief": staff("leader", BHXH),
    }


def file_bundle(bundle, people, *, at=None):
    """The bundle filed at the ward's counter and received (parts opened on commit)."""
    import time_machine

    from opendvc.agencies.models import Agency
    from opendvc.dossiers.models import Channel
    from opendvc.dossiers.services import counter_intake
    from opendvc.linked.models import LinkedDossier

    def go():
        d = counter_intake(
            actor=people["counter"],
            procedure=bundle.filing_procedure,
            receiving_agency=Agency.objects.get(code=WARD),
            channel=Channel.COUNTER,
            applicant=people["citizen"],
            data={},
        )
        LinkedDossier.objects.get_or_create(dossier=d, defaults={"bundle": bundle})
        from opendvc.linked.services import dossier_start_linked

        dossier_start_linked(dossier=d)
        d.refresh_from_db()
        return d

    if at is None:
        return go()
    with time_machine.travel(at, tick=False):
        return go()
