"""The GraphQL schema (read-only) and its FastAPI router, mounted at /graphql by app.py.

Same credentials and visibility as REST (see graphql/context.py). Errors are GraphQL errors in an
HTTP 200 answer, each with `extensions.code`: UNAUTHORIZED, BAD_USER_INPUT, QUERY_TOO_COSTLY, or
a validation message (depth, tokens, aliases). Unexpected failures are logged and answered as
"Unexpected error." (INTERNAL_SERVER_ERROR) without details (§13: never a stack trace).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.fastapi import GraphQLRouter
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from salescore.graphql.context import GraphQLContext, get_context
from salescore.graphql.limits import limit_extensions
from salescore.graphql.query import Query


def _unexpected(error: GraphQLError) -> bool:
    """Errors we raise on purpose are GraphQLErrors; anything else is a bug or an outage."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


class SalescoreSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if _unexpected(error):
                StrawberryLogger.error(error, execution_context)


class _MaskUnexpected(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


class _SettleStatements(SchemaExtension):
    """The answer waits for statements of cancelled resolvers (see GraphQLContext.run), so the
    request's session is idle when it commits."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, GraphQLContext):
            await context.settle()


schema = SalescoreSchema(query=Query, extensions=[*limit_extensions(), _MaskUnexpected, _SettleStatements])


def graphql_router() -> GraphQLRouter[Any, None]:
    return GraphQLRouter(
        schema, context_getter=get_context, graphql_ide="graphiql", subscription_protocols=()
    )
