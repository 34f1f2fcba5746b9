"""Claiming due deliveries for one send round, in a short transaction of its own.

A claim writes the attempt row (so in-flight sends count toward a robot's per-minute limit) and
pushes next_attempt_at out by a lease: a sender that dies mid-send leaves the delivery to be
retried once the lease ends. Claimed rows are committed before any HTTP call starts, so no
transaction (nor SQLite's write lock) is held while a receiver takes its time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.delivery import repository as repo
from salescore.kit.types import new_id
from salescore.models import Delivery, DeliveryAttempt, WebhookSubscription, WecomRobot

# Longer than a send can take (timeouts in sender.py), so a live sender's claim never lapses.
LEASE = timedelta(minutes=2)
# WeChat Work allows a robot 20 messages a minute; more are queued, not dropped.
WECOM_PER_MINUTE = 20
WECOM_WINDOW = timedelta(seconds=60)
IN_FLIGHT = "in flight: no answer recorded yet (a sender that stopped mid-send leaves this)"


@dataclass(frozen=True)
class Job:
    """Everything a send needs, detached from the session that claimed it."""

    delivery_id: uuid.UUID
    tenant_id: uuid.UUID
    attempt_id: uuid.UUID
    channel: str
    target_id: uuid.UUID
    url: str
    secret: str | None
    payload: dict[str, Any]


async def claim(session: AsyncSession, now: datetime, limit: int) -> tuple[list[Job], int]:
    """The jobs to send now, and how many deliveries were closed instead (target gone)."""
    lock = session.bind.dialect.name == "postgresql"
    due: list[Delivery] = list(await session.scalars(repo.due_deliveries(now, limit, lock=lock)))
    if not due:
        return [], 0
    keys: dict[str, set[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(set)
    for delivery in due:
        keys[delivery.channel].add((delivery.tenant_id, delivery.target_id))
    subscriptions = await repo.targets(session, WebhookSubscription, keys["webhook"], lock=False)
    robots = await repo.targets(session, WecomRobot, keys["wecom"], lock=lock)

    jobs: list[Job] = []
    closed = 0
    per_robot: dict[uuid.UUID, list[Delivery]] = defaultdict(list)
    for delivery in due:
        target = (subscriptions if delivery.channel == "webhook" else robots).get(delivery.target_id)
        if (reason := _unavailable(delivery, target)) is not None:
            delivery.status, delivery.last_error, delivery.next_attempt_at = "dead", reason, None
            closed += 1
        elif delivery.channel == "wecom":
            per_robot[delivery.target_id].append(delivery)
        else:
            jobs.append(_start(session, delivery, target, now))
    for robot_id, waiting in per_robot.items():
        jobs.extend(await _throttled(session, robots[robot_id], waiting, now))
    await session.flush()
    return jobs, closed


async def _throttled(session: AsyncSession, robot: WecomRobot, waiting: list[Delivery], now: datetime) -> list[Job]:
    """Start as many as the robot's minute allows; the rest wait until a slot frees."""
    recent = await repo.recent_attempt_times(session, robot.tenant_id, robot.id, now - WECOM_WINDOW, WECOM_PER_MINUTE)
    free = max(0, WECOM_PER_MINUTE - len(recent))
    jobs = [_start(session, delivery, robot, now) for delivery in waiting[:free]]
    if len(waiting) > free:
        window = sorted([*recent, *[now] * len(jobs)], reverse=True)[:WECOM_PER_MINUTE]
        slot = window[-1] + WECOM_WINDOW  # when the oldest try in the full window drops out of it
        for delivery in waiting[free:]:
            delivery.next_attempt_at = slot
    return jobs


def _start(session: AsyncSession, delivery: Delivery, target: Any, now: datetime) -> Job:
    attempt = DeliveryAttempt(
        id=new_id(), tenant_id=delivery.tenant_id, delivery_id=delivery.id, at=now, error=IN_FLIGHT
    )
    session.add(attempt)
    delivery.next_attempt_at = now + LEASE
    delivery.last_attempt_at = now
    return Job(
        delivery_id=delivery.id, tenant_id=delivery.tenant_id, attempt_id=attempt.id, channel=delivery.channel,
        target_id=delivery.target_id, url=target.url, secret=getattr(target, "secret", None),
        payload=delivery.payload,
    )


def _unavailable(delivery: Delivery, target: WebhookSubscription | WecomRobot | None) -> str | None:
    """Why a delivery can no longer be sent, if it can't: its target was deleted or disabled."""
    label = {"webhook": "webhook subscription", "wecom": "WeChat Work robot"}.get(delivery.channel)
    if label is None:
        return f"unknown channel {delivery.channel!r}"
    if target is None or target.tenant_id != delivery.tenant_id or target.deleted_at is not None:
        return f"{label} was deleted"
    if not target.enabled:
        why = f": {target.disabled_reason}" if target.disabled_reason else ""
        return f"{label} is disabled{why}; replay the delivery once it is re-enabled"
    return None
