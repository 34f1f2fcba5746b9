"""Helpers for the post-mortem tests: losing a deal, adding materials, reading events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from salescore.models import Event
from tests.support import Actor, Harness

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 100


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def deal_of(h: Harness, rep: Actor, **fields: Any) -> dict[str, Any]:
    customer = await h.customer(rep)
    return await h.opportunity(rep, customer["id"], **fields)


async def lose(h: Harness, who: Actor, deal_id: str, **body: Any) -> httpx.Response:
    return await h.client.post(f"/api/v1/opportunities/{deal_id}/lose", json={"reason": "price", **body},
                               headers=who.headers)


async def add(h: Harness, who: Actor, deal_id: str, kind: str, *, files: list[tuple[str, bytes]] | None = None,
              **data: str) -> httpx.Response:
    parts = [("files", (name, content)) for name, content in files or []]
    return await h.client.post(f"/api/v1/opportunities/{deal_id}/post-mortem/materials",
                               data={"kind": kind, **data}, files=parts or None, headers=who.headers)


async def post_mortem(h: Harness, who: Actor, deal_id: str) -> httpx.Response:
    return await h.client.get(f"/api/v1/opportunities/{deal_id}/post-mortem", headers=who.headers)


async def deal(h: Harness, who: Actor, deal_id: str) -> dict[str, Any]:
    r = await h.client.get(f"/api/v1/opportunities/{deal_id}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def event_types(h: Harness, tenant_id: str, entity_id: str) -> list[str]:
    async with h.runtime.sessionmaker() as s:
        rows = await s.scalars(
            sa.select(Event.type)
            .where(Event.tenant_id == uuid.UUID(tenant_id), Event.entity_id == uuid.UUID(entity_id))
            .order_by(Event.seq)
        )
        return list(rows)
