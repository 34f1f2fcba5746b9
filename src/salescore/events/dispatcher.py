"""Running an event's handlers: each in its own transaction, with its completion record.

The completion row commits together with the handler's effects, so a redelivered event
(sweeper, arq retry, two workers) never repeats an effect.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from salescore.events.outbox import discard_pending, take_pending
from salescore.events.registry import handlers_for
from salescore.kit.types import utcnow
from salescore.models import Event, EventHandlerRun
from salescore.ops.metrics import EVENTS_FAILED, EVENTS_PROCESSED

log = logging.getLogger("salescore.events")
Publish = Callable[[list[uuid.UUID]], Awaitable[None]]
MAX_BACKOFF = timedelta(hours=1)


async def process_event(
    sessionmaker: async_sessionmaker[AsyncSession], event_id: uuid.UUID, publish: Publish
) -> bool:
    """Run every pending handler of one event. True when the event is fully processed."""
    async with sessionmaker() as session:
        event = await session.scalar(sa.select(Event).where(Event.id == event_id))
        if event is None or event.processed_at is not None:
            return True
        handlers = handlers_for(event)
        if handlers:
            done = set(
                await session.scalars(
                    sa.select(EventHandlerRun.handler).where(EventHandlerRun.event_id == event_id)
                )
            )
            handlers = [h for h in handlers if h.name not in done]
        if not handlers:
            # Nothing (left) to run: one short transaction marks it, no per-handler sessions.
            event.processed_at, event.last_error, event.next_attempt_at = utcnow(), None, None
            await session.commit()
            EVENTS_PROCESSED.inc()
            return True
        # Handlers get a detached, fully loaded event: they must not lazy-load through it.
        session.expunge(event)

    errors: list[str] = []
    marked = False
    for index, handler in enumerate(handlers):
        async with sessionmaker() as session:
            try:
                await handler.fn(session, event)
                session.add(EventHandlerRun(event_id=event_id, handler=handler.name))
                last_of_clean_run = index == len(handlers) - 1 and not errors
                if last_of_clean_run:
                    # The last handler of a clean run marks the event too: one transaction fewer per event.
                    await session.execute(sa.update(Event).where(Event.id == event_id).values(
                        processed_at=utcnow(), last_error=None, next_attempt_at=None))
                await session.commit()
                marked = last_of_clean_run
            except IntegrityError:
                # Another delivery completed this handler first; its effects stand, ours roll back.
                await session.rollback()
                discard_pending(session)
                exists = await session.scalar(
                    sa.select(EventHandlerRun.handler).where(
                        EventHandlerRun.event_id == event_id, EventHandlerRun.handler == handler.name
                    )
                )
                if exists is None:
                    errors.append(f"{handler.name}: integrity error")
                continue
            except Exception as exc:  # a handler bug must not stop the others or lose the event
                await session.rollback()
                discard_pending(session)
                log.exception("event handler failed", extra={"event_id": str(event_id), "handler": handler.name})
                errors.append(f"{handler.name}: {type(exc).__name__}: {exc}"[:500])
                continue
            await publish(take_pending(session))

    if marked:
        EVENTS_PROCESSED.inc()
        return True
    async with sessionmaker() as session:
        now = utcnow()
        if errors:
            EVENTS_FAILED.inc()
            attempts = event.attempts + 1
            backoff = min(timedelta(seconds=5 * 2**attempts), MAX_BACKOFF)
            values = dict(attempts=attempts, last_error="; ".join(errors), next_attempt_at=now + backoff)
        else:
            EVENTS_PROCESSED.inc()
            values = dict(processed_at=now, last_error=None, next_attempt_at=None)
        await session.execute(sa.update(Event).where(Event.id == event_id).values(**values))
        await session.commit()
    return not errors


async def unprocessed_event_ids(
    session: AsyncSession, *, older_than: timedelta, limit: int = 500
) -> list[uuid.UUID]:
    """Events the queue lost or whose handlers failed and are due for another try."""
    now = utcnow()
    stmt = (
        sa.select(Event.id)
        .where(
            Event.processed_at.is_(None),
            Event.occurred_at <= now - older_than,
            sa.or_(Event.next_attempt_at.is_(None), Event.next_attempt_at <= now),
        )
        .order_by(Event.seq)
        .limit(limit)
    )
    return list(await session.scalars(stmt))
