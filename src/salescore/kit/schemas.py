"""Base pydantic models: inputs forbid unknown fields; outputs read from ORM rows."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from salescore.kit.types import utcnow


def contains_nul(value: Any) -> bool:
    """NUL can't be stored in PostgreSQL text or JSONB; SQLite would keep it. Refuse it on input."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(contains_nul(item) for item in value)
    return False


class InModel(BaseModel):
    # No silent whitespace stripping: lengths are checked exactly as the OpenAPI schema states.
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise ValueError("must not contain NUL (U+0000) characters")
        return value


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _not_future(value: datetime | None) -> datetime | None:
    if value is not None and value > utcnow():
        raise ValueError("must not be in the future")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_8601(value: Any) -> Any:
    """Timestamps arrive as ISO 8601 text; pydantic would also read numbers (and numeric
    strings) as Unix times, so `updated_since=0.5` silently meant 1970."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value.strip())):
        return value
    raise ValueError("must be an ISO 8601 timestamp with a UTC offset, e.g. 2026-01-05T09:30:00+08:00")


def _aware(value: datetime | None) -> datetime | None:
    """Offsets are required on input; the API answers in UTC whatever offset came in."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-01-05T09:30:00+08:00")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise ValueError("out of range once converted to UTC") from exc


AwareDatetime = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_aware)]
PastDatetime = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_aware), AfterValidator(_not_future)]
def _iso_date(value: Any) -> Any:
    """Dates arrive as YYYY-MM-DD text (pydantic alone would also read a number as a Unix time)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]
CustomJSON = Annotated[dict[str, Any], Field(max_length=100)]
Day = date
