"""Background work of the health domain: the whole-tenant recompute job and the weekly schedule
(Monday 02:00 tenant time, "按周刷新")."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from salescore.events.outbox import take_pending
from salescore.events.periodic import claim_mark, periodic
from salescore.health import service
from salescore.job.service import runner
from salescore.kit.types import utcnow
from salescore.models import Job, ScheduleMark, Tenant

WEEKLY_AT = time(2, 0)  # Monday, tenant time
FALLBACK_TZ = "Asia/Shanghai"


@runner(service.RECOMPUTE)
async def run_recompute(session: AsyncSession, job: Job) -> dict[str, Any]:
    return await service.recompute_tenant(session, job.tenant_id)


def weekly_key(now: datetime, tz: str, created_at: datetime | None = None) -> str | None:
    """This week's mark for a tenant in `tz`, or None before Monday 02:00 there -- and for a tenant
    created after it, whose first weekly run is next Monday's (its records are graded as they come)."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(FALLBACK_TZ)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(monday, WEEKLY_AT, tzinfo=zone)
    if local < due or (created_at is not None and created_at > due):
        return None
    year, week, _ = monday.isocalendar()
    return f"health-weekly:{year}-W{week:02d}"


async def schedule_weekly(
    sessionmaker: async_sessionmaker[AsyncSession],
    publish: Callable[[list[uuid.UUID]], Awaitable[None]],
    *,
    now: datetime,
    tenant_ids: Collection[uuid.UUID] | None = None,
) -> int:
    """Start this week's recompute for every tenant (of `tenant_ids`) past its Monday 02:00 that has
    not had it. Returns how many jobs it started."""
    async with sessionmaker() as session:
        stmt = sa.select(Tenant.id, Tenant.timezone, Tenant.created_at)
        if tenant_ids is not None:
            stmt = stmt.where(Tenant.id.in_(list(tenant_ids)))
        rows = (await session.execute(stmt)).all()
        due = {tid: key for tid, tz, created in rows if (key := weekly_key(now, tz, created))}
        if not due:
            return 0
        # One read skips the tenants already done this week, so a tick costs no insert per tenant.
        done = set((await session.execute(
            sa.select(ScheduleMark.tenant_id, ScheduleMark.key)
            .where(ScheduleMark.tenant_id.in_(list(due)), ScheduleMark.key.in_(set(due.values())))
        )).tuples())
        started = 0
        for tenant_id, key in due.items():
            if (tenant_id, key) in done or not await claim_mark(session, tenant_id, key, now):
                continue
            await service.start_recompute(session, tenant_id, requested_by=None, reason="weekly", week=key)
            started += 1
        await session.commit()
    await publish(take_pending(session))
    return started


@periodic("health.weekly", every_seconds=60)
async def weekly_recompute(runtime: Any) -> int:
    return await schedule_weekly(runtime.sessionmaker, runtime.publish, now=utcnow())
