"""Resolver building blocks shared by the root query modules: a page of a scoped statement, a
single record through its loader or its scoped statement (null when the caller may not see it),
and the request's label language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
import strawberry
from strawberry.dataloader import DataLoader

from salescore.graphql.connections import Connection, build, fetch_page
from salescore.graphql.context import GraphQLContext
from salescore.graphql.filters import parse_id
from salescore.kit.i18n import Lang, pick_language
from salescore.kit.principal import Principal

N = TypeVar("N")
Id = Annotated[strawberry.ID, strawberry.argument(description="The record's id")]


async def connection(
    context: GraphQLContext,
    stmt: sa.Select[Any],
    model: Any,
    node: Callable[[Any], N],
    first: int,
    after: str | None,
    prime: DataLoader[str, Any] | None = None,
) -> Connection[N]:
    rows, has_next = await fetch_page(context, stmt, model, first, after)
    if prime is not None:
        context.loaders.prime(prime, rows)
    return build(rows, has_next, node)


async def loaded(loader: DataLoader[str, Any], ident: str, node: Any) -> Any:
    """A single record through its (visibility-scoped) loader; null when not visible."""
    row = await loader.load(str(parse_id(ident, "id")))
    return None if row is None else node.from_row(row)


async def lookup(
    context: GraphQLContext, scope: Callable[[Principal], sa.Select[Any]], model: Any, ident: str, node: Any
) -> Any:
    stmt = scope(context.principal).where(model.id == parse_id(ident, "id"))
    rows = await context.scalars(stmt)
    return node.from_row(rows[0]) if rows else None


def request_lang(context: GraphQLContext) -> Lang:
    """Labels follow Accept-Language, as in REST (zh-CN unless English is asked for)."""
    request = context.request
    return pick_language(request.headers.get("accept-language") if request is not None else None)
