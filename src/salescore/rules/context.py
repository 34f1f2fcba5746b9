"""What a rule sees: the event, the record it is about, and that record's customer and deal.

Values are JSON-shaped (strings, numbers, booleans, null, lists, objects), the same shape the
change feed and webhooks show, so a condition means the same thing everywhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import snapshot
from salescore.models import (
    ActionRecord, Contact, Customer, DailyReport, Document, Event, FollowUp, Opportunity, Tenant, Todo, User,
)

RECORD_MODELS: dict[str, Any] = {
    "customer": Customer, "opportunity": Opportunity, "follow_up": FollowUp, "todo": Todo,
    "document": Document, "user": User, "daily_report": DailyReport, "contact": Contact, "action": ActionRecord,
}


@dataclass
class RuleContext:
    event: Event
    timezone: str
    record: dict[str, Any] = field(default_factory=dict)
    customer: dict[str, Any] = field(default_factory=dict)
    opportunity: dict[str, Any] = field(default_factory=dict)

    def as_condition_input(self) -> dict[str, Any]:
        e = self.event
        return {
            "event": {"type": e.type, "entity": e.entity, "entity_id": str(e.entity_id),
                      "actor_id": str(e.actor_id) if e.actor_id else None,
                      "occurred_at": e.occurred_at.isoformat()},
            "payload": to_jsonable_python(e.payload or {}),
            "record": self.record, "customer": self.customer, "opportunity": self.opportunity,
        }

    def ref(self, name: str) -> uuid.UUID | None:
        """An id the event is about: `customer_id`, `opportunity_id`, ... from the records or payload."""
        for source in (self.record, self.event.payload or {}):
            value = as_uuid(source.get(name))
            if value:
                return value
        if name == "customer_id" and self.customer.get("id"):
            return uuid.UUID(self.customer["id"])
        if name == "opportunity_id" and self.opportunity.get("id"):
            return uuid.UUID(self.opportunity["id"])
        return None

    def owner_id(self) -> uuid.UUID | None:
        """Whose record this is: the deal's or customer's owner, the author, the assignee, the user."""
        candidates = (
            self.opportunity.get("owner_id"), self.customer.get("owner_id"), self.record.get("owner_id"),
            self.record.get("user_id"), self.record.get("assignee_id"),
            (self.event.payload or {}).get("owner_id"), (self.event.payload or {}).get("user_id"),
            self.record.get("id") if self.event.entity == "user" else None,
        )
        for value in candidates:
            if as_uuid(value):
                return as_uuid(value)
        return None


def as_uuid(value: Any) -> uuid.UUID | None:
    """An id from a payload, or None when it is not one (a dry run's event is typed by hand)."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def _row(session: AsyncSession, model: Any, tenant_id: uuid.UUID, row_id: Any) -> dict[str, Any]:
    row_uuid = as_uuid(row_id)
    if row_uuid is None:
        return {}
    obj = await session.scalar(sa.select(model).where(model.tenant_id == tenant_id, model.id == row_uuid))
    return snapshot(obj) if obj is not None else {}


async def build_context(session: AsyncSession, event: Event) -> RuleContext:
    tenant = await session.get(Tenant, event.tenant_id)
    ctx = RuleContext(event=event, timezone=tenant.timezone if tenant else "Asia/Shanghai")
    model = RECORD_MODELS.get(event.entity)
    if model is not None:
        ctx.record = await _row(session, model, event.tenant_id, event.entity_id)
    payload = event.payload or {}
    if event.entity == "customer":
        ctx.customer = ctx.record
    else:
        ctx.customer = await _row(session, Customer, event.tenant_id,
                                  ctx.record.get("customer_id") or payload.get("customer_id"))
    if event.entity == "opportunity":
        ctx.opportunity = ctx.record
    else:
        ctx.opportunity = await _row(session, Opportunity, event.tenant_id,
                                     ctx.record.get("opportunity_id") or payload.get("opportunity_id"))
    return ctx
