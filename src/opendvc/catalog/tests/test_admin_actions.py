"""The catalog's Django admin: its bulk actions with ticked values edited by hand, and "Tạm ngưng" on
procedures already suspended."""

from __future__ import annotations

import pytest

from opendvc.audit.models import AuditEntry
from opendvc.catalog.models import Procedure, Sector
from opendvc.catalog.services import suspend_procedure
from opendvc.dossiers.tests.conftest import make_procedure, sign_in, staff

pytestmark = pytest.mark.django_db

LIST = "/admin/catalog/procedure/"


@pytest.fixture
def superuser(agencies):
    user = staff("administrator", "000.00.00.H19")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.mark.parametrize("value", ["abc", "1.5", "9" * 30, "²", "999999"])
def test_a_ticked_value_that_names_no_row_is_harmless(client, superuser, value):
    """A ``_selected_action`` the primary key cannot hold answered 500 (the query raised)."""
    procedure = make_procedure()
    sign_in(client, superuser)
    client.raise_request_exception = False
    answer = client.post(
        LIST, {"action": "suspend", "index": 0, "_selected_action": [value]}, follow=True
    )
    assert answer.status_code == 200
    assert Procedure.objects.get(pk=procedure.pk).status == Procedure.Status.PUBLISHED
    assert not AuditEntry.objects.filter(action="catalog.procedure.suspended").exists()
    # Every model's own "delete selected" too.
    sector = Sector.objects.get()
    answer = client.post(
        "/admin/catalog/sector/",
        {"action": "delete_selected", "index": 0, "_selected_action": [value], "post": "yes"},
    )
    assert answer.status_code == 302 and Sector.objects.filter(pk=sector.pk).exists()


def test_good_values_beside_a_bad_one_are_still_acted_on(client, superuser):
    procedure = make_procedure()
    sign_in(client, superuser)
    answer = client.post(
        LIST, {"action": "suspend", "index": 0, "_selected_action": ["abc", procedure.pk]}
    )
    assert answer.status_code == 302
    assert Procedure.objects.get(pk=procedure.pk).status == Procedure.Status.SUSPENDED


def test_suspend_skips_and_reports_procedures_already_suspended(client, superuser):
    """The action suspended (and audited) again a procedure already suspended."""
    published = make_procedure(code="1.000001")
    suspended = make_procedure(code="1.000002")
    suspend_procedure(procedure=suspended, actor=None, reason="Bãi bỏ")
    sign_in(client, superuser)
    answer = client.post(
        LIST,
        {"action": "suspend", "index": 0, "_selected_action": [published.pk, suspended.pk]},
        follow=True,
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    entries = AuditEntry.objects.filter(action="catalog.procedure.suspended")
    assert sorted(e.target_id for e in entries) == ["1.000001", "1.000002"]
    assert "Đã tạm ngưng 1 thủ tục." in html
    assert "Bỏ qua 1 thủ tục đã tạm ngưng từ trước: 1.000002." in html
    assert not suspend_procedure(procedure=suspended, actor=None, reason="lần nữa")
    assert entries.count() == 2
