"""The queue carries only event ids; two implementations behind one interface.

The outbox table, not the queue, is the truth: a refused enqueue is logged and left to
the sweeper, never surfaced to the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from salescore.ops.metrics import EVENTS_ENQUEUE_FAILED

log = logging.getLogger("salescore.events")
ProcessFn = Callable[[uuid.UUID], Awaitable[bool]]
PROCESS_EVENT_JOB = "process_event"


class EventQueue(Protocol):
    async def enqueue(self, event_ids: list[uuid.UUID]) -> None: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class InProcessQueue:
    """Embedded default: an asyncio queue drained by consumer tasks in the API process."""

    def __init__(self, process: ProcessFn, consumers: int = 2) -> None:
        self._process = process
        self._queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()
        self._closing = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks = [asyncio.create_task(self._consume(), name=f"event-consumer-{i}") for i in range(consumers)]

    async def enqueue(self, event_ids: list[uuid.UUID]) -> None:
        if not self._tasks:
            return  # no consumers configured: the events wait in the outbox
        for event_id in event_ids:
            self._queue.put_nowait(event_id)

    async def _consume(self) -> None:
        while True:
            event_id = await self._queue.get()
            if self._closing:  # it stays in the outbox: the next start's sweeper offers it again
                self._queue.task_done()
                continue
            self._busy += 1
            self._idle.clear()
            try:
                await self._process(event_id)
            except Exception:
                # The event stays unprocessed in the outbox; the sweeper will offer it again.
                log.exception("event processing crashed", extra={"event_id": str(event_id)})
            finally:
                self._queue.task_done()
                self._busy -= 1
                if not self._busy:
                    self._idle.set()

    async def drain(self) -> None:
        await self._queue.join()

    async def ping(self) -> bool:
        return all(not t.done() for t in self._tasks)

    async def close(self, grace_seconds: float = 30) -> None:
        """Let events being processed finish (a database call cancelled midway leaves an aiosqlite
        connection whose close never completes, and the shutdown hung on it), then stop the idle
        consumers."""
        self._closing = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace_seconds)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class ArqQueue:
    """Production: arq over Redis. Job id = event id, so a duplicate enqueue collapses."""

    def __init__(self, redis_url: str, queue_name: str = "arq:queue") -> None:
        from arq.connections import RedisSettings

        self._queue_name = queue_name
        self._settings = RedisSettings.from_dsn(redis_url)
        self._settings.conn_timeout = 2
        self._settings.conn_retries = 0
        self._pool = None
        self._lock = asyncio.Lock()

    async def _get_pool(self):  # type: ignore[no-untyped-def]
        from arq import create_pool

        async with self._lock:
            if self._pool is None:
                self._pool = await create_pool(self._settings)
            return self._pool

    async def enqueue(self, event_ids: list[uuid.UUID]) -> None:
        if not event_ids:
            return
        try:
            pool = await self._get_pool()
            for event_id in event_ids:
                await pool.enqueue_job(
                    PROCESS_EVENT_JOB, str(event_id), _job_id=f"event:{event_id}", _queue_name=self._queue_name
                )
        except Exception as exc:  # noqa: BLE001 - the outbox keeps the event; never fail the writer
            EVENTS_ENQUEUE_FAILED.inc(len(event_ids))
            log.warning("event enqueue failed; the sweeper will retry", extra={"error": repr(exc)})
            await self._reset()

    async def ping(self) -> bool:
        try:
            pool = await self._get_pool()
            return bool(await asyncio.wait_for(pool.ping(), timeout=2))
        except Exception:  # noqa: BLE001 - readiness reports, it does not raise
            await self._reset()
            return False

    async def _reset(self) -> None:
        async with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await pool.aclose()
            except Exception as exc:  # noqa: BLE001 - the connection is already broken
                log.debug("closing a broken redis pool failed", extra={"error": repr(exc)})

    async def close(self) -> None:
        await self._reset()
