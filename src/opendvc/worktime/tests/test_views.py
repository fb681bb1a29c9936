"""The back-office yearly calendar page."""

from __future__ import annotations

from datetime import date

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from opendvc.agencies.models import Agency, StaffRole, Tier
from opendvc.audit.models import AuditEntry
from opendvc.worktime.models import CalendarDay
from opendvc.worktime.selectors import calendar_version
from opendvc.worktime.services import seed_years, set_day

pytestmark = pytest.mark.django_db


def _with_totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        email="quantri@example.vn", password="Mat-khau-dai-12345"
    )
    client.force_login(_with_totp(user))
    client.user = user
    return client


@pytest.fixture
def officer_client(client, django_user_model):
    tier = Tier.objects.create(code="tinh", name="Cấp tỉnh", rank=1)
    agency = Agency.objects.create(code="000.00.32.H19", name="Sở Tư pháp", tier=tier)
    user = django_user_model.objects.create_user(
        email="canbo@example.vn", password="Mat-khau-dai-12345", is_staff=True
    )
    StaffRole.objects.create(user=user, agency=agency, role=StaffRole.Role.RECEIVING_OFFICER)
    client.force_login(_with_totp(user))
    return client


def url(year):
    return reverse("worktime:calendar_year", args=[year])


def test_anonymous_redirected_to_login(client):
    response = client.get(url(2026))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_officer_without_administrator_role_forbidden(officer_client):
    assert officer_client.get(url(2026)).status_code == 403
    response = officer_client.post(
        url(2026), {"date": "03/03/2026", "kind": "day_off", "name": "x"}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


def test_page_shows_seeded_and_edited_days_differently(admin_client):
    seed_years(years=[2026])
    set_day(
        day=date(2026, 3, 3), kind="day_off", name="Nghỉ đột xuất", reason="Quyết định 1/QĐ-UBND"
    )
    response = admin_client.get(url(2026))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "wt-off wt-src-seed" in html and "wt-off wt-src-admin" in html
    assert "Nghỉ đột xuất" in html and "Quyết định 1/QĐ-UBND" in html
    assert "17/02/2026" in html  # Tết, dd/mm/yyyy
    assert "Đã sửa" in html and "Khởi tạo" in html


def test_unseeded_year_says_so(admin_client):
    response = admin_client.get(url(2031))
    assert response.status_code == 200
    assert "chưa được khởi tạo" in response.content.decode()


def test_current_year_redirect(admin_client):
    response = admin_client.get(reverse("worktime:calendar"))
    assert response.status_code == 302 and "/quan-tri/lich-lam-viec/" in response["Location"]


def test_admin_adds_a_day_audited_and_versioned(admin_client):
    seed_years(years=[2026])
    before = calendar_version()
    response = admin_client.post(
        url(2026),
        {
            "date": "22/08/2026",
            "kind": "working_day",
            "name": "Làm việc bù",
            "reason": "Thông báo 1",
        },
    )
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=date(2026, 8, 22))
    assert row.source == "admin" and row.updated_by == admin_client.user
    assert calendar_version() == before + 1
    entry = AuditEntry.objects.filter(action="worktime.calendar.set_day").get()
    assert entry.actor_id == admin_client.user.pk


def test_admin_bad_input_shows_errors_and_saves_nothing(admin_client):
    response = admin_client.post(url(2026), {"date": "30/02/2026", "kind": "day_off", "name": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "error-summary" in html and "Ngày không hợp lệ" in html and "Cần nhập tên ngày" in html
    assert 'aria-invalid="true"' in html and 'value="30/02/2026"' in html
    assert not CalendarDay.objects.exists()
    response = admin_client.post(url(2026), {"date": "03/03/1990", "kind": "day_off", "name": "x"})
    assert response.status_code == 422 and not CalendarDay.objects.exists()


def test_admin_removes_a_day(admin_client):
    seed_years(years=[2026])
    response = admin_client.post(
        reverse("worktime:calendar_remove", args=[2026]), {"date": "2026-11-24"}
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=date(2026, 11, 24)).exists()
    assert AuditEntry.objects.filter(action="worktime.calendar.remove_day").count() == 1


def test_removing_a_missing_day_is_reported(admin_client):
    response = admin_client.post(
        reverse("worktime:calendar_remove", args=[2026]), {"date": "2026-03-04"}, follow=True
    )
    assert "không có trong danh sách" in response.content.decode()


def test_year_out_of_range_rejected(admin_client):
    assert admin_client.get(url(1800)).status_code == 400


def test_admin_seeds_an_unseeded_year(admin_client):
    response = admin_client.post(reverse("worktime:calendar_seed", args=[2031]))
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date__year=2031, source="seed").exists()
    entry = AuditEntry.objects.filter(action="worktime.calendar.seed_year").get()
    assert entry.actor_id == admin_client.user.pk
    page = admin_client.get(url(2031)).content.decode()
    assert "chưa được khởi tạo" not in page


@pytest.mark.parametrize("year", [1800, 2100, 10**20])
def test_a_year_out_of_range_is_the_portals_error_page(admin_client, year):
    """The page answered a bare line of text, without the portal's layout or a way back."""
    response = admin_client.get(url(year))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html and "Năm phải nằm trong khoảng 1995–2099." in html
    assert f'href="{reverse("worktime:calendar")}"' in html


@pytest.mark.parametrize("year", [1800, 10**20])
def test_seeding_a_year_out_of_range_is_refused_with_a_message(admin_client, year):
    """A year past what the database's integers hold answered 500."""
    response = admin_client.post(reverse("worktime:calendar_seed", args=[year]), follow=True)
    assert response.status_code == 200
    assert "Năm phải nằm trong khoảng 1995–2099." in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_the_weekdays_are_abbreviated_in_the_pages_language(admin_client):
    """The English page headed its months with the Vietnamese "T2 … CN"."""
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get(url(2026), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<abbr title="Monday">Mon</abbr>' in html and '<abbr title="Sunday">Sun</abbr>' in html
    assert ">T2</abbr>" not in html and ">CN</abbr>" not in html
    admin_client.cookies["django_language"] = "vi"
    html = admin_client.get(url(2026), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<abbr title="Thứ Hai">T2</abbr>' in html and '<abbr title="Chủ nhật">CN</abbr>' in html


def test_removing_a_day_asks_first_in_the_pages_language(admin_client):
    """A removed day changes every deadline counted from then on: the button asks before it acts."""
    seed_years(years=[2026])
    html = admin_client.get(url(2026)).content.decode()
    assert 'data-confirm="Xóa ngày 24/11/2026 khỏi lịch làm việc năm 2026?"' in html
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get(url(2026)).content.decode()
    assert 'data-confirm="Remove 24/11/2026 from the working calendar of 2026?"' in html
