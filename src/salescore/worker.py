"""`salescore worker`: arq over Redis, supervised so a dropped Redis connection restarts it.

The in-process twin for the embedded default lives in events/queue.py (InProcessQueue).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker

from salescore.config import Settings
from salescore.events.queue import PROCESS_EVENT_JOB
from salescore.runtime import Runtime

log = logging.getLogger("salescore.worker")


async def process_event_job(ctx: dict[str, Any], event_id: str) -> bool:
    runtime: Runtime = ctx["runtime"]
    return await runtime.process(uuid.UUID(event_id))


process_event_job.__qualname__ = PROCESS_EVENT_JOB
process_event_job.__name__ = PROCESS_EVENT_JOB


async def sweep_job(ctx: dict[str, Any]) -> int:
    runtime: Runtime = ctx["runtime"]
    return await runtime.sweep()


async def periodic_job(ctx: dict[str, Any]) -> dict[str, int]:
    runtime: Runtime = ctx["runtime"]
    return await runtime.run_periodic()


def build_worker(settings: Settings, runtime: Runtime, *, burst: bool = False, schedules: bool = True) -> Worker:
    """`schedules=False` leaves out the sweeper and periodic cron jobs (a burst worker that only
    drains the queue, as tests use: they sweep and run duties explicitly)."""
    assert settings.redis_url, "the arq worker needs SALESCORE_REDIS_URL"
    cron_jobs = [
        cron(sweep_job, second={0, 15, 30, 45}, run_at_startup=True, unique=True),
        cron(periodic_job, second=set(range(0, 60, 2)), unique=True),
    ]
    return Worker(
        functions=[process_event_job],
        cron_jobs=cron_jobs if schedules else [],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=settings.queue_name,
        ctx={"runtime": runtime},
        burst=burst,
        # Results are not needed (the outbox records completion) and a kept result would
        # block re-enqueueing the same event id.
        keep_result=0,
        max_tries=5,
        handle_signals=False,
        poll_delay=0.2,
    )


async def run_worker(settings: Settings) -> None:
    """Run until cancelled; rebuild the arq worker after a Redis failure, with backoff."""
    runtime = await Runtime.start(settings, background=False)
    delay = 1.0
    try:
        while True:
            worker = build_worker(settings, runtime)
            try:
                log.info("worker started", extra={"redis": settings.redis_url})
                await worker.main()
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - supervise: log, back off, reconnect
                log.exception("worker stopped; reconnecting", extra={"retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
            finally:
                await worker.close()
    finally:
        await runtime.stop()
