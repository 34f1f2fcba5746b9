"""Opportunities: basic fields, status transitions with their stamps and events (§3, §5)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from salescore.models import Event
from tests.support import Harness


async def _event_types(h: Harness, tenant_id: str, entity_id: str) -> list[str]:
    async with h.runtime.sessionmaker() as s:
        rows = await s.scalars(
            sa.select(Event.type).where(Event.tenant_id == uuid.UUID(tenant_id), Event.entity_id == uuid.UUID(entity_id))
            .order_by(Event.seq)
        )
        return list(rows)


async def test_create_opportunity_defaults(h: Harness) -> None:
    org = await h.org()
    c = await h.customer(org.reps[0])
    r = await h.client.post(
        "/api/v1/opportunities",
        json={"customer_id": c["id"], "name": "滤材年度框架", "amount": "480000", "currency": "CNY",
              "stage": "报价", "expected_close_date": "2026-12-31", "competitors": ["友商A"],
              "rep_forecast_category": "commit"},
        headers=org.reps[0].headers,
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "open" and d["owner_id"] == org.reps[0].user_id
    assert d["maturity"] == 0 and d["forecast_category"] == "unqualified" and d["rep_forecast_category"] == "commit"
    assert (await h.client.get(f"/api/v1/opportunities/{d['id']}", headers=org.reps[2].headers)).status_code == 404
    bad = await h.client.post("/api/v1/opportunities", json={"customer_id": c["id"], "name": "x", "currency": "rmb"},
                              headers=org.reps[0].headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "currency"


async def test_win_lose_reopen_stamps_and_events(h: Harness) -> None:
    admin = await h.signup()
    c = await h.customer(admin)
    d = await h.opportunity(admin, c["id"])
    url = f"/api/v1/opportunities/{d['id']}"
    won = (await h.client.patch(url, json={"status": "won", "won_at": "2026-01-05T10:00:00+08:00"},
                                headers=admin.headers)).json()
    assert won["status"] == "won" and won["won_at"].startswith("2026-01-05T02:00:00")
    reopened = (await h.client.patch(url, json={"status": "open"}, headers=admin.headers)).json()
    assert reopened["won_at"] is None and reopened["status"] == "open"
    # A loss awaits its post-mortem (SPEC §10): lost_pending_review, not lost.
    lost = (await h.client.patch(url, json={"status": "lost", "lost_reason": "price"}, headers=admin.headers)).json()
    assert lost["status"] == "lost_pending_review"
    assert lost["lost_at"] is not None and lost["lost_reason"] == "price" and lost["won_at"] is None
    types = await _event_types(h, admin.tenant_id, d["id"])
    assert types == ["opportunity.created", "opportunity.updated", "opportunity.won", "opportunity.updated",
                     "opportunity.reopened", "opportunity.updated", "opportunity.lost_pending_review"]
    stray = await h.client.patch(url, json={"won_at": "2026-01-05T10:00:00+08:00"}, headers=admin.headers)
    assert stray.status_code == 422 and stray.json()["errors"][0]["field"] == "won_at"


async def test_filters(h: Harness) -> None:
    admin = await h.signup()
    c = await h.customer(admin)
    a = await h.opportunity(admin, c["id"], stage="报价")
    await h.opportunity(admin, c["id"], stage="终审")
    r = await h.client.get("/api/v1/opportunities?stage=报价&status=open", headers=admin.headers)
    assert [x["id"] for x in r.json()["items"]] == [a["id"]]
