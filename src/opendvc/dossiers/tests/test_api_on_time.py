"""``on_time`` in the API is one of a documented set of values (``selectors.on_time_state``): the
empty string while a dossier has no due date yet, then the open or the finished classes. The schema
said only "a string", so a client could not tell "" from a value it did not know."""

from __future__ import annotations

from opendvc.api.main import api

from .conftest import submitted_dossier
from .test_processing import received

VALUES = ["", "on_time", "due_soon", "overdue", "early", "late"]


def _on_time_schemas() -> dict[str, dict]:
    schemas = api.get_openapi_schema()["components"]["schemas"]
    return {
        name: s["properties"]["on_time"]
        for name, s in schemas.items()
        if "on_time" in s.get("properties", {})
    }


def test_the_schema_lists_the_values_and_says_what_the_empty_one_means():
    found = _on_time_schemas()
    assert found, "no schema carries on_time"
    for name, prop in found.items():
        assert prop["enum"] == VALUES, name
        assert "chưa có hạn" in prop["description"], name


def test_a_dossier_without_a_due_date_and_a_received_one_answer_values_of_the_set(
    client, procedure, citizen, officer
):
    waiting = submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    assert client.get(f"/api/v1/dossiers/{waiting.code}").json()["on_time"] == ""
    d = received(procedure, citizen, officer)
    client.force_login(citizen)
    assert client.get(f"/api/v1/dossiers/{d.code}").json()["on_time"] in VALUES[1:4]
    listed = client.get("/api/v1/dossiers").json()["items"]
    assert {item["on_time"] for item in listed} <= set(VALUES)
