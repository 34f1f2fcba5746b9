"""Todo rules. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.attachment import service as attachment_service
from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.kit.crud import apply_changes
from salescore.kit.errors import Conflict, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Todo
from salescore.opportunity import service as opportunity_service
from salescore.tenancy.service import assignable_user
from salescore.todo.schemas import MAX_ATTACHMENTS, TodoCreate, TodoUpdate


async def create_todo(session: AsyncSession, principal: Principal, data: TodoCreate) -> Todo:
    assignee = await assignable_user(
        session, principal, data.assignee_id or principal.user_id, "assignee_id", anyone=True
    )
    if data.customer_id is not None:
        await customer_service.visible_customer(session, principal, data.customer_id)
    if data.opportunity_id is not None:
        await opportunity_service.visible_opportunity(session, principal, data.opportunity_id)
    files = await attachment_service.check_attachment_ids(
        session, principal, data.attachment_ids, "attachment_ids"
    )
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
        attachment_ids=[str(a.id) for a in files],
        **data.model_dump(exclude={"assignee_id", "attachment_ids"}),
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
    if "attachment_ids" in changes:
        if changes["attachment_ids"] is None:
            raise Unprocessable.field("attachment_ids", "may not be null")
        changes["attachment_ids"] = await _attachment_ids(
            session, principal, todo, changes["attachment_ids"], keep=[]
        )
    before = snapshot(todo)
    apply_changes(todo, changes, not_null=("title", "assignee_id", "status"))
    await session.flush()
    record(session, principal, action="update", entity="todo", obj=todo, before=before)
    return todo


async def complete_todo(
    session: AsyncSession, principal: Principal, todo: Todo, attachment_ids: list[uuid.UUID] | None = None
) -> Todo:
    """Finish a todo, first adding the files given. Completing a done todo again only adds files."""
    if todo.status == "cancelled":
        raise Conflict("a cancelled todo cannot be completed; reopen it first")
    files = await _attachment_ids(session, principal, todo, attachment_ids or [], keep=todo.attachment_ids)
    completing = todo.status != "done"
    if files == todo.attachment_ids and not completing:
        return todo
    if todo.requires_attachment and not files:
        raise Unprocessable.field("attachment_ids", "this todo can only be completed with a file attached")
    before = snapshot(todo)
    todo.attachment_ids = files
    if completing:
        todo.status, todo.completed_at = "done", utcnow()
    await session.flush()
    also_emit = ("todo.completed",) if completing else ()
    record(session, principal, action="update", entity="todo", obj=todo, before=before, also_emit=also_emit)
    return todo


async def _attachment_ids(
    session: AsyncSession, principal: Principal, todo: Todo, ids: list[uuid.UUID], *, keep: list[str]
) -> list[str]:
    """`keep` followed by the visible files among `ids`, as stored (strings), at most 20. Files
    already on the todo pass unchecked: a colleague's file stays even if this caller can't see it."""
    attached = {uuid.UUID(i) for i in todo.attachment_ids}
    await attachment_service.check_attachment_ids(
        session, principal, ids, "attachment_ids", attached=attached
    )
    files = list(dict.fromkeys([*keep, *(str(i) for i in ids)]))
    if len(files) > MAX_ATTACHMENTS:
        raise Unprocessable.field("attachment_ids", f"a todo holds at most {MAX_ATTACHMENTS} files")
    return files


async def delete_todo(session: AsyncSession, principal: Principal, todo: Todo) -> None:
    before = snapshot(todo)
    todo.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="todo", obj=todo, before=before)


