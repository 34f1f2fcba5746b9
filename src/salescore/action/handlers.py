"""Effects of performed actions (SPEC §4), run from the outbox: each once per action.

`demo_todo` puts the demo on the owner's list for its date. The `tech_confirmation_document` effect
(the 《客户技术确认单》) is run by the default rule of that name (rules/defaults.py), so a director can
see and switch it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.document import service as document_service
from salescore.events.registry import on
from salescore.kit.workdays import local_datetime
from salescore.models import Event, Tenant
from salescore.todo.system import create_system_todo

DEMO_TODO_AT = time(9, 0)


def _has_effect(effect: str) -> Callable[[Event], bool]:
    return lambda event: effect in (event.payload or {}).get("effects", [])


@on("action.performed", name="action.demo_todo", when=_has_effect("demo_todo"))
async def demo_todo(session: AsyncSession, event: Event) -> None:
    payload = event.payload
    if not payload.get("fields", {}).get("date"):
        return
    customer, deal = await document_service.customer_and_deal(session, event.tenant_id, event.payload)
    if customer is None or customer.deleted_at is not None:
        return
    tenant = await session.get(Tenant, event.tenant_id)
    owner = (deal.owner_id if deal else None) or customer.owner_id or uuid.UUID(payload["user_id"])
    day = date.fromisoformat(payload["fields"]["date"])
    await create_system_todo(
        session, tenant_id=event.tenant_id, assignee_id=owner, title=f"现场演示：{customer.name}",
        due_at=local_datetime(day, DEMO_TODO_AT, tenant.timezone if tenant else "Asia/Shanghai"),
        source="action", source_ref=payload["action_id"], customer_id=customer.id,
        opportunity_id=deal.id if deal else None, dedupe_key=f"action:{payload['action_id']}:demo_todo",
    )
