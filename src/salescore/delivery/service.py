"""Queueing outbound messages: one Delivery row per message and target. Never commits.

Deliveries are written in the caller's transaction (the outbox handler's, a rule run's, a
request's) with a dedupe key, so processing the same event twice never queues it twice; the
sender (sender.py) picks them up after commit.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.delivery import repository as repo
from salescore.kit.errors import Conflict
from salescore.kit.types import utcnow
from salescore.models import Delivery, Event, WebhookSubscription, WecomRobot

DEDUPE_MAX = 200
# WeChat Work refuses markdown content over 4096 bytes (UTF-8).
WECOM_MAX_BYTES = 4096
WECOM_EVENT_TYPE = "wecom.markdown"


def webhook_body(event_type: str, timestamp: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The Standard Webhooks envelope: {type, timestamp, data}."""
    return {"type": event_type, "timestamp": timestamp.isoformat(), "data": data}


def event_data(event: Event) -> dict[str, Any]:
    """`data` of an outbox event. `event_id` stays the same across replays (webhook-id does not),
    so receivers can use it to drop a message they already handled."""
    return {
        "event_id": str(event.id),
        "entity": event.entity,
        "entity_id": str(event.entity_id),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "payload": event.payload,
    }


def matches(patterns: list[str], event_type: str) -> bool:
    return any(fnmatchcase(event_type, p) for p in patterns)


async def queue_for_event(session: AsyncSession, event: Event) -> int:
    """One delivery per enabled subscription of the event's tenant whose patterns match its type.
    Returns how many were queued now (0 for an event already queued)."""
    subscriptions = [
        s for s in await repo.enabled_subscriptions(session, event.tenant_id) if matches(s.event_types, event.type)
    ]
    if not subscriptions:
        return 0
    body = webhook_body(event.type, event.occurred_at, event_data(event))
    queued = 0
    for subscription in subscriptions:
        created = await repo.insert_delivery(session, dict(
            tenant_id=event.tenant_id, channel="webhook", target_id=subscription.id, event_id=event.id,
            event_type=event.type, payload=body, dedupe_key=f"webhook:{subscription.id}:{event.id}",
        ))
        queued += created is not None
    return queued


async def queue_webhook(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    subscription_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    dedupe_key: str,
    event_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Queue `data` to one subscription (a rule's `webhook` action), whatever its patterns.

    The key is scoped to the subscription. Returns the new delivery's id; None when the key was
    already used or the subscription is disabled, deleted or not the tenant's.
    """
    enabled = {s.id for s in await repo.enabled_subscriptions(session, tenant_id)}
    if subscription_id not in enabled:
        return None
    return await repo.insert_delivery(session, dict(
        tenant_id=tenant_id, channel="webhook", target_id=subscription_id, event_id=event_id,
        event_type=event_type[:64], payload=webhook_body(event_type, utcnow(), to_jsonable_python(data)),
        dedupe_key=_scoped(f"webhook:{subscription_id}:", dedupe_key),
    ))


async def queue_wecom(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    markdown: str,
    dedupe_key: str,
    robot_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    event_type: str = WECOM_EVENT_TYPE,
) -> list[uuid.UUID]:
    """Queue a markdown message to one robot, or to every enabled robot of the tenant (robot_id
    None). The key is scoped per robot. Returns the ids of the deliveries queued now."""
    payload = wecom_payload(markdown)
    queued: list[uuid.UUID] = []
    for target in await repo.enabled_robot_ids(session, tenant_id, robot_id):
        created = await repo.insert_delivery(session, dict(
            tenant_id=tenant_id, channel="wecom", target_id=target, event_id=event_id,
            event_type=event_type[:64], payload=payload, dedupe_key=_scoped(f"wecom:{target}:", dedupe_key),
        ))
        if created is not None:
            queued.append(created)
    return queued


def wecom_payload(markdown: str) -> dict[str, Any]:
    content = markdown.encode()
    if len(content) > WECOM_MAX_BYTES:
        # Cut on a character boundary and say so, rather than have the robot refuse it (errcode 40058).
        marker = "\n…".encode()
        markdown = content[: WECOM_MAX_BYTES - len(marker)].decode(errors="ignore") + marker.decode()
    return {"msgtype": "markdown", "markdown": {"content": markdown}}


async def replay(session: AsyncSession, delivery: Delivery, target: WebhookSubscription | WecomRobot) -> uuid.UUID:
    """A new delivery of the same payload (a new webhook-id; data.event_id is unchanged)."""
    if not target.enabled:
        raise Conflict("the target is disabled; re-enable it (PATCH enabled=true) before replaying")
    created = await repo.insert_delivery(session, dict(
        tenant_id=delivery.tenant_id, channel=delivery.channel, target_id=delivery.target_id,
        event_id=delivery.event_id, event_type=delivery.event_type, payload=delivery.payload,
        replay_of=delivery.id, dedupe_key=None,
    ))
    assert created is not None  # no dedupe key: the insert cannot be skipped
    return created


def _scoped(prefix: str, key: str) -> str:
    """`prefix + key`, with over-long keys hashed so the column's limit never truncates two
    different keys into one."""
    if len(prefix) + len(key) <= DEDUPE_MAX:
        return prefix + key
    return prefix + hashlib.sha256(key.encode()).hexdigest()
