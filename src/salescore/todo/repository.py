"""Todo queries: visible to the assignee's reach (owner rule) and to whoever created it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404, where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows
from salescore.models import Todo, User


def todos(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Todo, principal).where(
        sa.or_(owner_visible(principal, Todo.assignee_id), Todo.created_by == principal.user_id)
    )


def todo_list(
    principal: Principal,
    *,
    status: str | None = None,
    assignee_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    due_before: datetime | None = None,
    updated_since: datetime | None = None,
    source: str | None = None,
    due_after: datetime | None = None,
) -> sa.Select[Any]:
    """The visible todos matching the list filters shared by REST and GraphQL."""
    stmt = where_equal(
        todos(principal),
        (Todo.status, status), (Todo.assignee_id, assignee_id),
        (Todo.customer_id, customer_id), (Todo.opportunity_id, opportunity_id), (Todo.source, source),
    )
    if due_after is not None:
        stmt = stmt.where(Todo.due_at >= due_after)
    if due_before is not None:
        stmt = stmt.where(Todo.due_at < due_before)
    if updated_since is not None:
        stmt = stmt.where(Todo.updated_at >= updated_since)
    return stmt


async def get_todo(session: AsyncSession, principal: Principal, todo_id: uuid.UUID) -> Todo:
    return await one_or_404(session, todos(principal), Todo, todo_id, "todo")


async def by_dedupe_key(session: AsyncSession, tenant_id: uuid.UUID, key: str) -> Todo | None:
    return await session.scalar(sa.select(Todo).where(Todo.tenant_id == tenant_id, Todo.dedupe_key == key))


async def least_loaded_in_department(session: AsyncSession, tenant_id: uuid.UUID, department: str) -> uuid.UUID | None:
    open_count = (
        sa.select(sa.func.count(Todo.id))
        .where(Todo.tenant_id == tenant_id, Todo.assignee_id == User.id, Todo.status == "open",
               Todo.deleted_at.is_(None))
        .scalar_subquery()
    )
    return await session.scalar(
        sa.select(User.id)
        .where(User.tenant_id == tenant_id, User.department == department, User.is_active.is_(True))
        .order_by(open_count, User.created_at, User.id)
        .limit(1)
    )


async def first_admin(session: AsyncSession, tenant_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        sa.select(User.id)
        .where(User.tenant_id == tenant_id, User.role == "admin", User.is_active.is_(True))
        .order_by(User.created_at)
        .limit(1)
    )
