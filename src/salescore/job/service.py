"""Starting, running and reading jobs. Never commits (except `run`, which the outbox handler owns).

A domain registers a runner per job kind (`@runner("health.recompute")`): an async function of
(session, job) returning the job's result (a small JSON object). Starting a job writes the Job row
and a `job.requested` event in the caller's transaction; the event's handler runs it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.outbox import emit
from salescore.kit.errors import NotFound
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Job

log = logging.getLogger("salescore.jobs")
Runner = Callable[[AsyncSession, Job], Awaitable[dict[str, Any]]]
_RUNNERS: dict[str, Runner] = {}
REQUESTED = "job.requested"


def runner(kind: str) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        _RUNNERS[kind] = fn
        return fn

    return register


async def start_job(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    kind: str,
    params: dict[str, Any] | None = None,
    requested_by: uuid.UUID | None = None,
) -> Job:
    now = utcnow()
    job = Job(id=new_id(), tenant_id=tenant_id, kind=kind, status="queued", params=params or {},
              requested_by=requested_by, created_at=now, updated_at=now)
    session.add(job)
    await session.flush()
    emit(session, tenant_id=tenant_id, type=REQUESTED, entity="job", entity_id=job.id, actor_id=requested_by,
         payload={"job_id": str(job.id), "kind": kind})
    return job


async def get_job(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> Job:
    """Readable by whoever requested it and by directors/admins; anyone else gets 404."""
    stmt = sa.select(Job).where(Job.tenant_id == principal.tenant_id, Job.id == job_id)
    if not principal.sees_whole_tenant:
        stmt = stmt.where(Job.requested_by == principal.user_id)
    job = await session.scalar(stmt)
    if job is None:
        raise NotFound("job not found")
    return job


async def run(session: AsyncSession, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """Run one job to a final status. The `running` status is committed first so it can be seen
    while the job works; should the process die, the event is redelivered and the job runs again.
    A runner's error fails the job (recorded, not retried): its effects roll back to a savepoint."""
    job = await session.scalar(sa.select(Job).where(Job.tenant_id == tenant_id, Job.id == job_id))
    if job is None or job.status in ("succeeded", "failed"):
        return
    kind, fn = job.kind, _RUNNERS.get(job.kind)
    job.status, job.started_at, job.updated_at = "running", utcnow(), utcnow()
    await session.commit()
    try:
        if fn is None:
            raise LookupError(f"no runner for job kind {kind!r}")
        async with session.begin_nested():
            result = await fn(session, job)
    except Exception as exc:  # a failed job is a result: recorded on the job, never retried
        log.exception("job failed", extra={"job_id": str(job_id), "kind": kind})
        job.status, job.error, job.result = "failed", f"{type(exc).__name__}: {exc}"[:2000], None
    else:
        job.status, job.result = "succeeded", result
    job.finished_at = job.updated_at = utcnow()
    await session.flush()
