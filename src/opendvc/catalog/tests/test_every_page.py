"""Every shipped procedure and every agency page renders (templates cover all the data's shapes), and
every procedure's API document is the one its OpenAPI schema describes."""

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from opendvc.agencies.models import Agency
from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")


def test_every_procedure_page_and_document_renders(client):
    for code in Procedure.objects.values_list("code", flat=True):
        page = client.get(f"/thu-tuc/{code}/")
        assert page.status_code == 200, code
        assert page.content.decode().count("<h1") == 1
        assert client.get(f"/api/v1/procedures/{code}").status_code == 200, code


def test_every_agency_page_renders(client):
    for code in Agency.objects.values_list("code", flat=True):
        assert client.get(f"/co-quan/{code}/").status_code == 200, code


def test_every_procedure_document_matches_its_schema(client):
    """Each key, type, allowed value and null of every shipped procedure's document is the one the
    OpenAPI document promises (``additionalProperties: false``: a key the answer adds must be
    described first), with ISO 8601 dates checked as dates."""
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/procedures/{code}"]["get"]["responses"]["200"]
    schema = {**answer["content"]["application/json"]["schema"], "components": document["components"]}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    failures = []
    for code in Procedure.objects.values_list("code", flat=True):
        for error in validator.iter_errors(client.get(f"/api/v1/procedures/{code}").json()):
            failures.append(f"{code} {'/'.join(map(str, error.absolute_path))}: {error.message}")
    assert not failures, "\n".join(failures[:20])
