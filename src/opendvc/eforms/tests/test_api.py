"""GET /api/v1/procedures/{code}/form and POST …/form/validate."""

from __future__ import annotations

import json

import pytest

from .conftest import birth_data

pytestmark = pytest.mark.usefixtures("eforms")


def test_get_form_is_public_and_carries_definition_and_json_schema(client):
    r = client.get("/api/v1/procedures/1.001193/form")
    assert r.status_code == 200
    body = r.json()
    assert body["procedure"]["code"] == "1.001193"
    assert body["form"]["key"] == "dang-ky-khai-sinh" and body["form"]["version"] == 1
    assert body["definition"]["title"] == "Tờ khai đăng ký khai sinh"
    assert body["json_schema"]["properties"]["child_birth_date"]["format"] == "date"


def test_unknown_or_formless_procedure_is_a_problem(client):
    for code in ("9.999999", "2.000720"):
        r = client.get(f"/api/v1/procedures/{code}/form")
        assert r.status_code == 404 and r["Content-Type"] == "application/problem+json"
        assert r.json()["code"] == "not_found"


@pytest.fixture
def caller(client, applicant):
    client.force_login(applicant)
    return client


def test_validate_needs_a_caller(client):
    r = _post(client, "1.001193", {})
    assert r.status_code == 401


def _post(client, code, payload):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(
        f"/api/v1/procedures/{code}/form/validate", body, content_type="application/json"
    )


def test_validate_returns_cleaned_data(caller, a_ward):
    r = _post(caller, "1.001193", birth_data(a_ward))
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["child_birth_date"] == "2025-09-05" and data["requester_phone"] == "0912345678"


def test_validate_lists_each_error_as_problem_json(caller, a_ward):
    payload = birth_data(a_ward) | {
        "child_birth_date": "30/02/2025",
        "extra": 1,
        "child_gender": "x",
    }
    r = _post(caller, "1.001193", payload)
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "form_invalid"
    assert {"path": "child_birth_date", "message": "Ngày 30/02/2025 không tồn tại."} in body[
        "errors"
    ]
    assert {e["path"] for e in body["errors"]} == {"child_birth_date", "extra", "child_gender"}


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b'"x"'])
def test_validate_refuses_non_objects(caller, payload):
    r = _post(caller, "1.001193", payload)
    assert r.status_code == 422 and r.json()["code"] == "form_invalid" and r.json()["errors"]


def test_validate_refuses_oversized_payloads(caller):
    r = _post(caller, "1.001193", {"child_name": "x" * 300_000})
    assert r.status_code == 422 and "quá lớn" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"child_name": "An\\ud800"}', "child_name"),
        (b'{"child_name": "\\uDE00 B\\u00ecnh"}', "child_name"),
        (b'{"ten\\udfff": "A"}', "ten\\udfff"),
    ],
)
def test_validate_refuses_a_lone_surrogate_as_problem_json_not_500(caller, body, path):
    """A "\\ud800" escape without its pair decodes to no character UTF-8 can hold: the form's size
    check wrote the data out and the API answered 500."""
    r = _post(caller, "1.001193", body)
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["path"] == path


def test_validate_reads_a_surrogate_pair_as_the_character_it_stands_for(caller, a_ward):
    body = json.dumps(birth_data(a_ward) | {"birth_facility": "Bệnh viện 😀"})
    assert "\\ud83d\\ude00" in body
    r = _post(caller, "1.001193", body)
    assert r.status_code == 200, r.content[:300]
