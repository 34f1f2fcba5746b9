"""Runs requested jobs from the outbox (see job/service.py)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.registry import on
from salescore.job import service
from salescore.models import Event


@on(service.REQUESTED, name="job.run")
async def run_job(session: AsyncSession, event: Event) -> None:
    await service.run(session, event.tenant_id, uuid.UUID(event.payload["job_id"]))
