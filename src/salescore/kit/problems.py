"""RFC 9457 problem+json for every error: domain, validation, routing, database, crash."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from salescore.kit.errors import DomainError, FieldError, problem_body

log = logging.getLogger("salescore.errors")
PROBLEM_JSON = "application/problem+json"

# PostgreSQL refuses text it cannot store (a NUL in text or JSONB): bad input, not a crash.
# Inputs are checked before they get here (InModel, query parameters); this is the backstop.
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})

_HTTP_CODES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation error"),
    429: ("rate-limited", "Too many requests"),
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], headers=headers, media_type=PROBLEM_JSON)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        message = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            message = f"malformed JSON: {err.get('ctx', {}).get('error', 'could not parse')}"
            errors.append(FieldError("body", message))
            continue
        errors.append(FieldError(_field_of(tuple(err.get("loc", ()))), message))
    return errors


def allowed_methods(request: Request) -> str | None:
    """Every method of the resource a 405 was answered for (RFC 9110 §15.5.6).

    FastAPI registers one route per method, and the router's own Allow header names only the
    first route whose path matched; the resource is every route sharing that path template.
    """
    path = request.scope.get("path", "")
    matching = [
        ctx for ctx in iter_route_contexts(request.app.routes)
        if getattr(ctx, "path_regex", None) is not None and ctx.path_regex.match(path)
    ]
    if not matching:
        return None
    template = matching[0].path
    methods = {method for ctx in matching if ctx.path == template for method in ctx.methods or ()}
    return ", ".join(sorted(methods)) or None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem_response(exc.problem(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(problem_body(422, "validation-error", "Validation error", detail, errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _HTTP_CODES.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and (allow := allowed_methods(request)):
            headers["Allow"] = allow
        return problem_response(problem_body(exc.status_code, code, title, detail), headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error answered 409", extra={"error": str(exc.orig)[:300]})
        return problem_response(
            problem_body(409, "conflict", "Conflict", "the change conflicts with existing data")
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if getattr(exc.orig, "sqlstate", None) in _UNSTORABLE_TEXT:
            detail = "text must not contain NUL (U+0000) characters"
            return problem_response(problem_body(422, "validation-error", "Validation error", detail))
        return await _crash(request, exc)

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return problem_response(
            problem_body(409, "conflict", "Conflict", "the record changed concurrently; re-read and retry")
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            problem_body(500, "internal-error", "Internal server error", "an unexpected error occurred")
        )
