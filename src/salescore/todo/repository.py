"""Todo queries: visible to the assignee's reach (owner rule) and to whoever created it."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows
from salescore.models import Todo


def todos(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Todo, principal).where(
        sa.or_(owner_visible(principal, Todo.assignee_id), Todo.created_by == principal.user_id)
    )


async def get_todo(session: AsyncSession, principal: Principal, todo_id: uuid.UUID) -> Todo:
    return await one_or_404(session, todos(principal), Todo, todo_id, "todo")
