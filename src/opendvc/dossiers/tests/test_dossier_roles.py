"""Only the roles that handle dossiers see them: an agency's postal worker or feedback focal point is
staff of the agency, and the API answered them every dossier of it with the applicants' form data,
while the pages refused them."""

from __future__ import annotations

import pytest

from .conftest import sign_in, staff, submitted_dossier


@pytest.mark.parametrize("role", ["postal_operator", "feedback_focal", "switchboard", "administrator"])
def test_staff_without_a_dossier_role_see_no_dossier_of_their_agency(client, procedure, citizen, role):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, staff(role))
    assert client.get(f"/api/v1/dossiers/{d.code}").status_code == 404
    assert client.get(f"/api/v1/dossiers/{d.code}/steps").status_code == 404
    listed = client.get("/api/v1/dossiers")
    assert listed.status_code in (200, 403)
    assert d.code not in listed.content.decode()
    assert client.get(f"/mot-cua/ho-so/{d.code}/").status_code in (403, 404)


def test_the_roles_that_handle_dossiers_still_see_them(client, procedure, citizen, officer, leader):
    d = submitted_dossier(procedure, citizen)
    for user in (officer, leader):
        sign_in(client, user)
        assert client.get(f"/api/v1/dossiers/{d.code}").json()["code"] == d.code
        assert d.code in client.get("/api/v1/dossiers").content.decode()


def test_a_postal_worker_who_is_also_an_officer_elsewhere_sees_only_that_agencys(
    client, procedure, citizen, other_agency
):
    from opendvc.agencies.models import StaffRole

    d = submitted_dossier(procedure, citizen)
    user = staff("postal_operator")  # of the dossier's agency
    StaffRole.objects.create(user=user, agency=other_agency, role="receiving_officer")
    sign_in(client, user)
    assert client.get(f"/api/v1/dossiers/{d.code}").status_code == 404
