"""Fixtures: the real catalog data, the demo agencies, the two bundles and officers of each agency."""

from __future__ import annotations

import pytest

from opendvc.dossiers.tests.conftest import staff

WARD = "000.21.00.H19"
POLICE = "000.21.41.H19"
BHXH = "000.21.50.H19"


# The real procedures the bundles are built from (and no others, to keep each test's import short).
CODES = {"2.000986", "1.001193", "1.004222", "1.000656", "1.003197", "1.004194"}


@pytest.fixture
def catalog(db, tmp_path):
    import json

    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.services import import_records
    from opendvc.catalog.transfer import check_file

    agencies_demo.seed()
    data = json.loads(catalog_demo.DATA_FILE.read_text(encoding="utf-8"))
    data["procedures"] = [r for r in data["procedures"] if r["national_code"] in CODES]
    subset = tmp_path / "procedures.json"
    subset.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = import_records(checked=check_file(subset, "json"), actor=None, partial=False)
    assert not result.rejected


@pytest.fixture
def bundles(catalog):
    from opendvc.eforms.demo import shipped_definitions
    from opendvc.eforms.services import definition_publish, definition_save
    from opendvc.linked.bundles import bundles_seed, combined_form_publish
    from opendvc.linked.demo import member_agencies

    shipped = shipped_definitions()
    for key in ("dang-ky-khai-sinh", "to-khai-thay-doi-thong-tin-cu-tru", "dang-ky-khai-tu"):
        definition_publish(
            form=definition_save(key=key, definition=shipped[key], actor=None), actor=None
        )
    member_agencies()
    out = {b.key: b for b in bundles_seed()}
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


def file_bundle(bundle, people, *, at=None, due_at=None):
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
            due_at=due_at,
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
