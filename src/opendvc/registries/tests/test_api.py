"""Prefill over the API: consent required (problem+json naming the field), the registry down gives a
note and fills nothing, found values fill the applicant's own draft; someone else's dossier is not found."""

from __future__ import annotations

from opendvc.registries.models import RegistryFetch

from .test_prefill import CCCD, draft, population  # noqa: F401 - fixtures


def test_prefill_api_with_consent(population, draft, client):  # noqa: F811
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.dossiers.services import dossier_create_draft
    from opendvc.dossiers.tests.conftest import sign_in
    from opendvc.eforms.demo import shipped_definitions
    from opendvc.eforms.services import definition_publish, definition_save

    birth = shipped_definitions()["dang-ky-khai-sinh"]
    birth["sections"] = [
        {**s, "fields": [f for f in s["fields"] if f["kind"] != "file"]} for s in birth["sections"]
    ]
    birth["sections"] = [s for s in birth["sections"] if s["fields"]]
    definition_publish(
        form=definition_save(key="dang-ky-khai-sinh", definition=birth, actor=None), actor=None
    )
    draft = dossier_create_draft(
        applicant=draft.applicant,
        procedure=draft.procedure,
        receiving_agency=draft.receiving_agency,
        actor=draft.applicant,
    )
    url = f"/api/v1/dossiers/{draft.public_id}/registry-prefill"
    body = {"registry": "population", "identifier": CCCD}

    sign_in(client, UserFactory())
    assert (
        client.post(url, {**body, "consent": True}, content_type="application/json").status_code
        == 404
    )

    sign_in(client, draft.applicant)
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 422
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "validation_error"
    assert refused.json()["errors"][0]["path"] == "consent"
    assert not RegistryFetch.objects.filter(dossier=draft).exists()

    bad = client.post(
        url, {**body, "identifier": "12", "consent": True}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "identifier"

    population.switches.update({"down": True})
    down = client.post(url, {**body, "consent": True}, content_type="application/json")
    assert down.status_code == 200
    assert down.json()["outcome"] == "unavailable" and down.json()["values"] == {}
    assert "tự nhập" in down.json()["note"]
    draft.refresh_from_db()
    assert "requester_name" not in (draft.form_data or {})

    population.switches.reset()
    done = client.post(url, {**body, "consent": True}, content_type="application/json").json()
    assert done["outcome"] == "found" and done["values"]["requester_name"] == "Nguyễn Văn An"
    assert "dân cư" in done["source"]
    draft.refresh_from_db()
    assert draft.form_data["requester_name"] == "Nguyễn Văn An"
    assert RegistryFetch.objects.filter(dossier=draft, consent_at__isnull=False).count() == 2
