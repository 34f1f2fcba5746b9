"""Helpers for the rules tests: synthetic events (for triggers whose producers come later) and reads."""

from __future__ import annotations

import uuid
from typing import Any

from salescore.events.outbox import emit, take_pending
from tests.support import Actor, Harness


async def emit_event(h: Harness, tenant_id: str, type_: str, entity: str, entity_id: str,
                     payload: dict[str, Any]) -> str:
    runtime = h.runtime
    async with runtime.sessionmaker() as session:
        event = emit(session, tenant_id=uuid.UUID(tenant_id), type=type_, entity=entity,
                     entity_id=uuid.UUID(entity_id), payload=payload)
        await session.commit()
        await runtime.publish(take_pending(session))
    await h.drain()
    return str(event.id)


async def cards(h: Harness, actor: Actor) -> list[dict[str, Any]]:
    r = await h.client.get("/api/v1/notifications?limit=200", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def todos(h: Harness, actor: Actor) -> list[dict[str, Any]]:
    r = await h.client.get("/api/v1/todos?limit=200", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def rule_by_code(h: Harness, actor: Actor, code: str) -> dict[str, Any]:
    r = await h.client.get("/api/v1/rules", headers=actor.headers)
    assert r.status_code == 200, r.text
    return next(rule for rule in r.json() if rule["code"] == code)


async def runs(h: Harness, actor: Actor, rule_id: str) -> list[dict[str, Any]]:
    r = await h.client.get(f"/api/v1/rules/{rule_id}/runs?limit=200", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]
