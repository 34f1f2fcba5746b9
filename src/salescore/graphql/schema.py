"""The GraphQL schema and its FastAPI router (placeholder wiring; see graphql/ types)."""

from __future__ import annotations

import strawberry
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Query:
    @strawberry.field
    def version(self) -> str:
        from salescore import __version__

        return __version__


schema = strawberry.Schema(query=Query)


def graphql_router() -> GraphQLRouter:
    return GraphQLRouter(schema)
