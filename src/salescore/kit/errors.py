"""Domain errors carry their HTTP status and problem type; one handler renders RFC 9457."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://salescore.dev/problems/"


class FieldError(dict[str, str]):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(field=field, message=message)


class DomainError(Exception):
    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.headers = headers or {}

    def problem(self) -> dict[str, Any]:
        return problem_body(self.status, self.code, self.title, self.detail, self.errors)


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(DomainError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(DomainError):
    status, code, title = 422, "validation-error", "Validation error"

    @classmethod
    def field(cls, field: str, message: str) -> Unprocessable:
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class TooManyRequests(DomainError):
    status, code, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


def problem_body(
    status: int, code: str, title: str, detail: str | None, errors: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "errors": list(errors or []),
    }
