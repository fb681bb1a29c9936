"""The consent of the prefill is the applicant's, for their own data (Decree 13/2023/NĐ-CP): the CCCD
must be the one on their account, the tax code that of the organisation the dossier is filed for.
Any other identifier is refused (422, path ``identifier``) before the registry is asked — nothing is
fetched, recorded or written into the draft, and found / not found is not revealed — through the
service, the API and the page."""

from __future__ import annotations

import pytest

from opendvc.core.problems import ProblemError
from opendvc.dossiers.models import DossierAccess
from opendvc.registries.models import RegistryFetch
from opendvc.registries.services import registry_prefill

from .test_prefill import CCCD, DEFINITION, draft, population  # noqa: F401 - fixtures

OTHER_CCCD = "075192004321"  # another person of the population dataset


def _fetch(draft, **kw):  # noqa: F811
    args = {
        "dossier": draft,
        "user": draft.applicant,
        "registry": "population",
        "identifier": CCCD,
        "consent": True,
        "definition": DEFINITION,
        **kw,
    }
    return registry_prefill(**args)


def _nothing_happened(sim, draft):  # noqa: F811
    assert sim.received == []
    assert not RegistryFetch.objects.filter(dossier=draft).exists()
    assert not DossierAccess.objects.filter(dossier=draft, action="registry").exists()


@pytest.mark.parametrize("identifier", [OTHER_CCCD, "079090009999"])
def test_someone_elses_cccd_is_refused_before_the_registry(population, draft, identifier):  # noqa: F811
    with pytest.raises(ProblemError) as err:
        _fetch(draft, identifier=identifier)
    assert err.value.status == 422
    assert [e["path"] for e in err.value.extra["errors"]] == ["identifier"]
    assert "chính ông/bà" in err.value.detail and "13/2023/NĐ-CP" in err.value.detail
    _nothing_happened(population, draft)


def test_an_account_without_cccd_is_told_to_add_it(population, draft):  # noqa: F811
    from opendvc.accounts.models import PersonProfile

    PersonProfile.objects.filter(user=draft.applicant).delete()
    with pytest.raises(ProblemError) as err:
        _fetch(draft, user=type(draft.applicant).objects.get(pk=draft.applicant_id))
    assert err.value.status == 422 and "chưa có số CCCD" in err.value.detail
    _nothing_happened(population, draft)


def test_own_cccd_is_fetched(population, draft):  # noqa: F811
    assert _fetch(draft).outcome == "found"
    assert len(population.received) == 1


def test_api_refuses_another_persons_cccd(population, draft, client):  # noqa: F811
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, draft.applicant)
    r = client.post(
        f"/api/v1/dossiers/{draft.public_id}/registry-prefill",
        {"registry": "population", "identifier": OTHER_CCCD, "consent": True},
        content_type="application/json",
    )
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["path"] == "identifier"
    _nothing_happened(population, draft)
    draft.refresh_from_db()
    assert not draft.form_data


def test_page_refuses_another_persons_cccd(population, draft, client):  # noqa: F811
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, draft.applicant)
    url = f"/ho-so-cua-toi/{draft.public_id}/lay-thong-tin/population/"
    page = client.get(url).content.decode()
    assert f'value="{CCCD}"' in page and "không lấy được thông tin của người khác" in page
    r = client.post(url, {"identifier": OTHER_CCCD, "consent": "yes"})
    assert r.status_code == 422 and "chính ông/bà" in r.content.decode()
    _nothing_happened(population, draft)


def test_business_registry_only_for_the_organisation_acted_for(business, draft):  # noqa: F811
    from opendvc.accounts.models import Membership, Organisation
    from opendvc.dossiers.models import Dossier

    own_code, other_code = list(business.records)[:2]
    # Filed in the applicant's own name: no organisation to look up.
    with pytest.raises(ProblemError) as err:
        _fetch(draft, registry="business", identifier=own_code)
    assert err.value.status == 422 and "không nộp nhân danh tổ chức" in err.value.detail
    org = Organisation.objects.create(name="Công ty A", tax_code=own_code, legal_representative="A")
    Membership.objects.create(organisation=org, user=draft.applicant)
    Dossier.objects.filter(pk=draft.pk).update(acting_for=org)
    draft.refresh_from_db()
    with pytest.raises(ProblemError) as err:
        _fetch(draft, registry="business", identifier=other_code)
    assert err.value.extra["errors"][0]["path"] == "identifier" and own_code in err.value.detail
    assert business.received == []
    assert _fetch(draft, registry="business", identifier=own_code).outcome == "found"
    # No longer a member: not even the organisation's own code.
    Membership.objects.filter(organisation=org).delete()
    with pytest.raises(ProblemError):
        _fetch(draft, registry="business", identifier=own_code)
