"""Todo rules. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.kit.crud import apply_changes
from salescore.kit.errors import Conflict, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Todo
from salescore.opportunity import service as opportunity_service
from salescore.tenancy.service import assignable_user
from salescore.todo.schemas import TodoCreate, TodoUpdate


async def create_todo(session: AsyncSession, principal: Principal, data: TodoCreate) -> Todo:
    assignee = await assignable_user(
        session, principal, data.assignee_id or principal.user_id, "assignee_id", anyone=True
    )
    if data.customer_id is not None:
        await customer_service.visible_customer(session, principal, data.customer_id)
    if data.opportunity_id is not None:
        await opportunity_service.visible_opportunity(session, principal, data.opportunity_id)
    now = utcnow()
    todo = Todo(
        id=new_id(),
        tenant_id=principal.tenant_id,
        assignee_id=assignee.id,
        created_by=principal.user_id,
        source="manual",
        status="open",
        created_at=now,
        updated_at=now,
        **data.model_dump(exclude={"assignee_id"}),
    )
    session.add(todo)
    await session.flush()
    record(session, principal, action="create", entity="todo", obj=todo)
    return todo


async def update_todo(session: AsyncSession, principal: Principal, todo: Todo, data: TodoUpdate) -> Todo:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("assignee_id") is not None:
        await assignable_user(session, principal, changes["assignee_id"], "assignee_id", anyone=True)
    if "status" in changes and changes["status"] == "open":
        changes["completed_at"] = None
    before = snapshot(todo)
    apply_changes(todo, changes, not_null=("title", "assignee_id", "status"))
    await session.flush()
    record(session, principal, action="update", entity="todo", obj=todo, before=before)
    return todo


async def complete_todo(session: AsyncSession, principal: Principal, todo: Todo) -> Todo:
    if todo.status == "done":
        return todo
    if todo.status == "cancelled":
        raise Conflict("a cancelled todo cannot be completed; reopen it first")
    if todo.requires_attachment:
        raise Unprocessable.field("attachment_ids", "this todo can only be completed with a file attached")
    before = snapshot(todo)
    todo.status, todo.completed_at = "done", utcnow()
    await session.flush()
    record(session, principal, action="update", entity="todo", obj=todo, before=before, also_emit=("todo.completed",))
    return todo


async def delete_todo(session: AsyncSession, principal: Principal, todo: Todo) -> None:
    before = snapshot(todo)
    todo.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="todo", obj=todo, before=before)


