"""Property-based contract test of the whole API: schemathesis generates requests for every operation
from the committed OpenAPI document and sends them to the application, once per caller (an applicant's
token, an officer's token, nobody). Every answer must be documented (status and content type), match
its schema, and never be a server error.

Bounded so the suite stays fast on a small machine: a few examples per operation and role, no
shrinking, no example database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from opendvc.accounts.tests.factories import UserFactory
from opendvc.agencies import demo
from opendvc.agencies.models import Agency, StaffRole
from opendvc.api.services import api_token_create

pytestmark = pytest.mark.django_db

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "openapi.json"
EXAMPLES = 4
# Boundary and invalid values (schemathesis' coverage phase: limits, limits ± 1, wrong types, missing
# fields), spread over each operation's list, sent once with the applicant's token.
COVERAGE_PER_OPERATION = 12
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI application is called directly, not through Django's test client, so the signal that
    closes database connections at the end of each request would close the test's own connection
    (inside its transaction on PostgreSQL). Detach it for the run, as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def callers():
    demo.seed()
    applicant = UserFactory(full_name="Người Dân")
    officer = UserFactory(full_name="Cán Bộ Một Cửa", is_staff=True)
    StaffRole.objects.create(
        user=officer,
        agency=Agency.objects.order_by("pk").first(),
        role=StaffRole.Role.RECEIVING_OFFICER,
    )
    tokens = {}
    for role, user in (("applicant", applicant), ("officer", officer)):
        _token, raw = api_token_create(owner=user, name=f"kiểm thử {role}", scopes=["*"])
        tokens[role] = {"Authorization": f"Bearer {raw}"}
    tokens["anonymous"] = {}
    return tokens


def _schema():
    raw = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


def _run(operation, headers: dict[str, str], failures: list[str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def probe(case):
        # The in-process transport hands back the body as sent: ask for it uncompressed.
        sent = {**headers, "Accept-Encoding": "identity"}
        response = case.call(headers=sent, app=schema_app)
        try:
            case.validate_response(response, checks=CHECKS, headers=sent)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
            failures.append(f"{operation.label} [{response.status_code}]: {str(exc)[:600]}")

    schema_app = operation.schema.app
    probe()


def _check(case, response, headers, failures: list[str]) -> None:
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
        failures.append(f"{case.operation.label} [{response.status_code}]: {str(exc)[:600]}")


def test_boundary_and_invalid_values_of_every_operation(callers):
    schema = _schema()
    headers = {**callers["applicant"], "Accept-Encoding": "identity"}
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = list(
            schema.iter_coverage_cases(
                operation,
                generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                generation_config=schema.config.generation_for(operation=operation),
            )
        )
        step = max(1, len(cases) // COVERAGE_PER_OPERATION)
        for case in cases[::step][:COVERAGE_PER_OPERATION]:
            response = case.call(headers=headers, app=schema.app)
            _check(case, response, headers, failures)
            sent += 1
    assert sent >= 300
    assert failures == [], "\n".join(dict.fromkeys(failures))


@pytest.mark.parametrize("role", ["applicant", "officer", "anonymous"])
def test_every_operation_answers_within_its_contract(callers, role):
    schema = _schema()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 37
    failures: list[str] = []
    for operation in operations:
        _run(operation, callers[role], failures)
    assert failures == [], "\n".join(dict.fromkeys(failures))
