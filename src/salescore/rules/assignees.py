"""Relative assignees resolved from the org chart at run time.

`owner` (the record's owner), `owners_manager` (the manager of the owner's team), `directors`,
`admins`, `department:<tech|product|finance|...>` and `user:<uuid>`. A todo goes to one person
(a department's least-loaded colleague; the first director); a notification goes to everyone.
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.models import Team, User
from salescore.rules.context import RuleContext
from salescore.todo.system import department_assignee

RELATIVE = ("owner", "owners_manager", "directors", "admins")
PATTERN = re.compile(r"^(owner|owners_manager|directors|admins|department:[a-z_]{1,32}|user:[0-9a-fA-F-]{36})$")


def is_valid(spec: str) -> bool:
    if not PATTERN.match(spec):
        return False
    if spec.startswith("user:"):
        try:
            uuid.UUID(spec.split(":", 1)[1])
        except ValueError:
            return False
    return True


async def _active(session: AsyncSession, tenant_id: uuid.UUID, *where: sa.ColumnElement[bool]) -> list[uuid.UUID]:
    stmt = (
        sa.select(User.id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), *where)
        .order_by(User.created_at, User.id)
    )
    return list(await session.scalars(stmt))


async def manager_of(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID | None:
    """The manager of the user's team — unless that is the user, whose manager is then a director."""
    stmt = (
        sa.select(Team.manager_id)
        .join(User, sa.and_(User.tenant_id == Team.tenant_id, User.team_id == Team.id))
        .where(User.tenant_id == tenant_id, User.id == user_id)
    )
    manager = await session.scalar(stmt)
    if manager is not None and manager != user_id:
        active = await _active(session, tenant_id, User.id == manager)
        if active:
            return manager
    directors = await _active(session, tenant_id, User.role == "director")
    return directors[0] if directors else None


async def resolve(session: AsyncSession, ctx: RuleContext, spec: str, *, single: bool) -> list[uuid.UUID]:
    tenant_id = ctx.event.tenant_id
    if spec == "owner":
        owner = ctx.owner_id()
        if owner is None:
            return []
        if await _active(session, tenant_id, User.id == owner):
            return [owner]
        # A deactivated owner cannot act: their manager takes it (until the records are reassigned).
        manager = await manager_of(session, tenant_id, owner)
        return [manager] if manager else []
    if spec == "owners_manager":
        owner = ctx.owner_id()
        manager = await manager_of(session, tenant_id, owner) if owner else None
        return [manager] if manager else []
    if spec in ("directors", "admins"):
        people = await _active(session, tenant_id, User.role == spec[:-1])
        return people[:1] if single else people
    if spec.startswith("department:"):
        department = spec.split(":", 1)[1]
        if single:
            one = await department_assignee(session, tenant_id, department)
            return [one] if one else []
        return await _active(session, tenant_id, User.department == department)
    if spec.startswith("user:"):
        return await _active(session, tenant_id, User.id == uuid.UUID(spec.split(":", 1)[1]))
    return []
