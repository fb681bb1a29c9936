"""The problem document (RFC 9457) as a schema, and the problem responses each operation declares.

Operations declare the problems that come from their own rules (``409`` for an action not open in the
current state, ``429`` for a rate limit, ``404`` for an unknown code…) with :func:`problems`; the ones
that come from the transport are added to every operation by the OpenAPI document itself
(:func:`opendvc.api.main.transport_problems`).
"""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict

PROBLEM_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)


class Problem(Schema):
    """``application/problem+json``: a stable ``code``, a Vietnamese ``detail``; some problems add fields
    (``errors`` with the location of each invalid field, ``limit_bytes``, ``allowed``…)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """``response={200: Out, **problems(404, 409)}``: the problem responses of an operation's own rules."""
    unknown = set(statuses) - set(PROBLEM_STATUSES)
    if unknown:
        raise ValueError(f"not a problem status: {sorted(unknown)}")
    return dict.fromkeys(statuses, Problem)
