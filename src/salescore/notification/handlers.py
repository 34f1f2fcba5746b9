"""Event handlers that notify people in-app."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.registry import on
from salescore.models import Event
from salescore.notification import service


@on("todo.created", name="notification.todo_assigned")
async def todo_assigned(session: AsyncSession, event: Event) -> None:
    """A todo someone else assigned to you shows up as a reminder card."""
    todo = event.payload.get("record") or {}
    assignee = todo.get("assignee_id")
    if not assignee or assignee == (str(event.actor_id) if event.actor_id else None):
        return
    await service.notify(
        session,
        tenant_id=event.tenant_id,
        user_id=assignee,
        kind="todo_assigned",
        title=f"新待办: {todo.get('title', '')}"[:200],
        body=todo.get("description") or "",
        link=f"/api/v1/todos/{todo.get('id')}",
        dedupe_key=f"todo_assigned:{event.id}",
    )
