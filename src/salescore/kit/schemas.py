"""Base pydantic models: inputs forbid unknown fields; outputs read from ORM rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from salescore.kit.types import utcnow


class InModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _not_future(value: datetime | None) -> datetime | None:
    if value is not None and value > utcnow():
        raise ValueError("must not be in the future")
    return value


def _aware(value: datetime | None) -> datetime | None:
    """Offsets are required on input; the API answers in UTC whatever offset came in."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-01-05T09:30:00+08:00")
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
PastDatetime = Annotated[datetime, AfterValidator(_aware), AfterValidator(_not_future)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]
CustomJSON = Annotated[dict[str, Any], Field(max_length=100)]
Day = date
