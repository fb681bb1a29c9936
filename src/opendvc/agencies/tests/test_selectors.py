import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opendvc.accounts.tests.factories import StaffRoleFactory, UserFactory
from opendvc.agencies import demo, selectors, services
from opendvc.agencies.models import Agency, StaffRole, validate_agency_code
from opendvc.agencies.permissions import (
    can_manage_agency_staff,
    can_view_agency_work,
    scope_to_visible_agencies,
)
from opendvc.audit.models import AuditEntry


@pytest.mark.parametrize("code", ["000.00.32.H19", "123.45.67.A01"])
def test_valid_codes(code):
    validate_agency_code(code)


@pytest.mark.parametrize(
    "code", ["000.00.32.h19", "00.00.32.H19", "000.00.32.H1", "000-00-32-H19", ""]
)
def test_invalid_codes(code):
    with pytest.raises(ValidationError) as exc:
        validate_agency_code(code)
    assert exc.value.code == "invalid_agency_code"


def test_tree_selectors(tree):
    assert selectors.descendant_ids(tree["province"]) == {a.pk for a in tree.values()}
    assert set(selectors.sub_agencies(tree["own"])) == {tree["sub"]}
    assert selectors.ancestor_ids(tree["sub"]) == [tree["own"].pk, tree["province"].pk]


@pytest.mark.parametrize(
    "role,own,sub,other",
    [
        ("processing_officer", True, False, False),
        ("receiving_officer", True, False, False),
        ("leader", True, True, False),
        ("head", True, True, False),
        ("province_office", True, True, True),
    ],
)
def test_visibility(tree, role, own, sub, other):
    sr = StaffRoleFactory(agency=tree["own"], role=role)
    assert [can_view_agency_work(sr.user, tree[k]) for k in ("own", "sub", "other")] == [
        own,
        sub,
        other,
    ]


def test_several_roles_in_several_agencies(tree):
    user = UserFactory(is_staff=True)
    StaffRoleFactory(user=user, agency=tree["own"], role="processing_officer")
    StaffRoleFactory(user=user, agency=tree["other"], role="leader")
    assert selectors.visible_agency_ids(user) == {tree["own"].pk, tree["other"].pk}
    assert selectors.visible_agency_ids(user, roles={"leader"}) == {tree["other"].pk}
    assert selectors.role_names(user) == {"processing_officer", "leader"}


def test_inactive_role_or_agency_gives_nothing(tree):
    sr = StaffRoleFactory(agency=tree["own"], role="leader", is_active=False)
    assert not can_view_agency_work(sr.user, tree["own"])
    sr2 = StaffRoleFactory(agency=tree["other"], role="leader")
    Agency.objects.filter(pk=tree["other"].pk).update(is_active=False)
    assert not can_view_agency_work(sr2.user, tree["other"])


def test_grant_and_revoke(tree):
    head = StaffRoleFactory(agency=tree["own"], role="head").user
    officer = StaffRoleFactory(agency=tree["own"], role="processing_officer").user
    newcomer = UserFactory()
    sr = services.grant_role(
        actor=head, user=newcomer, agency=tree["sub"], role="receiving_officer"
    )
    newcomer.refresh_from_db()
    assert newcomer.is_staff and sr.is_active
    assert AuditEntry.objects.filter(action="agencies.role_granted").count() == 1
    with pytest.raises(PermissionDenied):
        services.grant_role(actor=officer, user=newcomer, agency=tree["own"], role="leader")
    with pytest.raises(PermissionDenied):
        services.grant_role(actor=head, user=newcomer, agency=tree["other"], role="leader")
    with pytest.raises(ValidationError):
        services.grant_role(actor=head, user=newcomer, agency=tree["own"], role="emperor")
    services.revoke_role(actor=head, staff_role=sr)
    assert not StaffRole.objects.get(pk=sr.pk).is_active
    assert can_manage_agency_staff(head, tree["sub"]) and not can_manage_agency_staff(
        head, tree["province"]
    )


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    demo.seed()
    demo.seed()
    assert Agency.objects.filter(code="000.00.00.H19").exists()
    for a in Agency.objects.all():
        validate_agency_code(a.code)
    assert Agency.objects.filter(tier__code="xa").count() >= 6
    assert Agency.objects.filter(parent__code="000.00.00.H19", tier__code="tinh").count() >= 8


@pytest.mark.parametrize(
    "role,expected",
    [
        ("processing_officer", {"own"}),
        ("leader", {"own", "sub"}),
        ("province_office", {"province", "own", "sub", "other"}),
    ],
)
def test_scope_to_visible_agencies(tree, role, expected):
    user = StaffRoleFactory(agency=tree["own"], role=role).user
    qs = scope_to_visible_agencies(Agency.objects.all(), user, field="pk")
    assert {k for k, a in tree.items() if a in qs} == expected
    assert not scope_to_visible_agencies(Agency.objects.all(), UserFactory(), field="pk").exists()
