"""The agency staff page (``/quan-tri/co-quan/<code>/can-bo/``): a role revoked by a value of the form
that cannot name one (edited by hand) is "not found", never a server error."""

from __future__ import annotations

import pytest

from opendvc.accounts.tests.factories import StaffRoleFactory
from opendvc.agencies.models import StaffRole
from opendvc.dossiers.tests.conftest import sign_in, staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "²", "9" * 30])
def test_a_revoke_that_names_no_role_is_404_and_changes_nothing(client, tree, value):
    admin = staff("administrator", tree["province"].code)
    role = StaffRoleFactory(agency=tree["own"], role="processing_officer")
    sign_in(client, admin)
    answer = client.post(f"/quan-tri/co-quan/{tree['own'].code}/can-bo/", {"revoke": value})
    assert answer.status_code == 404
    assert StaffRole.objects.get(pk=role.pk).is_active


def test_a_revoke_by_its_id_still_revokes(client, tree):
    admin = staff("administrator", tree["province"].code)
    role = StaffRoleFactory(agency=tree["own"], role="processing_officer")
    sign_in(client, admin)
    answer = client.post(f"/quan-tri/co-quan/{tree['own'].code}/can-bo/", {"revoke": role.pk})
    assert answer.status_code == 302
    assert not StaffRole.objects.get(pk=role.pk).is_active
