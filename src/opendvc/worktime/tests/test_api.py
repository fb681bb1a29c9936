"""``/api/v1/worktime``: public, ISO 8601, problem+json 400 for bad input."""

from __future__ import annotations

import pytest

from opendvc.worktime.services import seed_years, set_day

pytestmark = pytest.mark.django_db

URL = "/api/v1/worktime/add"


@pytest.fixture
def seeded():
    seed_years(years=range(2025, 2029))


def test_add_working_days_public_with_explanation(client, seeded):
    response = client.get(URL, {"start": "2027-02-03T10:00:00+07:00", "working_days": "3"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == "2027-02-03T10:00:00+07:00"
    assert body["due"] == "2027-02-15T10:00:00+07:00"
    assert (
        body["unit"] == "working_days" and body["amount"] == "3" and body["rule"] == "working-hours"
    )
    assert body["calendar_version"] == 1
    reasons = {e["date"]: e["reason"] for e in body["explanation"] if e["kind"] == "skipped"}
    assert "Tết Nguyên Đán" in reasons["2027-02-08"]


def test_add_end_of_day_and_other_units(client, seeded):
    body = client.get(
        URL, {"start": "2027-02-03T10:00", "working_days": "3", "rule": "end-of-day"}
    ).json()
    assert body["due"] == "2027-02-15T17:00:00+07:00"
    assert (
        client.get(URL, {"start": "2027-03-01T11:00", "working_hours": "1.5"}).json()["due"]
        == "2027-03-01T14:00:00+07:00"
    )
    assert (
        client.get(URL, {"start": "2027-03-01T10:00", "calendar_days": "5"}).json()["due"]
        == "2027-03-08T17:00:00+07:00"
    )


def test_start_in_utc_converted(client, seeded):
    body = client.get(URL, {"start": "2027-03-01T03:00:00Z", "working_hours": "1"}).json()
    assert (
        body["start"] == "2027-03-01T10:00:00+07:00" and body["due"] == "2027-03-01T11:00:00+07:00"
    )


def test_calendar_version_reflects_edits(client, seeded):
    set_day(day=__import__("datetime").date(2027, 3, 3), kind="day_off", name="Nghỉ đột xuất")
    body = client.get(URL, {"start": "2027-03-02T10:00", "working_days": "1"}).json()
    assert body["calendar_version"] == 2 and body["due"] == "2027-03-04T10:00:00+07:00"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"start": "hôm nay", "working_days": "3"}, "invalid_instant"),
        ({"start": "2027-03-01", "working_days": "-1"}, "invalid_amount"),
        ({"start": "2027-03-01", "working_days": "1e9"}, "invalid_amount"),
        ({"start": "2027-03-01", "working_days": "ba"}, "invalid_amount"),
        ({"start": "2027-03-01", "working_days": "NaN"}, "invalid_amount"),
        ({"start": "2027-03-01", "working_days": "3", "rule": "next-day"}, "invalid_rule"),
        ({"start": "2027-03-01"}, "invalid_unit"),
        ({"start": "2027-03-01", "working_days": "3", "working_hours": "2"}, "invalid_unit"),
        ({"start": "2027-03-01", "working_days": "3", "agency": "999.99.99.X99"}, "unknown_agency"),
        ({"start": "1800-03-01", "working_days": "3"}, "date_out_of_range"),
        # Instants whose Vietnam time a datetime cannot hold (they answered 500).
        ({"start": "0001-01-01T00:00:00+07:00", "working_days": "3"}, "date_out_of_range"),
        ({"start": "0001-01-01T00:00:00+14:00", "working_days": "3"}, "date_out_of_range"),
        ({"start": "9999-12-31T23:00:00-05:00", "working_days": "1"}, "date_out_of_range"),
    ],
)
def test_bad_input_problem_400(client, seeded, params, code):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == 400 and body["detail"]


@pytest.mark.parametrize(
    ("url", "params", "paths"),
    [
        ("add", {"start": "hôm nay", "working_days": "3"}, ["start"]),
        ("add", {"start": "1800-03-01", "working_days": "3"}, ["start"]),
        ("add", {"start": "2027-03-01", "working_days": "ba"}, ["working_days"]),
        ("add", {"start": "2027-03-01", "working_hours": "99999"}, ["working_hours"]),
        ("add", {"start": "2027-03-01", "working_days": "3", "rule": "next-day"}, ["rule"]),
        ("add", {"start": "2027-03-01", "working_days": "3", "agency": "999.X"}, ["agency"]),
        ("add", {"start": "2027-03-01"}, ["working_hours", "working_days", "calendar_days"]),
        (
            "add",
            {"start": "2027-03-01", "working_days": "3", "calendar_days": "2"},
            ["working_days", "calendar_days"],
        ),
        ("between", {"start": "2027-03-01", "end": "mai"}, ["end"]),
        ("between", {"start": "1800-03-01", "end": "2027-03-01"}, ["start"]),
        ("calendar", {"year": "abc"}, ["year"]),
        ("calendar", {"year": "1900"}, ["year"]),
    ],
)
def test_a_refusal_names_the_parameter_at_fault(client, seeded, url, params, paths):
    """The worktime API's problems had no ``errors`` list, unlike the API's other problems about
    its input: each now names the query parameter at fault with the message."""
    response = client.get(f"/api/v1/worktime/{url}", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert [e["path"] for e in body["errors"]] == paths
    assert all(e["message"] == body["detail"] for e in body["errors"])


@pytest.mark.parametrize(
    ("path", "params", "english", "vietnamese"),
    [
        (
            "add",
            {"start": "2027-03-01", "working_days": "ba"},
            "The time limit is not a number: 'ba'.",
            "Thời hạn không phải là số: 'ba'.",
        ),
        (
            "add",
            {"start": "hôm nay", "working_days": "3"},
            "Cannot read the point in time 'hôm nay'; use ISO 8601",
            "Không đọc được thời điểm 'hôm nay'; dùng",
        ),
        (
            "add",
            {"start": "2027-03-01", "working_hours": "99999"},
            "at most 20000 working hours.",
            "tối đa 20000 giờ làm việc.",
        ),
        (
            "add",
            {"start": "2027-03-01", "calendar_days": "1.5"},
            "A time limit in days must be a whole number",
            "Thời hạn tính theo ngày với cách tính này",
        ),
        (
            "add",
            {"start": "2027-03-01", "working_days": "3", "agency": "999.X"},
            "No agency found with the code '999.X'.",
            "Không tìm thấy cơ quan có mã '999.X'.",
        ),
        (
            "between",
            {"start": "1800-03-01", "end": "2027-03-01"},
            "outside the range the calendar supports (years 1995–2099)",
            "nằm ngoài phạm vi lịch hỗ trợ (năm 1995–2099)",
        ),
        (
            "calendar",
            {"year": "1900"},
            "The year must be within 1995–2099.",
            "Năm phải nằm trong khoảng 1995–2099.",
        ),
    ],
)
def test_refusals_speak_the_language_asked(client, path, params, english, vietnamese):
    """The engine's refusals are in English for a client asking for it, in Vietnamese otherwise."""
    for headers, words, other in (
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, english, vietnamese),
        ({}, vietnamese, english),
    ):
        response = client.get(f"/api/v1/worktime/{path}", params, **headers)
        assert response.status_code == 400, response.content
        detail = response.json()["detail"]
        assert words in detail and other not in detail, (headers, detail)


def test_between_and_calendar(client, seeded):
    body = client.get(
        "/api/v1/worktime/between", {"start": "2027-03-01T16:00", "end": "2027-03-02T08:00"}
    ).json()
    assert body["working_hours"] == "1.5"
    body = client.get("/api/v1/worktime/calendar", {"year": "2025"}).json()
    assert {
        "date": "2025-04-26",
        "kind": "working_day",
        "name": "Làm việc bù (cho ngày nghỉ 02/05/2025)",
        "source": "seed",
    } in body["days"]
    response = client.get("/api/v1/worktime/calendar", {"year": "abc"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_year"


def test_operations_documented_as_public(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/worktime/add", "/api/v1/worktime/between", "/api/v1/worktime/calendar"):
        operation = schema["paths"][path]["get"]
        assert not operation.get("security"), path
    params = {p["name"] for p in schema["paths"]["/api/v1/worktime/add"]["get"]["parameters"]}
    assert {"start", "working_days", "working_hours", "calendar_days", "rule", "agency"} <= params


def test_between_instants_beyond_a_datetime_is_400(client, seeded):
    response = client.get(
        "/api/v1/worktime/between",
        {"start": "2026-01-01T00:00:00+07:00", "end": "9999-12-31T23:00:00-05:00"},
    )
    assert response.status_code == 400 and response.json()["code"] == "date_out_of_range"
