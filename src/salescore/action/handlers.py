"""Effects of performed actions (SPEC §4), run from the outbox: each once per action.

`demo_todo` puts the demo on the owner's list for its date; `tech_confirmation_document`
generates the 《客户技术确认单》 the rep sends the customer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.document import service as document_service
from salescore.events.registry import on
from salescore.kit.workdays import local_datetime
from salescore.models import Customer, Event, Opportunity, Tenant
from salescore.todo.system import create_system_todo

DEMO_TODO_AT = time(9, 0)


async def _records(session: AsyncSession, event: Event) -> tuple[Customer | None, Opportunity | None]:
    payload = event.payload
    customer = await session.scalar(
        sa.select(Customer).where(Customer.tenant_id == event.tenant_id, Customer.id == uuid.UUID(payload["customer_id"]))
    )
    deal_filter = (
        Opportunity.id == uuid.UUID(payload["opportunity_id"]) if payload.get("opportunity_id")
        # No deal named: the customer's only open deal is the one the document is about.
        else sa.and_(Opportunity.customer_id == customer.id, Opportunity.status == "open",
                     Opportunity.deleted_at.is_(None)) if customer is not None else sa.false()
    )
    deals = list(await session.scalars(
        sa.select(Opportunity).where(Opportunity.tenant_id == event.tenant_id, deal_filter).limit(2)
    ))
    return customer, deals[0] if len(deals) == 1 else None


def _has_effect(effect: str) -> Callable[[Event], bool]:
    return lambda event: effect in (event.payload or {}).get("effects", [])


@on("action.performed", name="action.demo_todo", when=_has_effect("demo_todo"))
async def demo_todo(session: AsyncSession, event: Event) -> None:
    payload = event.payload
    if not payload.get("fields", {}).get("date"):
        return
    customer, deal = await _records(session, event)
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


@on("action.performed", name="action.tech_confirmation_document", when=_has_effect("tech_confirmation_document"))
async def tech_confirmation_document(session: AsyncSession, event: Event) -> None:
    customer, deal = await _records(session, event)
    if customer is None or customer.deleted_at is not None:
        return
    await document_service.generate_for_action(session, "tech_confirmation", event.payload, customer, deal)
