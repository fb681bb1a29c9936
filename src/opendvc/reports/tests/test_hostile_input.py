"""Hostile input to the reports: the periods around the bounds of what may be asked (2000, 31/12/9999), and
agency keys that are not keys (``²``, which ``str.isdigit`` accepts and ``int`` refuses) or name no agency.
Each answered 500 before; each is now a page, a problem or a message in Vietnamese."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from opendvc.core.problems import ProblemError
from opendvc.dossiers.tests.conftest import JUSTICE, OTHER, sign_in, staff
from opendvc.reports.models import Report


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def seeded(db):
    from opendvc.agencies import demo

    demo.seed()


@pytest.fixture
def office(seeded):
    """The province office: reports of the province, the oversight page and its urge form."""
    return staff("province_office", OTHER)


def test_the_first_year_compares_with_the_year_before(client, db):
    for label in ("2000-Q1", "2000", "2000-H1", "2000-01"):
        page = client.get(reverse("reports:transparency"), {"ky": label})
        assert page.status_code == 200, label
    api = client.get("/api/v1/transparency", {"period": "2000-Q1"})
    assert api.status_code == 200
    assert api.json()["previous"]["label"] == "1999-Q4"


def test_a_cut_off_after_the_period_counts_to_its_end(client, office):
    sign_in(client, office)
    response = client.get("/api/v1/reports/figures", {"period": "2026", "as_of": "9999-12-31"})
    assert response.status_code == 200, response.content
    assert "dossiers" in response.json()


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("31-12-2026", "Ngày chốt số liệu không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)."),
        ("2025-01-01", "Ngày chốt số liệu phải trong kỳ báo cáo."),
    ],
)
def test_a_refused_cut_off_is_not_told_as_a_refused_period(client, office, as_of, message):
    """The period was right and the cut-off wrong, but the problem's detail said "the period is not
    valid"."""
    sign_in(client, office)
    response = client.get("/api/v1/reports/figures", {"period": "2026", "as_of": as_of})
    problem = response.json()
    assert response.status_code == 422 and problem["detail"] == message
    assert problem["errors"] == [{"path": "as_of", "message": message}]


def test_the_cut_off_is_given_in_vietnam_time(client, office):
    """The figures' cut-off is documented in Vietnam time; counted up to now it was given in UTC
    (``…+00:00``), and in Vietnam time only when a day was asked for."""
    sign_in(client, office)
    for query in ({"period": "2026"}, {"period": "2026", "as_of": "2026-06-30"}):
        response = client.get("/api/v1/reports/figures", query)
        assert response.status_code == 200, response.content
        assert response.json()["period"]["as_of"].endswith("+07:00"), query


def test_custom_periods_lie_between_2000_and_2100(client, office):
    from opendvc.reports.periods import period_between

    with pytest.raises(ProblemError) as caught:
        period_between("01/01/1999", "31/12/2000")
    text = " ".join(e["message"] for e in caught.value.extra["errors"])
    assert "01/01/2000" in text and "31/12/2100" in text

    sign_in(client, office)
    page = client.get(reverse("reports:index"), {"tu": "01/01/9997", "den": "31/12/9999"})
    # The figures page shows its errors above the current quarter's figures (as for ky=2027-Q9).
    assert page.status_code == 422
    assert "Ngày phải từ 01/01/2000 đến 31/12/2100." in page.content.decode()

    drill = client.get(
        reverse("reports:drilldown"),
        {"tu": "01/01/9999", "den": "31/12/9999", "so_lieu": "submitted"},
    )
    assert drill.status_code == 404 and "Không tìm thấy trang" in drill.content.decode()


def test_agency_keys_that_are_not_keys_are_refused_with_a_message(client, office):
    sign_in(client, office)
    urge = client.post(reverse("reports:urge"), {"agency": "²", "message": "Giải quyết ngay."})
    assert urge.status_code == 302 and urge["Location"] == reverse("reports:oversight")
    assert "Chọn cơ quan cần đôn đốc." in _messages(urge)

    for agency in ("²", "999999"):
        response = client.post(
            reverse("reports:request"),
            {"kind": "province_quarter", "ky": "2026-Q1", "agency": agency},
        )
        assert response.status_code == 302, agency
        assert response["Location"].startswith(reverse("reports:index") + "?"), agency
        assert "Cơ quan đã chọn không tồn tại." in _messages(response), agency
    assert not Report.objects.exists()


def test_a_leader_asking_for_a_report_of_agency_two_squared(client, seeded):
    leader = staff("leader", JUSTICE)
    sign_in(client, leader)
    response = client.post(
        reverse("reports:request"), {"kind": "agency_half_year", "ky": "2026-H1", "agency": "²"}
    )
    assert response.status_code == 302 and _messages(response)
    assert not Report.objects.exists()


def test_a_refused_period_stays_in_its_field(client, office):
    """The figures page and the transparency page showed the current quarter in the period fields
    after refusing 31/02/2027 or 2027-Q5: what was typed was lost (and a range that was accepted
    was not shown in its fields either)."""
    sign_in(client, office)
    page = client.get(
        reverse("reports:index"), {"tu": "31/02/2027", "den": "15/03/2027"}
    ).content.decode()
    assert 'name="tu" value="31/02/2027"' in page and 'name="den" value="15/03/2027"' in page
    assert 'name="ky" value=""' in page
    page = client.get(
        reverse("reports:index"), {"tu": "01/01/2027", "den": "31/01/2027"}
    ).content.decode()
    assert 'name="tu" value="01/01/2027"' in page and 'name="den" value="31/01/2027"' in page
    page = client.get(reverse("reports:index"), {"ky": "2027-Q5"}).content.decode()
    assert 'name="ky" value="2027-Q5"' in page

    client.logout()
    refused = client.get(reverse("reports:transparency"), {"ky": "2027-Q5"})
    assert refused.status_code == 422 and 'name="ky" value="2027-Q5"' in refused.content.decode()
    shown = client.get(reverse("reports:transparency"), {"ky": "2026-Q1"})
    assert 'name="ky" value="2026-Q1"' in shown.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"tu": "31/03/2027", "den": "01/03/2027"}, "den", "Ngày kết thúc phải sau ngày bắt đầu."),
        ({"tu": "hôm qua", "den": "01/03/2027"}, "tu", "Ngày không hợp lệ"),
        ({"ky": "2027-Q5"}, "ky", "Viết kỳ báo cáo dạng 2026-Q1"),
        (
            {"ky": "2027-Q1", "ngay_chot": "31/02/2027"},
            "ngay_chot",
            "Ngày chốt số liệu không hợp lệ",
        ),
        ({"ky": "2027-Q1", "theo": "zzz"}, "theo", "Chọn cách nhóm số liệu trong danh sách."),
    ],
)
def test_a_refused_period_is_a_422_with_the_error_at_its_field(
    client, office, query, field, message
):
    """The figures page answered a refused period with 200 and its message above the form only."""
    sign_in(client, office)
    page = client.get(reverse("reports:index"), query)
    text = page.content.decode()
    assert page.status_code == 422
    assert f'<p class="field-error" id="{field}-error">' in text and message in text
    assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true"', text)
    assert f'<a href="#{field}">' in text
