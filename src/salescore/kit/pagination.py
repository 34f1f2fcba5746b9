"""Keyset (cursor) pagination over (created_at, id): stable under concurrent inserts."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.errors import Unprocessable

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            created, ident = json.loads(raw)
            at = datetime.fromisoformat(created)
            if at.tzinfo is None:
                raise ValueError("naive")
            return cls(at, uuid.UUID(ident))
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Unprocessable.field("cursor", "invalid cursor; pass next_cursor back unchanged") from exc


async def paginate(
    session: AsyncSession,
    stmt: sa.Select[Any],
    model: Any,
    *,
    limit: int,
    cursor: str | None,
    time_column: str = "created_at",
) -> tuple[list[Any], str | None]:
    """Newest first. Returns the rows of one page and the cursor of the next, if any."""
    at = getattr(model, time_column)
    if cursor:
        c = Cursor.decode(cursor)
        stmt = stmt.where(sa.or_(at < c.created_at, sa.and_(at == c.created_at, model.id < c.id)))
    stmt = stmt.order_by(at.desc(), model.id.desc()).limit(limit + 1)
    rows = list((await session.scalars(stmt)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = Cursor(getattr(last, time_column), last.id).encode()
    return rows, next_cursor


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1-200")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page")
]
