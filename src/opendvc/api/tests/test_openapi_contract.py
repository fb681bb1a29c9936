"""The OpenAPI document tells the truth: one schema per component name, and every operation lists the
problems it can answer, described as application/problem+json."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

from opendvc.api.main import PROBLEM_MEDIA, api


def _operations():
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                yield f"{prefix.rstrip('/')}{path}", operation


def _models_in(annotation, seen: set) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models_in(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        _models_in(arg, seen)


def _component_classes() -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    for _path, operation in _operations():
        for model in operation.response_models.values():
            _models_in(model, seen)
        for params in operation.models:
            _models_in(params, seen)
    # Ninja's per-operation parameter wrappers are flattened into the operation, not components.
    return {m for m in seen if not hasattr(m, "__ninja_param_source__")}


def test_walk_finds_every_operation_and_its_schemas():
    assert len(list(_operations())) >= 37
    names = {m.__name__ for m in _component_classes()}
    assert {"DossierOut", "FeedbackOut", "DossierActionIn", "FeedbackActionIn", "Problem"} <= names


def test_no_component_name_is_defined_twice():
    """Two classes with one name overwrite each other in ``components``: the document would describe
    one endpoint with the other's schema. Checked on the routers' models, not only on the output."""
    by_name: dict[str, set[str]] = {}
    for model in _component_classes():
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    assert {name: sorted(where) for name, where in by_name.items() if len(where) > 1} == {}


def _ref(schema: dict) -> str:
    return schema.get("$ref", "").rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def test_dossier_and_feedback_actions_use_their_own_schemas(document):
    def body_ref(path):
        return _ref(
            document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        )

    assert body_ref("/api/v1/dossiers/{code}/actions") == "DossierActionIn"
    assert body_ref("/api/v1/feedback/{code}/actions") == "FeedbackActionIn"
    dossier = document["components"]["schemas"]["DossierOut"]["properties"]["timeline"]["items"]
    assert _ref(dossier) == "DossierEventOut"
    upload = document["paths"]["/api/v1/files"]["post"]["responses"]["201"]["content"][
        "application/json"
    ]
    assert _ref(upload["schema"]) == "UploadOut"
    assert "from_state" in document["components"]["schemas"]["DossierEventOut"]["properties"]
    assert "from_status" in document["components"]["schemas"]["FeedbackEventOut"]["properties"]


def _responses(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield (
                f"{method.upper()} {path}",
                operation,
                {int(s): r for s, r in operation["responses"].items()},
            )


def test_every_operation_documents_its_problems_as_problem_json(document):
    missing = []
    for name, operation, responses in _responses(document):
        errors = {s: r for s, r in responses.items() if s >= 400}
        if not errors:
            missing.append(name)
        for status, response in errors.items():
            assert list(response["content"]) == [PROBLEM_MEDIA], (name, status)
            assert _ref(response["content"][PROBLEM_MEDIA]["schema"]) == "Problem", (name, status)
        if operation.get("security"):
            assert {401, 403} <= errors.keys(), name
        if "requestBody" in operation:
            assert {400, 413, 415, 422} <= errors.keys(), name
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert 404 in errors, name
    assert missing == []


@pytest.mark.parametrize(
    ("operation", "statuses"),
    [
        ("POST /api/v1/dossiers/{code}/actions", {409, 422}),
        ("POST /api/v1/feedback/{code}/actions", {409, 422}),
        ("POST /api/v1/feedback/public", {429, 422}),
        ("GET /api/v1/public/dossiers/{code}", {404, 429}),
        ("POST /api/v1/files", {413, 422}),
        ("PUT /api/v1/accounts/profile", {409, 422}),
        ("POST /api/v1/procedures/{code}/form/validate", {404, 422}),
    ],
)
def test_rule_specific_problems_are_declared(document, operation, statuses):
    found = {name: set(responses) for name, _op, responses in _responses(document)}
    assert statuses <= found[operation]


def test_problem_schema_allows_the_extra_fields_problems_carry(document):
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    assert problem.get("additionalProperties") is True


def test_every_operation_is_in_one_described_group(document):
    """The documentation groups the operations by the tags the document describes, in its order: each
    operation names exactly one of them, and no described group is empty."""
    described = [tag["name"] for tag in document["tags"]]
    assert len(described) == len(set(described))
    assert all(tag["description"] for tag in document["tags"])
    used = set()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert len(operation.get("tags", [])) == 1, f"{method} {path}"
            assert operation["tags"][0] in described, f"{method} {path}: {operation['tags']}"
            used.add(operation["tags"][0])
    assert used == set(described)


def test_every_successful_answer_has_a_described_shape(document):
    """No operation answers an undescribed object (Ninja's ``dict`` gives ``{"type": "object",
    "additionalProperties": true}`` and nothing else): a client reads each field from the document."""
    bare = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                for content in response.get("content", {}).values():
                    schema = content.get("schema", {})
                    if schema.get("type") == "object" and not schema.get("properties"):
                        bare.append(f"{method} {path} {status}")
    assert bare == []
