"""REST's answers as GraphQL errors: a 403 is a FORBIDDEN error, a 422 BAD_USER_INPUT, a 404 null.

Domain services raise domain errors (kit.errors); resolvers that call a service go through
`service_call` (or `service_lookup` for a single record), so a rule answers alike on both APIs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import GraphQLError

from salescore.graphql.context import GraphQLContext, bad_input
from salescore.kit.errors import Forbidden, NotFound, Unprocessable
from salescore.kit.principal import Principal

T = TypeVar("T")


def forbidden(detail: str) -> GraphQLError:
    return GraphQLError(f"forbidden: {detail}", extensions={"code": "FORBIDDEN"})


def require_roles(principal: Principal, *roles: str) -> Principal:
    """kit.deps.require_roles for GraphQL: the same roles, the same message."""
    if principal.role not in roles:
        raise forbidden(f"requires role {' or '.join(roles)}")
    return principal


def _camel(field: str) -> str:
    """A REST field name (`team_id`, `indicators.0.code`) as GraphQL spells it (`teamId`)."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), field)


async def service_call(
    context: GraphQLContext, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
) -> T:
    """`fn(session, *args, **kwargs)` under the session lock, its 403 and 422 as GraphQL errors."""
    try:
        return await context.run(lambda session: fn(session, *args, **kwargs))
    except Forbidden as exc:
        raise forbidden(exc.detail) from exc
    except Unprocessable as exc:
        field = exc.errors[0]["field"] if exc.errors else None
        if field is None:
            raise bad_input(exc.detail) from exc
        raise bad_input(f"{_camel(field)}: {exc.errors[0]['message']}", _camel(field)) from exc


async def service_lookup(
    context: GraphQLContext, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
) -> T | None:
    """A single record through its service: not found or not visible (REST's 404) is null."""
    try:
        return await service_call(context, fn, *args, **kwargs)
    except NotFound:
        return None
