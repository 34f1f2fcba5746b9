"""Todos the system creates as the effect of an event or a response (not typed by a person).

Each carries a dedupe key, so processing the same event twice never doubles the todo.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Todo
from salescore.todo import repository as repo


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
    escalate_to: str | None = None,
    principal: Principal | None = None,
) -> Todo:
    """The todo with this dedupe key, created now unless it already exists."""
    existing = await repo.by_dedupe_key(session, tenant_id, dedupe_key)
    if existing is not None:
        return existing
    now = utcnow()
    todo = Todo(
        id=new_id(), tenant_id=tenant_id, assignee_id=assignee_id, title=title[:200], description=description,
        due_at=due_at, status="open", source=source, source_ref=source_ref, customer_id=customer_id,
        opportunity_id=opportunity_id, requires_attachment=requires_attachment, escalate_to=escalate_to,
        created_by=principal.user_id if principal else None, dedupe_key=dedupe_key, created_at=now, updated_at=now,
    )
    session.add(todo)
    await session.flush()
    record(session, principal, action="create", entity="todo", obj=todo)
    return todo


async def department_assignee(session: AsyncSession, tenant_id: uuid.UUID, department: str) -> uuid.UUID | None:
    """The active colleague of a department with the fewest open todos (ties: longest-standing)."""
    return await repo.least_loaded_in_department(session, tenant_id, department)


async def first_admin(session: AsyncSession, tenant_id: uuid.UUID) -> uuid.UUID | None:
    return await repo.first_admin(session, tenant_id)
