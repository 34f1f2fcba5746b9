"""Relay-style cursor connections over kit.pagination (newest first by created_at, id)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import strawberry

from salescore.graphql.context import GraphQLContext, bad_input
from salescore.kit.errors import Unprocessable
from salescore.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, paginate

T = TypeVar("T")
DEFAULT_FIRST = DEFAULT_LIMIT
MAX_FIRST = MAX_LIMIT
MAX_CURSOR_LENGTH = 512
FIRST_HELP = f"Page size, 1-{MAX_FIRST} (larger values are capped at {MAX_FIRST})."
AFTER_HELP = "`pageInfo.endCursor` of the previous page."


@strawberry.type(description="Forward pagination state (newest first).")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = strawberry.field(
        description="Always false: connections page forward only.", default=False
    )
    start_cursor: str | None = None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def page_size(first: int) -> int:
    if first < 1:
        raise bad_input(f"first must be between 1 and {MAX_FIRST}", "first")
    return min(first, MAX_FIRST)


def decode_after(after: str | None) -> Cursor | None:
    if not after:
        return None
    try:
        if len(after) > MAX_CURSOR_LENGTH:
            raise Unprocessable.field("after", "cursor too long")
        return Cursor.decode(after)
    except Unprocessable as exc:
        raise bad_input("invalid cursor: pass pageInfo.endCursor back unchanged", "after") from exc


def cursor_of(row: Any) -> str:
    return Cursor(row.created_at, row.id).encode()


def build(rows: Sequence[Any], has_next: bool, node: Callable[[Any], T]) -> Connection[T]:
    edges = [Edge(cursor=cursor_of(row), node=node(row)) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            end_cursor=edges[-1].cursor if edges else None,
            start_cursor=edges[0].cursor if edges else None,
        ),
    )


async def fetch_page(
    context: GraphQLContext, stmt: sa.Select[Any], model: Any, first: int, after: str | None
) -> tuple[list[Any], bool]:
    """One page of a visibility-scoped statement: (rows, has_next_page)."""
    limit = page_size(first)
    decode_after(after)  # a bad cursor is the caller's error, reported before touching the database
    rows, next_cursor = await context.run(
        lambda session: paginate(session, stmt, model, limit=limit, cursor=after or None))
    return rows, next_cursor is not None
