"""A draft's form data sent through the API is checked as the form checks it, except for what is
still missing: drafts kept 20,000 unknown fields, a megabyte in a 200-character field and fields of
procedures that have no form."""

from __future__ import annotations

import pytest

from opendvc.dossiers.models import Dossier

from .test_filing_journey import BIRTH, _agency, _procedure, shipped  # noqa: F401


def _draft(client, code, data):
    procedure = _procedure(code)
    body = {"procedure": code, "agency": _agency(procedure).code, "data": data, "submit": False}
    return client.post("/api/v1/dossiers", body, content_type="application/json")


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"zzz": "x"}, "data.zzz"),
        ({f"k{i}": "v" for i in range(20000)}, "data"),  # too large as a whole
        ({"child_name": "x" * 1_000_000}, "data"),
        ({"child_name": "x" * 2000}, "data.child_name"),
        ({"child_birth_date": "31/02/2025"}, "data.child_birth_date"),
    ],
)
def test_a_draft_with_data_the_form_refuses_is_not_kept(client, citizen, data, path):
    client.force_login(citizen)
    r = _draft(client, BIRTH, data)
    assert r.status_code == 422, r.content
    assert path in [e["path"] for e in r.json()["errors"]]
    assert not Dossier.objects.exists()


@pytest.mark.usefixtures("shipped")
def test_a_draft_may_miss_what_the_form_requires(client, citizen):
    client.force_login(citizen)
    r = _draft(client, BIRTH, {"child_name": "Trần Minh Khôi"})
    assert r.status_code == 201, r.content
    assert Dossier.objects.get().form_data == {"child_name": "Trần Minh Khôi"}
