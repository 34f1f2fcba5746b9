"""Small helpers every record domain uses the same way."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.errors import NotFound, Unprocessable


async def one_or_404(session: AsyncSession, stmt: sa.Select[Any], model: Any, ident: uuid.UUID, label: str) -> Any:
    """Fetch by id from an already tenant- and visibility-scoped statement."""
    obj = await session.scalar(stmt.where(model.id == ident))
    if obj is None:
        raise NotFound(f"{label} not found")
    return obj


def reject_nulls(changes: dict[str, Any], not_null: tuple[str, ...]) -> None:
    """A PATCH may leave a field out, but may not null one the record cannot do without."""
    for field in not_null:
        if field in changes and changes[field] is None:
            raise Unprocessable.field(field, "may not be null")


def apply_changes(obj: Any, changes: dict[str, Any], *, not_null: tuple[str, ...] = ()) -> None:
    reject_nulls(changes, not_null)
    for key, value in changes.items():
        setattr(obj, key, value)


def like_pattern(q: str) -> str:
    """A LIKE pattern matching `q` literally anywhere; use with escape="\\"."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where_equal(stmt: sa.Select[Any], *pairs: tuple[Any, Any]) -> sa.Select[Any]:
    """Add `column == value` for every pair whose value was given (None means "no filter")."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
