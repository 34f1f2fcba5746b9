"""Fixtures for delivery tests: real receivers on 127.0.0.1, and a sender driven by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from salescore.delivery.sender import send_due
from salescore.kit.types import utcnow
from tests.delivery.receiver import Receiver, Responder
from tests.support import Actor, Harness

MakeReceiver = Callable[..., Awaitable[Receiver]]


@pytest.fixture
async def receiver() -> AsyncIterator[MakeReceiver]:
    """receiver(respond=..., started=True): a started (or, for "down", only reserved) receiver;
    every one is stopped when the test ends."""
    made: list[Receiver] = []

    async def make(respond: Responder | None = None, *, started: bool = True) -> Receiver:
        r = Receiver(respond) if respond is not None else Receiver()
        made.append(r)
        return await r.start() if started else r

    yield make
    for r in made:
        await r.stop()


async def flush(h: Harness, now: datetime | None = None) -> None:
    """Run the sender at `now` until nothing more is due then (bounded: each round either sends
    a delivery or pushes it past `now`)."""
    now = now or utcnow()
    for _ in range(20):
        if await send_due(h.runtime, now=now) == 0:
            return
    raise AssertionError("the sender kept finding due deliveries")


async def get_json(h: Harness, actor: Actor, path: str) -> Any:
    r = await h.client.get(path, headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def notifications(h: Harness, actor: Actor, kind: str) -> list[dict[str, Any]]:
    items = (await get_json(h, actor, "/api/v1/notifications?limit=200"))["items"]
    return [n for n in items if n["kind"] == kind]
