"""The dossier's timeline in the API names the officers who acted only to the agency's staff: the
applicant reads the same entries without names, as on their own dossier page and in the steps
(``GET /dossiers/{code}/steps``)."""

from __future__ import annotations

from .conftest import sign_in
from .test_processing import received


def test_the_applicant_reads_the_timeline_without_the_officers_names(client, procedure, citizen, officer):
    d = received(procedure, citizen, officer)
    client.force_login(citizen)
    mine = client.get(f"/api/v1/dossiers/{d.code}").json()
    assert "receive" in [e["action"] for e in mine["timeline"]]
    assert {e["actor"] for e in mine["timeline"]} == {""}
    assert officer.full_name not in str(mine)

    sign_in(client, officer)
    staff = client.get(f"/api/v1/dossiers/{d.code}").json()
    receive = next(e for e in staff["timeline"] if e["action"] == "receive")
    assert receive["actor"] == officer.full_name
    assert [e["at"] for e in staff["timeline"]] == [e["at"] for e in mine["timeline"]]
