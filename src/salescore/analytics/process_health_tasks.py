"""The daily process health index: once a tenant's day is over (tenant time), compute and store it,
once per tenant and day (the schedule mark `process-health:{date}` says it is stored)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from salescore.analytics import process_health
from salescore.analytics.process_health_repository import mark_key
from salescore.events.periodic import periodic
from salescore.kit.types import utcnow
from salescore.kit.workdays import local_date
from salescore.models import ScheduleMark, Tenant


async def store_yesterday(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, tenant_ids: Collection[uuid.UUID] | None = None
) -> int:
    """Compute each tenant's yesterday unless already stored; returns how many tenants it computed."""
    stmt = sa.select(Tenant.id, Tenant.timezone)
    if tenant_ids is not None:
        stmt = stmt.where(Tenant.id.in_(list(tenant_ids)))
    async with sessionmaker() as session:
        tenants = [(tid, local_date(now, tz) - timedelta(days=1)) for tid, tz in (await session.execute(stmt)).all()]
        # Every tenant's yesterday is one of at most a few dates: skip the done ones in one query.
        keys = {mark_key(day) for _, day in tenants}
        done = set((await session.execute(sa.select(ScheduleMark.tenant_id, ScheduleMark.key).where(
            ScheduleMark.key.in_(keys)))).tuples().all()) if keys else set()
    computed = 0
    for tenant_id, day in tenants:
        if (tenant_id, mark_key(day)) in done:
            continue
        async with sessionmaker() as session:
            # the lock, then the check: a request computing the same day meanwhile is waited for
            computed += bool(await process_health.compute_missing(session, tenant_id, [day]))
            await session.commit()
    return computed


@periodic("analytics.process_health", every_seconds=300)
async def daily_process_health(runtime: Any) -> int:
    return await store_yesterday(runtime.sessionmaker, now=utcnow())
