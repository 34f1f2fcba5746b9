"""Todos the system creates as the effect of an event or a response (not typed by a person).

Each carries a dedupe key, so processing the same event twice never doubles the todo.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Todo, User


async def create_system_todo(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    assignee_id: uuid.UUID,
    title: str,
    dedupe_key: str,
    source: str,
    source_ref: str | None = None,
    due_at: datetime | None = None,
    description: str | None = None,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    requires_attachment: bool = False,
    principal: Principal | None = None,
) -> Todo:
    """The todo with this dedupe key, created now unless it already exists."""
    existing = await session.scalar(sa.select(Todo).where(Todo.tenant_id == tenant_id, Todo.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    now = utcnow()
    todo = Todo(
        id=new_id(), tenant_id=tenant_id, assignee_id=assignee_id, title=title[:200], description=description,
        due_at=due_at, status="open", source=source, source_ref=source_ref, customer_id=customer_id,
        opportunity_id=opportunity_id, requires_attachment=requires_attachment,
        created_by=principal.user_id if principal else None, dedupe_key=dedupe_key, created_at=now, updated_at=now,
    )
    session.add(todo)
    await session.flush()
    record(session, principal, action="create", entity="todo", obj=todo)
    return todo


async def department_assignee(session: AsyncSession, tenant_id: uuid.UUID, department: str) -> uuid.UUID | None:
    """The active colleague of a department with the fewest open todos (ties: longest-standing)."""
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


async def admins(session: AsyncSession, tenant_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        sa.select(User.id)
        .where(User.tenant_id == tenant_id, User.role == "admin", User.is_active.is_(True))
        .order_by(User.created_at)
        .limit(1)
    )
