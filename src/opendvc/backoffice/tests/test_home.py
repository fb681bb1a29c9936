"""The back-office landing page lists the tools each role may use, behind login, role and TOTP."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from opendvc.accounts.tests.factories import StaffRoleFactory, UserFactory, mark_mfa_passed
from opendvc.agencies.models import StaffRole

pytestmark = pytest.mark.django_db


def _staff_client(client, role):
    sr = StaffRoleFactory(role=role)
    TOTP.activate(sr.user, generate_totp_secret())
    client.force_login(sr.user)
    mark_mfa_passed(client)
    return client


def test_anonymous_is_sent_to_login(client):
    response = client.get("/quan-tri/")
    assert response.status_code == 302 and "/tai-khoan/login" in response["Location"]


def test_citizen_is_refused(client):
    client.force_login(UserFactory())
    assert client.get("/quan-tri/").status_code == 403


def test_staff_without_totp_is_sent_to_enrol(client):
    sr = StaffRoleFactory(role=StaffRole.Role.ADMINISTRATOR)
    client.force_login(sr.user)
    response = client.get("/quan-tri/")
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("mfa_activate_totp")
    )


def test_administrator_sees_the_calendar_and_forms(client):
    html = _staff_client(client, StaffRole.Role.ADMINISTRATOR).get("/quan-tri/").content.decode()
    assert reverse("worktime:calendar") in html
    assert "Lịch làm việc" in html and html.count("<h1") == 1


def test_processing_officer_does_not_see_admin_tools(client):
    html = (
        _staff_client(client, StaffRole.Role.PROCESSING_OFFICER).get("/quan-tri/").content.decode()
    )
    assert reverse("worktime:calendar") not in html
    assert reverse("accounts:person_search") in html
    assert "Cán bộ xử lý" in html


def test_staff_nav_link_only_for_staff(client):
    _staff_client(client, StaffRole.Role.LEADER)
    assert 'href="/quan-tri/"' in client.get("/").content.decode()
    client.force_login(UserFactory())
    assert 'href="/quan-tri/"' not in client.get("/").content.decode()
