"""POST …/form/validate with JSON nested deeper than the decoder reads: a form problem, not a 500."""

from __future__ import annotations

import pytest

from .test_api import _post, caller  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("eforms")


@pytest.mark.parametrize("depth", [1000, 5000])
def test_validate_refuses_json_nested_too_deeply(caller, depth):  # noqa: F811
    body = '{"a":' + "[" * depth + "]" * depth + "}"
    r = _post(caller, "1.001193", body)
    assert r.status_code == 422, r.content[:300]
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "form_invalid" and r.json()["errors"]
