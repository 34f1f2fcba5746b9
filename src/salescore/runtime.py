"""The process-wide runtime: engine, sessions, event queue, background loops.

The API process and the worker each build one. Embedded default (no REDIS_URL): events run
on an in-process queue and the sweeper loops inside the API process. With REDIS_URL the API
only enqueues to arq and `salescore worker` does the processing and sweeping.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from salescore import handlers  # noqa: F401 - registers every domain's event handlers
from salescore.config import Settings
from salescore.events.dispatcher import process_event, unprocessed_event_ids
from salescore.events.periodic import duties
from salescore.events.queue import ArqQueue, EventQueue, InProcessQueue
from salescore.kit import storage
from salescore.kit.db import create_engine, create_sessionmaker
from salescore.kit.ratelimit import RateLimiter, build_rate_limiter
from salescore.kit.security import configure_password_hashing
from salescore.kit.types import utcnow
from salescore.models import IdempotencyKey
from salescore.ops.metrics import EVENTS_SWEPT

log = logging.getLogger("salescore.runtime")


STOP_GRACE_SECONDS = 30


class Runtime:
    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        self.secret_key = settings.resolved_secret_key()
        configure_password_hashing(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
        storage.configure(settings.storage_dir)
        self.queue: EventQueue
        self.limiter: RateLimiter = build_rate_limiter(settings.redis_url)
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    @classmethod
    async def start(cls, settings: Settings, *, background: bool = True) -> Runtime:
        runtime = cls(settings, create_engine(settings.database_url))
        if settings.redis_url:
            runtime.queue = ArqQueue(settings.redis_url, settings.queue_name)
        else:
            runtime.queue = InProcessQueue(runtime.process, consumers=settings.event_consumers)
            if background:
                runtime._loops.append(asyncio.create_task(runtime._sweep_forever(), name="sweeper"))
                runtime._loops.append(asyncio.create_task(runtime._periodic_forever(), name="periodic"))
        return runtime

    @property
    def embedded(self) -> bool:
        return isinstance(self.queue, InProcessQueue)

    async def process(self, event_id: uuid.UUID) -> bool:
        return await process_event(self.sessionmaker, event_id, self.publish)

    async def publish(self, event_ids: list[uuid.UUID]) -> None:
        """Hand committed events to the queue without making the writer wait on Redis."""
        if not event_ids:
            return
        if self.embedded:
            await self.queue.enqueue(event_ids)
            return
        task = asyncio.create_task(self.queue.enqueue(event_ids))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def sweep(self, *, older_than: timedelta | None = None) -> int:
        """Re-enqueue events that were never processed (queue outage, crash, failed handler)."""
        grace = older_than if older_than is not None else timedelta(seconds=self.settings.sweeper_grace_seconds)
        async with self.sessionmaker() as session:
            ids = await unprocessed_event_ids(session, older_than=grace)
            cutoff = utcnow() - timedelta(hours=self.settings.idempotency_ttl_hours)
            await session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
            await session.commit()
        if ids:
            EVENTS_SWEPT.inc(len(ids))
            await self.queue.enqueue(ids)
        return len(ids)

    async def _pause(self, seconds: float) -> bool:
        """Sleep between rounds of a background loop; False once the runtime is stopping."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    async def _sweep_forever(self) -> None:
        while await self._pause(self.settings.sweeper_interval_seconds):
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep failed; retrying next interval")

    async def run_periodic(self, *, force: bool = False) -> dict[str, int]:
        """Run the periodic duties that are due (all of them with force); a failing one is logged."""
        done: dict[str, int] = {}
        for duty in duties(force=force):
            try:
                done[duty.name] = await duty.fn(self)
            except Exception:
                log.exception("periodic duty failed", extra={"duty": duty.name})
                done[duty.name] = -1
        return done

    async def _periodic_forever(self) -> None:
        while await self._pause(self.settings.periodic_tick_seconds):
            await self.run_periodic()

    async def drain(self) -> None:
        """Wait until enqueued work has been handed over (and, embedded, processed)."""
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
        if isinstance(self.queue, InProcessQueue):
            await self.queue.drain()

    async def ping_database(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), timeout=3)
            return True
        except Exception:  # noqa: BLE001 - readiness reports, it does not raise
            log.warning("database ping failed", exc_info=True)
            return False

    async def stop(self) -> None:
        # Loops finish the round they are in: a database call cancelled midway can leave an aiosqlite
        # connection that never closes (the shutdown then hung). Only a round over the grace is cut.
        self._stopping.set()
        if self._loops:
            _, late = await asyncio.wait(self._loops, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._loops, return_exceptions=True)
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
        await self.queue.close()
        await self.limiter.close()
        await self.engine.dispose()
