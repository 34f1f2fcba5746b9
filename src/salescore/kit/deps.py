"""Request dependencies: the unit-of-work session and the authenticated principal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.outbox import discard_pending, take_pending
from salescore.kit.errors import Forbidden, TooManyRequests, Unauthorized, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.security import api_key_matches, decode_access_token, split_api_key
from salescore.kit.types import utcnow
from salescore.models import ApiKey, Team, User

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="A JWT from /api/v1/auth/token, or an API key (sk_...) from /api/v1/api-keys.",
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime_of(request: Request) -> Any:
    return request.app.state.runtime


def client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def rate_limit(request: Request, key: str, limit: int, window_seconds: int = 60) -> None:
    """Count one attempt under `key`; 429 with Retry-After once over `limit` in the window."""
    wait = await runtime_of(request).limiter.hit(key, limit, window_seconds)
    if wait is not None:
        raise TooManyRequests(wait, "too many attempts; wait before trying again")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed before the response is sent (scope="function")."""
    runtime = runtime_of(request)
    async with runtime.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            discard_pending(session)
            raise
    await runtime.publish(take_pending(session))


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_principal(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    principal = await authenticate(request, session, token)
    if request.method not in SAFE_METHODS and "write" not in principal.scopes:
        raise Forbidden("this API key has no 'write' scope")
    return principal


async def authenticate(request: Request, session: AsyncSession, token: str | None) -> Principal:
    """The principal a bearer JWT or API key names, without the write-scope check
    (GraphQL is read-only over POST, so it calls this directly)."""
    if not token:
        raise Unauthorized("missing bearer token")
    runtime = runtime_of(request)
    if (parts := split_api_key(token)) is not None:
        principal = await _principal_from_api_key(session, *parts)
    else:
        claims = decode_access_token(runtime.secret_key, token)
        if claims is None:
            raise Unauthorized("invalid or expired token")
        user = await session.scalar(
            sa.select(User).where(User.tenant_id == claims.tenant_id, User.id == claims.user_id)
        )
        principal = await _principal_for(session, user)
    request.state.principal = principal
    return principal


async def _principal_from_api_key(session: AsyncSession, prefix: str, secret: str) -> Principal:
    key = await session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None or not api_key_matches(secret, key.secret_hash):
        raise Unauthorized("invalid API key")
    user = await session.scalar(sa.select(User).where(User.tenant_id == key.tenant_id, User.id == key.user_id))
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=5):
        await session.execute(sa.update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return await _principal_for(session, user, api_key=key)


async def _principal_for(session: AsyncSession, user: User | None, api_key: ApiKey | None = None) -> Principal:
    if user is None or not user.is_active:
        raise Unauthorized("user unknown or deactivated")
    managed: set[uuid.UUID] = set()
    # Team reach matters only to managers: directors and admins see the tenant, reps their own.
    if user.role == "manager":
        managed.update(
            await session.scalars(
                sa.select(Team.id).where(Team.tenant_id == user.tenant_id, Team.manager_id == user.id)
            )
        )
        if user.team_id is not None:
            managed.add(user.team_id)
    return Principal(
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        team_id=user.team_id,
        managed_team_ids=frozenset(managed),
        api_key_id=api_key.id if api_key else None,
        scopes=frozenset(api_key.scopes) if api_key else frozenset({"read", "write"}),
        name=user.name,
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[..., Any]:
    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"requires role {' or '.join(roles)}")
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require_roles("admin"))]
ConfigWriterDep = Annotated[Principal, Depends(require_roles("director", "admin"))]


async def reject_nul_in_query(request: Request) -> None:
    """App-wide: a NUL can't reach PostgreSQL (SQLite would take it), so a query parameter
    carrying one is a validation error on every backend; bodies are checked by InModel."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise Unprocessable.field(name, "must not contain NUL (U+0000) characters")


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Unprocessable.field(field, "not a valid UUID") from exc
