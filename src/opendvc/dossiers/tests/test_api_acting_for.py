"""POST /api/v1/dossiers with ``acting_for``: an organisation the caller does not act for — unknown, or
someone else's — is a validation error of that field (422, path ``acting_for``, Vietnamese message),
like the endpoint's other fields, and the same answer for both so that the API does not tell which
organisations exist. Nothing is created."""

from __future__ import annotations

import uuid

import pytest

from opendvc.dossiers.models import Dossier


def _body(procedure, justice, acting_for):
    return {
        "procedure": procedure.code,
        "agency": justice.code,
        "data": {},
        "submit": False,
        "acting_for": str(acting_for),
    }


@pytest.mark.parametrize("which", ["unknown", "foreign"])
def test_organisation_not_acted_for_is_422_on_acting_for(
    client, procedure, justice, member, stranger, which
):
    from opendvc.accounts.tests.factories import OrganisationFactory

    target = uuid.uuid4() if which == "unknown" else OrganisationFactory().public_id
    client.force_login(stranger)
    r = client.post(
        "/api/v1/dossiers", _body(procedure, justice, target), content_type="application/json"
    )
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "validation_error" and "tổ chức" in body["detail"]
    assert [e["path"] for e in body["errors"]] == ["acting_for"]
    assert not Dossier.objects.filter(applicant=stranger).exists()


def test_member_may_act_for_their_organisation(client, procedure, justice, member):
    client.force_login(member.user)
    r = client.post(
        "/api/v1/dossiers",
        _body(procedure, justice, member.organisation.public_id),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert Dossier.objects.get(applicant=member.user).acting_for == member.organisation
