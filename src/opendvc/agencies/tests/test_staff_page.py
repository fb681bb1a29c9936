"""The agency staff page (``/quan-tri/co-quan/<code>/can-bo/``): a role revoked by a value of the form
that cannot name one (edited by hand) is "not found", never a server error; a head grants and revokes
the roles of the agency's own work, an administrator also the province-wide ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from opendvc.accounts.tests.factories import StaffRoleFactory, UserFactory
from opendvc.agencies import services
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


PROVINCE_WIDE = [
    "switchboard",
    "province_office",
    "ict_department",
    "postal_operator",
    "administrator",
]


@pytest.mark.parametrize("role", PROVINCE_WIDE)
def test_a_head_cannot_grant_a_province_wide_role(client, tree, role):
    """A department's head granted themselves "administrator" in their own department and then ran
    the working calendar, the connections, every agency's staff…: a role whose powers are not bounded
    by its agency is an administrator's to give (nor does the page offer it)."""
    head = staff("head", tree["own"].code)
    sign_in(client, head)
    url = f"/quan-tri/co-quan/{tree['own'].code}/can-bo/"
    page = client.get(url).content.decode()
    assert 'value="receiving_officer"' in page and f'value="{role}"' not in page
    answer = client.post(url, {"email": head.email, "role": role})
    assert answer.status_code == 200
    assert not StaffRole.objects.filter(user=head, role=role).exists()
    with pytest.raises(PermissionDenied):
        services.grant_role(actor=head, user=head, agency=tree["own"], role=role)
    assert not StaffRole.objects.filter(user=head, role=role).exists()


@pytest.mark.parametrize("role", PROVINCE_WIDE)
def test_a_head_cannot_revoke_one_either(client, tree, role):
    head = staff("head", tree["own"].code)
    held = StaffRoleFactory(agency=tree["own"], role=role)
    sign_in(client, head)
    url = f"/quan-tri/co-quan/{tree['own'].code}/can-bo/"
    assert f'name="revoke" value="{held.pk}"' not in client.get(url).content.decode()
    answer = client.post(url, {"revoke": held.pk}, follow=True)
    assert "Chỉ quản trị hệ thống được thu hồi vai trò này." in answer.content.decode()
    assert StaffRole.objects.get(pk=held.pk).is_active
    with pytest.raises(PermissionDenied):
        services.revoke_role(actor=head, staff_role=held)


def test_a_head_staffs_the_agencys_own_work_and_an_administrator_everything(client, tree):
    head = staff("head", tree["own"].code)
    admin = staff("administrator", tree["province"].code)
    newcomer = UserFactory()
    assert services.grant_role(
        actor=head, user=newcomer, agency=tree["sub"], role="leader"
    ).is_active
    for role in PROVINCE_WIDE:
        assert services.grant_role(
            actor=admin, user=newcomer, agency=tree["own"], role=role
        ).is_active
    sign_in(client, admin)
    page = client.get(f"/quan-tri/co-quan/{tree['own'].code}/can-bo/").content.decode()
    assert all(f'value="{role}"' in page for role in PROVINCE_WIDE)


@pytest.mark.parametrize(
    ("language", "label", "wrong"),
    [
        ("vi", "Sở Khoa học và Công nghệ (báo cáo, vận hành hệ thống và liên thông)", "chỉ xem"),
        (
            "en",
            "Department of Science and Technology (reports, system operations and connections)",
            "read only",
        ),
    ],
)
def test_the_ict_roles_label_says_what_it_does(client, tree, language, label, wrong):
    """The ICT department's role was labelled "(báo cáo, chỉ xem)" (view only), though it sends
    messages again, pauses a peer and publishes the national catalogue's changes."""
    admin = staff("administrator", tree["province"].code)
    StaffRoleFactory(agency=tree["own"], role="ict_department")
    sign_in(client, admin)
    client.cookies["django_language"] = language
    page = client.get(
        f"/quan-tri/co-quan/{tree['own'].code}/can-bo/", HTTP_ACCEPT_LANGUAGE=language
    )
    html = page.content.decode()
    assert page.status_code == 200 and label in html and wrong not in html


def test_revoking_a_role_asks_first(client, tree):
    admin = staff("administrator", tree["province"].code)
    role = StaffRoleFactory(agency=tree["own"], role="processing_officer")
    sign_in(client, admin)
    html = client.get(f"/quan-tri/co-quan/{tree['own'].code}/can-bo/").content.decode()
    name = role.user.full_name or role.user.email
    assert f'data-confirm="Thu hồi vai trò Cán bộ xử lý của {name}?"' in html
