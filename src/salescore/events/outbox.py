"""Writing domain events in the caller's transaction."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.types import new_id, utcnow
from salescore.models import Event

OUTBOX_KEY = "salescore.outbox"
# Set while a rule runs: events its actions cause carry it, so rules cannot trigger each other forever.
CAUSED_BY: ContextVar[dict[str, Any] | None] = ContextVar("salescore_caused_by", default=None)


def emit(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    type: str,
    entity: str,
    entity_id: uuid.UUID,
    actor_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Add an event row to the session; it is enqueued only once the session commits."""
    cause = CAUSED_BY.get()
    if cause is not None:
        payload = {**(payload or {}), "caused_by": cause}
    event = Event(
        id=new_id(),
        tenant_id=tenant_id,
        type=type,
        entity=entity,
        entity_id=entity_id,
        actor_id=actor_id,
        payload=payload or {},
        occurred_at=utcnow(),
        attempts=0,
    )
    session.add(event)
    session.info.setdefault(OUTBOX_KEY, []).append(event.id)
    return event


def take_pending(session: AsyncSession) -> list[uuid.UUID]:
    """The ids of events this session wrote; call after a successful commit."""
    return session.info.pop(OUTBOX_KEY, [])


def discard_pending(session: AsyncSession) -> None:
    session.info.pop(OUTBOX_KEY, None)
