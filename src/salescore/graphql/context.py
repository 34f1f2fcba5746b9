"""Per-request GraphQL context: the REST unit-of-work session, the REST principal, the loaders.

Authentication is exactly REST's (`kit.deps.authenticate`: a bearer JWT or an `sk_` API key).
A missing or bad credential does not fail the HTTP request: the context records why, and the
first resolver that needs the principal raises an `UNAUTHORIZED` GraphQL error (HTTP 200,
`data: null`). Introspection needs no principal, so GraphiQL and codegen tools can read the
schema, which is public anyway (openapi/schema.graphql).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Request
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import Info
from strawberry.fastapi import BaseContext

from salescore.graphql.loaders import Loaders
from salescore.kit.deps import SessionDep, authenticate, oauth2_scheme
from salescore.kit.errors import Unauthorized
from salescore.kit.principal import Principal

T = TypeVar("T")


def unauthorized(detail: str) -> GraphQLError:
    return GraphQLError(f"unauthorized: {detail}", extensions={"code": "UNAUTHORIZED"})


def bad_input(message: str, field: str | None = None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": "BAD_USER_INPUT"}
    if field:
        extensions["field"] = field
    return GraphQLError(message, extensions=extensions)


class GraphQLContext(BaseContext):
    def __init__(self, session: AsyncSession, principal: Principal | None, auth_error: str | None) -> None:
        super().__init__()
        self.session = session
        self._principal = principal
        self._auth_error = auth_error or "missing bearer token"
        # Sibling fields resolve concurrently, but an AsyncSession serves one statement at a time.
        self.lock = asyncio.Lock()
        self._pending: set[asyncio.Future[Any]] = set()
        self.loaders = Loaders(self)

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            raise unauthorized(self._auth_error)
        return self._principal

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`work(session)` alone on the session. Shielded: when a sibling field fails, graphql-core
        cancels the other resolvers, and a statement cancelled mid-flight breaks the connection
        the request still has to commit on. `settle()` waits for whatever is still running."""
        async def alone() -> T:
            async with self.lock:
                return await work(self.session)

        task = asyncio.ensure_future(alone())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return await asyncio.shield(task)

    async def settle(self) -> None:
        # A batch a DataLoader scheduled may start while we wait: loop until nothing runs.
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def scalars(self, stmt: sa.Select[Any]) -> list[Any]:
        return await self.run(lambda session: _all(session.scalars(stmt)))

    async def rows(self, stmt: sa.Select[Any]) -> list[Any]:
        return await self.run(lambda session: _all(session.execute(stmt)))


async def _all(result: Awaitable[Any]) -> list[Any]:
    return list((await result).all())


async def get_context(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> GraphQLContext:
    try:
        principal = await authenticate(request, session, token)
    except Unauthorized as exc:
        return GraphQLContext(session, None, exc.detail)
    return GraphQLContext(session, principal, None)


def ctx(info: Info) -> GraphQLContext:
    context: GraphQLContext = info.context
    return context
