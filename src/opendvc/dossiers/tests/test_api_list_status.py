"""The dossier list's ``status`` filter: a state filters, a value that is no state is refused (an empty
list answered for a misspelt state read as "no such dossier")."""

from __future__ import annotations

from .test_api_draft_by_id import _draft


def test_the_list_filters_by_a_state_and_refuses_one_that_does_not_exist(
    client, citizen, officer, procedure, justice
):
    client.force_login(citizen)
    draft = _draft(client, procedure, justice)
    drafts = client.get("/api/v1/dossiers?status=draft").json()
    assert [d["id"] for d in drafts["items"]] == [draft["id"]]
    assert client.get("/api/v1/dossiers?status=submitted").json()["items"] == []
    for user in (citizen, officer):
        client.force_login(user)
        for value in ("drafts", "Đã nộp", "x" * 500):
            r = client.get("/api/v1/dossiers", {"status": value})
            assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
            body = r.json()
            assert body["errors"][0]["path"] == "status"
            assert "submitted" in body["detail"] and "không có" in body["detail"]
