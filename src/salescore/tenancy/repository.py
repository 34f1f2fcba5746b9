"""Every tenancy query, starting from the tenant-scoped statement."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import where_equal
from salescore.kit.errors import NotFound
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import ApiKey, Team, User


def users(principal: Principal) -> sa.Select[Any]:
    # The org chart is visible to everyone in the tenant: reps need to see who their manager is.
    return tenant_rows(User, principal)


def user_list(
    principal: Principal,
    *,
    team_id: uuid.UUID | None = None,
    role: str | None = None,
    is_active: bool | None = None,
) -> sa.Select[Any]:
    return where_equal(users(principal), (User.team_id, team_id), (User.role, role), (User.is_active, is_active))


def teams(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Team, principal)


def api_keys(principal: Principal) -> sa.Select[Any]:
    stmt = tenant_rows(ApiKey, principal)
    return stmt if principal.is_admin else stmt.where(ApiKey.user_id == principal.user_id)


async def get_user(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    user = await session.scalar(users(principal).where(User.id == user_id))
    if user is None:
        raise NotFound("user not found")
    return user


async def get_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    team = await session.scalar(teams(principal).where(Team.id == team_id))
    if team is None:
        raise NotFound("team not found")
    return team


async def get_api_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    key = await session.scalar(api_keys(principal).where(ApiKey.id == key_id))
    if key is None:
        raise NotFound("API key not found")
    return key


async def email_taken(session: AsyncSession, email: str) -> bool:
    return await session.scalar(sa.select(sa.func.count()).where(User.email == email)) > 0


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(sa.select(User).where(User.email == email))


async def team_members(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> int:
    stmt = sa.select(sa.func.count()).select_from(User).where(
        User.tenant_id == principal.tenant_id, User.team_id == team_id
    )
    return int(await session.scalar(stmt) or 0)


async def user_by_id(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    return await session.scalar(sa.select(User).where(User.tenant_id == tenant_id, User.id == user_id))
