"""The population database is asked only for a CCCD verified through the national electronic identity
(Decree 69/2024/NĐ-CP): a number merely typed on the profile could be anyone's, and the record (name,
date of birth, address, household) would go to whoever typed it. An unverified number is refused with
422 telling the citizen to sign in with the electronic identity — nothing is asked of the registry,
recorded or written into the draft — through the service, the API and the page."""

from __future__ import annotations

import pytest

from opendvc.accounts import services as accounts_services
from opendvc.accounts.models import PersonProfile
from opendvc.core.problems import ProblemError

from .test_own_identifier import _fetch, _nothing_happened
from .test_prefill import CCCD, draft, population  # noqa: F401 - fixtures


@pytest.fixture
def typed(draft):  # noqa: F811
    """The draft's applicant has the number only as typed on the profile (anyone may type any)."""
    PersonProfile.objects.filter(user=draft.applicant).delete()
    accounts_services.update_profile(
        user=draft.applicant,
        actor=draft.applicant,
        data={"full_name": draft.applicant.full_name, "cccd": CCCD},
    )
    draft.applicant.refresh_from_db()
    return draft


def test_a_typed_cccd_is_not_looked_up(population, typed):  # noqa: F811
    with pytest.raises(ProblemError) as err:
        _fetch(typed, user=type(typed.applicant).objects.get(pk=typed.applicant_id))
    assert err.value.status == 422
    assert [e["path"] for e in err.value.extra["errors"]] == ["identifier"]
    assert "định danh điện tử" in err.value.detail and "chưa được xác thực" in err.value.detail
    _nothing_happened(population, typed)


def test_once_verified_it_is(population, typed):  # noqa: F811
    accounts_services.verify_cccd_from_identity_provider(user=typed.applicant, cccd=CCCD)
    user = type(typed.applicant).objects.get(pk=typed.applicant_id)
    assert _fetch(typed, user=user).outcome == "found"


def test_api_refuses_a_typed_cccd(population, typed, client):  # noqa: F811
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, typed.applicant)
    r = client.post(
        f"/api/v1/dossiers/{typed.public_id}/registry-prefill",
        {"registry": "population", "identifier": CCCD, "consent": True},
        content_type="application/json",
    )
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert "định danh điện tử" in r.json()["detail"]
    _nothing_happened(population, typed)
    typed.refresh_from_db()
    assert not typed.form_data


def test_page_explains_why_it_is_unavailable(population, typed, client):  # noqa: F811
    from opendvc.dossiers.tests.conftest import sign_in

    sign_in(client, typed.applicant)
    url = f"/ho-so-cua-toi/{typed.public_id}/lay-thong-tin/population/"
    page = client.get(url).content.decode()
    assert "Chưa xác thực" in page and "định danh điện tử" in page
    assert "Đồng ý và lấy thông tin" not in page  # no button that can only fail
    r = client.post(url, {"identifier": CCCD, "consent": "yes"})
    assert r.status_code == 422 and "định danh điện tử" in r.content.decode()
    _nothing_happened(population, typed)
