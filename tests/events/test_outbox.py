"""The outbox: events are written with the change, processed after commit, exactly once in
effect — even when the queue is down while the writes happen, or an event is delivered twice."""

from __future__ import annotations

import asyncio
import uuid
import os

import httpx
import pytest
import sqlalchemy as sa

from salescore.app import create_app
from salescore.models import Event, EventHandlerRun, Notification
from salescore.runtime import Runtime
from tests.support import Harness

REAL_REDIS = os.environ.get("SALESCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


async def _redis_answers(url: str) -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


async def _events(h: Harness, tenant_id: str) -> list[Event]:
    async with h.runtime.sessionmaker() as s:
        return list(await s.scalars(sa.select(Event).where(Event.tenant_id == uuid.UUID(tenant_id)).order_by(Event.seq)))


async def _notifications(h: Harness, tenant_id: str) -> list[Notification]:
    async with h.runtime.sessionmaker() as s:
        return list(await s.scalars(sa.select(Notification).where(Notification.tenant_id == uuid.UUID(tenant_id))))


async def test_mutation_writes_event_in_same_transaction_and_it_gets_processed(h: Harness) -> None:
    org_admin = await h.signup()
    rep = await h.add_user(org_admin, "rep")
    r = await h.client.post(
        "/api/v1/todos", json={"title": "回访客户", "assignee_id": rep.user_id}, headers=org_admin.headers
    )
    assert r.status_code == 201
    await h.drain()
    events = await _events(h, org_admin.tenant_id)
    assert [e.type for e in events].count("todo.created") == 1
    assert all(e.processed_at is not None for e in events), [(e.type, e.last_error) for e in events]
    cards = [n for n in await _notifications(h, org_admin.tenant_id) if n.kind == "todo_assigned"]
    assert len(cards) == 1 and str(cards[0].user_id) == rep.user_id


async def test_failed_write_leaves_no_event(h: Harness) -> None:
    admin = await h.signup()
    before = len(await _events(h, admin.tenant_id))
    r = await h.client.post(
        "/api/v1/todos", json={"title": "x", "assignee_id": "00000000-0000-0000-0000-000000000000"},
        headers=admin.headers,
    )
    assert r.status_code == 422
    assert len(await _events(h, admin.tenant_id)) == before


async def test_event_processed_twice_has_one_effect(h: Harness) -> None:
    admin = await h.signup()
    rep = await h.add_user(admin, "rep")
    await h.client.post("/api/v1/todos", json={"title": "A", "assignee_id": rep.user_id}, headers=admin.headers)
    await h.drain()
    todo_event = next(e for e in await _events(h, admin.tenant_id) if e.type == "todo.created")
    # Redeliver: sequentially, and twice concurrently after forgetting it was processed.
    assert await h.runtime.process(todo_event.id)
    async with h.runtime.sessionmaker() as s:
        await s.execute(sa.update(Event).where(Event.id == todo_event.id).values(processed_at=None))
        await s.commit()
    await asyncio.gather(h.runtime.process(todo_event.id), h.runtime.process(todo_event.id))
    cards = [n for n in await _notifications(h, admin.tenant_id) if n.kind == "todo_assigned"]
    assert len(cards) == 1


async def test_handler_failure_is_retried_by_sweeper_and_succeeds_once(h: Harness) -> None:
    from salescore.events.registry import on, unregister

    calls: list[str] = []

    @on("customer.created", name="test.flaky")
    async def flaky(session, event):  # noqa: ANN001
        calls.append(str(event.id))
        if len(calls) == 1:
            raise RuntimeError("boom")

    try:
        admin = await h.signup()
        await h.customer(admin)
        await h.drain()
        event = next(e for e in await _events(h, admin.tenant_id) if e.type == "customer.created")
        assert event.processed_at is None and event.attempts == 1 and "boom" in (event.last_error or "")
        async with h.runtime.sessionmaker() as s:  # make the backoff due now
            await s.execute(sa.update(Event).where(Event.id == event.id).values(next_attempt_at=None))
            await s.commit()
        from datetime import timedelta

        await h.runtime.sweep(older_than=timedelta(0))
        await h.drain()
        event = next(e for e in await _events(h, admin.tenant_id) if e.type == "customer.created")
        assert event.processed_at is not None
        assert calls.count(str(event.id)) == 2
        async with h.runtime.sessionmaker() as s:
            runs = await s.scalar(
                sa.select(sa.func.count()).select_from(EventHandlerRun).where(
                    EventHandlerRun.event_id == event.id, EventHandlerRun.handler == "test.flaky"
                )
            )
        assert runs == 1
    finally:
        unregister("test.flaky")


async def test_writes_survive_redis_outage_and_are_processed_once_when_it_returns(h: Harness) -> None:
    """§15 fault test: with the arq queue unreachable, writes succeed and events are stored;
    once Redis answers, the sweeper hands them to the worker and each takes effect once."""
    if not await _redis_answers(REAL_REDIS):
        if os.environ.get("CI") == "true" or os.environ.get("SALESCORE_TEST_BACKEND") == "postgres":
            pytest.fail(f"Redis must answer at {REAL_REDIS} for the outbox fault test")
        pytest.skip("Redis not running locally; CI runs this test")

    down = h.settings.model_copy(update={"redis_url": UNREACHABLE_REDIS})
    app_down = create_app(down)
    async with app_down.router.lifespan_context(app_down):
        transport = httpx.ASGITransport(app=app_down)
        async with httpx.AsyncClient(transport=transport, base_url="http://down") as client:
            outage = Harness(app_down, client, down)
            admin = await outage.signup()
            reps = [await outage.add_user(admin, "rep") for _ in range(3)]
            for rep in reps:
                r = await client.post(
                    "/api/v1/todos", json={"title": "断网期间的待办", "assignee_id": rep.user_id},
                    headers=admin.headers,
                )
                assert r.status_code == 201, r.text
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["queue"] == "unavailable"
            await app_down.state.runtime.drain()

    stored = await _events(h, admin.tenant_id)
    assert len([e for e in stored if e.type == "todo.created"]) == 3
    assert all(e.processed_at is None for e in stored)

    up = h.settings.model_copy(update={"redis_url": REAL_REDIS})
    runtime = await Runtime.start(up, background=False)
    try:
        from datetime import timedelta

        from salescore.worker import build_worker

        for _ in range(2):  # sweep twice: the second finds nothing left, and nothing doubles
            await runtime.sweep(older_than=timedelta(0))
            worker = build_worker(up, runtime, burst=True)
            try:
                await worker.main()
            finally:
                await worker.close()
    finally:
        await runtime.stop()

    stored = await _events(h, admin.tenant_id)
    assert all(e.processed_at is not None for e in stored), [(e.type, e.last_error) for e in stored]
    cards = [n for n in await _notifications(h, admin.tenant_id) if n.kind == "todo_assigned"]
    assert sorted(str(c.user_id) for c in cards) == sorted(r.user_id for r in reps)
