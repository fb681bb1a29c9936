"""Hostile input to the linked parts' API: a completion request whose items are all blank asked the
applicant for nothing and paused the part; it is refused (422) as on the page."""

from __future__ import annotations

from opendvc.dossiers.tests.conftest import sign_in
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import Part, PartState

from .conftest import file_bundle

JSON = "application/json"


def test_a_completion_request_of_blank_items_is_refused(bundles, people, client):
    dossier = file_bundle(bundles[BIRTH], people)
    birth = Part.objects.get(dossier=dossier, member__key="khai-sinh")
    url = f"/api/v1/linked/parts/{birth.pk}/actions"
    sign_in(client, people["justice"])
    assert client.post(url, {"action": "accept"}, content_type=JSON).status_code == 200
    birth.refresh_from_db()
    assert birth.status == PartState.PROCESSING
    version = birth.version

    for items in (["  ", ""], [" "], ["\t", "\n"]):
        r = client.post(url, {"action": "request_completion", "reason": "r", "items": items}, content_type=JSON)
        assert r.status_code == 422, (items, r.content)
        assert r["Content-Type"].startswith("application/problem+json")
        birth.refresh_from_db()
        assert birth.status == PartState.PROCESSING and birth.version == version, items
        assert not birth.completion_items, items

    # Blank items beside a real one are dropped; the real one is asked for.
    r = client.post(
        url, {"action": "request_completion", "reason": "r", "items": [" ", " Giấy chứng sinh "]}, content_type=JSON
    )
    assert r.status_code == 200, r.content
    birth.refresh_from_db()
    assert birth.status == PartState.COMPLETION_REQUESTED and birth.completion_items == ["Giấy chứng sinh"]
