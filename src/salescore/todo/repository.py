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
from salescore.models import Todo


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
