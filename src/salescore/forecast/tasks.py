"""The monthly forecast snapshot: at the start of each month (tenant time), once per tenant and
currency in play, so forecast accuracy can compare what was forecast with what was won."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from salescore.events.periodic import claim_mark, periodic
from salescore.forecast.accuracy import currencies_in_play, take_snapshot
from salescore.forecast.service import period_of
from salescore.kit.types import utcnow
from salescore.models import ScheduleMark, Tenant


async def snapshot_month(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, tenant_ids: Collection[uuid.UUID] | None = None
) -> int:
    stmt = sa.select(Tenant.id, Tenant.timezone, Tenant.created_at)
    if tenant_ids is not None:
        stmt = stmt.where(Tenant.id.in_(list(tenant_ids)))
    async with sessionmaker() as session:
        tenants = (await session.execute(stmt)).all()
    taken = 0
    for tenant_id, tz, created_at in tenants:
        period = period_of(now, tz)
        if created_at > period.start(tz):
            continue  # a tenant created mid-month has its first snapshot next month
        async with sessionmaker() as session:
            done = set(await session.scalars(sa.select(ScheduleMark.key).where(
                ScheduleMark.tenant_id == tenant_id, ScheduleMark.key.like(f"forecast-monthly:{period.code}:%"))))
            for currency in await currencies_in_play(session, tenant_id):
                key = f"forecast-monthly:{period.code}:{currency}"
                if key not in done and await claim_mark(session, tenant_id, key, now):
                    await take_snapshot(session, tenant_id, period=period, currency=currency, kind="monthly",
                                        created_by=None)
                    taken += 1
            await session.commit()
    return taken


@periodic("forecast.monthly", every_seconds=300)
async def monthly_snapshots(runtime: Any) -> int:
    return await snapshot_month(runtime.sessionmaker, now=utcnow())
