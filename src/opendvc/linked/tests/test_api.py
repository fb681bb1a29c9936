"""The linked procedures over the API: public list and detail, the applicant's dossier with every
agency's part, the officers' actions through ``part_act`` (problem+json on refusal)."""

from __future__ import annotations

from opendvc.dossiers.tests.conftest import sign_in
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import Part, PartState

from .conftest import file_bundle

JSON = "application/json"


def test_public_bundles(bundles, client):
    listing = client.get("/api/v1/linked/procedures")
    assert listing.status_code == 200
    keys = {b["key"] for b in listing.json()}
    assert BIRTH in keys
    detail = client.get(f"/api/v1/linked/procedures/{BIRTH}").json()
    assert detail["procedure"] == "2.000986"
    members = {m["key"]: m for m in detail["members"]}
    assert members["thuong-tru"]["after"] == ["khai-sinh"]
    assert float(members["thuong-tru"]["allotment_amount"]) == 15
    assert detail["components"] and all(c["members"] for c in detail["components"])
    missing = client.get("/api/v1/linked/procedures/khong-co")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_applicant_sees_every_part_and_officers_act_through_the_api(bundles, people, client):
    dossier = file_bundle(bundles[BIRTH], people)
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    url = f"/api/v1/linked/parts/{birth.pk}/actions"

    sign_in(client, people["police"])  # not the commune's officer
    assert client.post(url, {"action": "accept"}, content_type=JSON).status_code == 404
    sign_in(client, people["justice"])
    assert client.get("/api/v1/linked/parts").json()[0]["id"] == birth.pk
    assert client.post(url, {"action": "accept"}, content_type=JSON).status_code == 200
    again = client.post(url, {"action": "accept"}, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    refused = client.post(url, {"action": "complete"}, content_type=JSON)
    assert refused.status_code in (403, 422)  # the officer is not the leader
    sign_in(client, people["chair"])
    empty = client.post(url, {"action": "complete", "result": ""}, content_type=JSON)
    assert empty.status_code == 422
    assert empty["Content-Type"].startswith("application/problem+json")
    assert empty.json()["errors"][0]["path"] == "result"
    unknown = client.post(url, {"action": "fly"}, content_type=JSON)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["path"] == "action"
    done = client.post(
        url, {"action": "complete", "result": "Giấy khai sinh số 7"}, content_type=JSON
    )
    assert done.status_code == 200
    birth.refresh_from_db()
    assert birth.status == PartState.DONE

    sign_in(client, people["citizen"])
    mine = client.get(f"/api/v1/linked/dossiers/{dossier.code}")
    assert mine.status_code == 200
    data = mine.json()
    assert data["code"] == dossier.code and data["bundle"] == BIRTH
    parts = {p["member"]: p for p in data["parts"]}
    assert parts["khai-sinh"]["result"] == "Giấy khai sinh số 7"
    assert parts["khai-sinh"]["status"] == "done" and parts["khai-sinh"]["due_at"]
    assert parts["thuong-tru"]["status"] == "handed_off"
    assert {h["to_member"] for h in data["handoffs"]} == {"khai-sinh", "thuong-tru", "bhyt"}
    assert parts["khai-sinh"]["allowed_actions"] == []
    # Someone else's dossier is not found.
    sign_in(client, people["police"])
    assert client.get(f"/api/v1/linked/dossiers/{dossier.code}").status_code == 404
