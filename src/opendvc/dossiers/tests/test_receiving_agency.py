"""A procedure that names no receiving agency in the catalog takes no online dossier: the filing page
says so and the API refuses (422), instead of offering every agency of the procedure's tiers (a
social-insurance office receiving a residence registration)."""

from __future__ import annotations

import pytest

from opendvc.agencies.models import Agency, Tier
from opendvc.core.problems import ProblemError
from opendvc.dossiers import selectors, services

from .conftest import make_procedure


@pytest.fixture
def unlinked(agencies):
    p = make_procedure(
        code="1.004222", components=(("Tờ khai thay đổi thông tin cư trú", False),), agencies=()
    )
    p.tiers.set(Tier.objects.all())
    return p


def test_no_agency_named_means_no_receiving_agency(unlinked, justice):
    assert list(selectors.receiving_agencies(procedure=unlinked)) == []
    assert not services.receiving_agency_allowed(procedure=unlinked, agency=justice)
    with pytest.raises(ProblemError) as exc:
        services.dossier_create_draft(
            applicant=_user(), procedure=unlinked, receiving_agency=justice, actor=None
        )
    assert exc.value.status == 422 and exc.value.extra["errors"][0]["path"] == "agency"
    assert "chưa nhận hồ sơ trực tuyến" in exc.value.detail


def _user():
    from opendvc.accounts.tests.factories import UserFactory

    return UserFactory()


def test_filing_page_says_the_procedure_takes_no_online_dossier(client, unlinked, citizen):
    client.force_login(citizen)
    any_agency = Agency.objects.filter(is_active=True).first()
    for r in (
        client.get(f"/nop-ho-so/{unlinked.code}/"),
        client.post(
            f"/nop-ho-so/{unlinked.code}/", {"co-quan": any_agency.pk, "action": "xem-lai"}
        ),
    ):
        html = r.content.decode()
        assert r.status_code == 409
        assert "chưa nhận hồ sơ trực tuyến" in html and "chưa có cơ quan tiếp nhận" in html
        assert any_agency.name not in html
    assert not unlinked.dossiers.exists()


def test_api_refuses_a_procedure_without_receiving_agency(client, unlinked, citizen):
    from opendvc.api.services import api_token_create

    token = api_token_create(owner=citizen, name="t", scopes=["*"])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for agency in (None, Agency.objects.filter(is_active=True).first().code):
        body = {"procedure": unlinked.code, "submit": True, "declaration": True}
        if agency:
            body["agency"] = agency
        r = client.post("/api/v1/dossiers", body, content_type="application/json", **auth)
        assert r.status_code == 422, r.content
        assert r.json()["errors"][0]["path"] == "agency"
        assert "chưa nhận hồ sơ trực tuyến" in r.json()["detail"]
    assert not unlinked.dossiers.exists()


def test_a_named_agency_still_receives(procedure, justice, other_agency):
    assert list(selectors.receiving_agencies(procedure=procedure)) == [justice]
    assert services.receiving_agency_allowed(procedure=procedure, agency=justice)
    assert not services.receiving_agency_allowed(procedure=procedure, agency=other_agency)
