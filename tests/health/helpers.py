"""Records for the health tests, through the real API; times relative to now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from salescore.models import Customer, Event, GradeChange
from tests.support import Actor, Harness


def ago(days: float, *, now: datetime | None = None) -> str:
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat()


async def follow_up(h: Harness, actor: Actor, customer_id: str, days_ago: float, channel: str = "call", *,
                    contacts: list[str] | None = None, actions: list[dict[str, Any]] | None = None,
                    summary: str = "跟进") -> dict[str, Any]:
    body: dict[str, Any] = {"customer_id": customer_id, "channel": channel, "occurred_at": ago(days_ago),
                            "summary": summary}
    if contacts:
        body["contact_ids"] = contacts
    if actions:
        body["actions"] = actions
    r = await h.client.post("/api/v1/follow-ups", json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def contact(h: Harness, actor: Actor, customer_id: str, role: str, name: str = "联系人") -> str:
    r = await h.client.post(f"/api/v1/customers/{customer_id}/contacts", headers=actor.headers,
                            json={"name": name, "decision_role": role})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def competitor(name: str = "友商A", note: str = "对方报价低10%") -> dict[str, Any]:
    return {"code": "competitor_feedback", "fields": {"competitor": name, "note": note}}


ALL_FLAGS = {"drawings": True, "tech_params": True, "budget_range": True}


async def health(h: Harness, actor: Actor, customer_id: str) -> dict[str, Any]:
    r = await h.client.get(f"/api/v1/customers/{customer_id}/health", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


def indicators(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in body["indicators"]}


async def stored(h: Harness, customer_id: str) -> Customer:
    async with h.runtime.sessionmaker() as session:
        return (await session.execute(sa.select(Customer).where(Customer.id == uuid.UUID(customer_id)))).scalar_one()


async def grade_changes(h: Harness, customer_id: str) -> list[GradeChange]:
    async with h.runtime.sessionmaker() as session:
        return list(await session.scalars(
            sa.select(GradeChange).where(GradeChange.customer_id == uuid.UUID(customer_id)).order_by(GradeChange.at)
        ))


async def grade_events(h: Harness, customer_id: str) -> list[Event]:
    async with h.runtime.sessionmaker() as session:
        return list(await session.scalars(
            sa.select(Event).where(Event.type == "customer.grade_changed", Event.entity_id == uuid.UUID(customer_id))
            .order_by(Event.seq)
        ))
