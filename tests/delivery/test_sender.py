"""The sender's claims: concurrent senders never send one delivery twice, and a sender that dies
mid-send leaves its deliveries to be retried once the lease runs out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import sqlalchemy as sa

from salescore.delivery.claim import IN_FLIGHT, LEASE, claim
from salescore.delivery.sender import send_due
from salescore.delivery.service import queue_webhook
from salescore.kit.types import utcnow
from salescore.models import Delivery, DeliveryAttempt
from tests.delivery.conftest import MakeReceiver, flush
from tests.support import Harness


async def _webhook_with_deliveries(h: Harness, url: str, count: int) -> list[uuid.UUID]:
    admin = await h.signup()
    r = await h.client.post("/api/v1/webhooks", json={"url": url, "event_types": ["nothing.*"]}, headers=admin.headers)
    assert r.status_code == 201, r.text
    ids = []
    async with h.runtime.sessionmaker() as session:
        for n in range(count):
            ids.append(await queue_webhook(
                session, tenant_id=uuid.UUID(admin.tenant_id), subscription_id=uuid.UUID(r.json()["id"]),
                event_type="rule.fired", data={"n": n}, dedupe_key=f"rule:{n}",
            ))
        # The same key again is the same delivery.
        assert await queue_webhook(
            session, tenant_id=uuid.UUID(admin.tenant_id), subscription_id=uuid.UUID(r.json()["id"]),
            event_type="rule.fired", data={"n": 0}, dedupe_key="rule:0",
        ) is None
        await session.commit()
    assert all(ids)
    return [i for i in ids if i is not None]


async def test_concurrent_senders_send_each_delivery_once(h: Harness, receiver: MakeReceiver) -> None:
    server = await receiver()
    ids = await _webhook_with_deliveries(h, server.url, 12)
    await asyncio.gather(*(send_due(h.runtime) for _ in range(4)))
    await flush(h)
    assert sorted(r.headers["webhook-id"] for r in server.requests) == sorted(str(i) for i in ids)
    assert sorted(r.json()["data"]["n"] for r in server.requests) == list(range(12))


async def test_a_sender_that_died_mid_send_is_taken_over_after_the_lease(h: Harness, receiver: MakeReceiver) -> None:
    server = await receiver()
    [delivery_id] = await _webhook_with_deliveries(h, server.url, 1)
    t0 = utcnow()
    async with h.runtime.sessionmaker() as session:  # claims, commits, then "crashes" before sending
        jobs, _ = await claim(session, t0, 500)
        await session.commit()
    assert delivery_id in {j.delivery_id for j in jobs}
    await flush(h, t0 + LEASE - timedelta(seconds=1))  # still leased: nobody else sends it
    assert server.requests == []
    await flush(h, t0 + LEASE)
    assert [r.headers["webhook-id"] for r in server.requests] == [str(delivery_id)]
    async with h.runtime.sessionmaker() as session:
        status = await session.scalar(sa.select(Delivery.status).where(Delivery.id == delivery_id))
        errors = list(await session.scalars(
            sa.select(DeliveryAttempt.error).where(DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.at)
        ))
    assert status == "succeeded" and errors == [IN_FLIGHT, None]
