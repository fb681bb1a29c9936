"""A problem's own title reaches the caller (the API's handler used to put the general title of the
status in its place), in English when English is chosen; codes do not change."""

from __future__ import annotations

import pytest

from opendvc.core.problems import ProblemError, problem_body

pytestmark = pytest.mark.django_db


def test_a_domains_title_is_kept_and_translated(client):
    r = client.get("/api/v1/procedures", {"q": "khai sinh " * 1000})
    body = r.json()
    assert (r.status_code, body["code"], body["title"]) == (400, "query_too_long", "Từ khóa quá dài")
    client.cookies["django_language"] = "en"
    body = client.get("/api/v1/procedures", {"q": "khai sinh " * 1000}).json()
    assert (body["code"], body["title"]) == ("query_too_long", "Search words too long")


def test_a_code_without_a_title_takes_the_general_title_of_its_status():
    conflict = ProblemError("already_done", "Đã làm rồi.", status=409)
    assert conflict.title == "Xung đột dữ liệu"
    assert problem_body("already_done", "x", status=409)["title"] == "Xung đột dữ liệu"
    assert ProblemError("not_found", "x").title == "Không tìm thấy"
    assert ProblemError("something_else", "x").status == 400
