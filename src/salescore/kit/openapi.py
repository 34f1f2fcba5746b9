"""Shared OpenAPI declarations: every route documents its problem+json answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from salescore.kit.problems import PROBLEM_JSON


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
    return {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}


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


def install_problem_openapi(app: FastAPI) -> None:
    """Document problem answers under the media type they are sent with.

    FastAPI puts an additional response's model under the route's media type
    (application/json), which left application/problem+json without a schema; move it there.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if PROBLEM_JSON in content and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return document

    app.openapi = openapi  # type: ignore[method-assign]
