"""Shared OpenAPI declarations: every route documents its problem+json answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ProblemFieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemFieldError] = Field(default_factory=list)


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {"application/problem+json": {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Bad request"),
    401: _problem("Missing or invalid credentials"),
    403: _problem("Authenticated but not allowed"),
    404: _problem("Not found, or not visible to the caller"),
    405: _problem("Method not allowed"),
    409: _problem("Conflict (duplicate, concurrent change, idempotent request in flight)"),
    412: _problem("If-Match does not match the current version"),
    413: _problem("Request body too large"),
    422: _problem("Validation error; `errors` names each field"),
    429: _problem("Rate limited; see Retry-After"),
    500: _problem("Unexpected server error"),
}
