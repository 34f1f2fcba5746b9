"""The tenant-data side of the quick-screen: each answer is one aggregate in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.principal import Principal
from salescore.kit.sqlstats import MEDIAN, hours_between, percentile
from salescore.kit.types import GUID, UTCDateTime
from salescore.kit.visibility import owner_visible
from salescore.models import Customer, Opportunity, Pipeline, StageChange

DEFAULT_STUCK_HOURS = 14 * 24


async def grade_age_days(session: AsyncSession, principal: Principal, now: datetime) -> tuple[float | None, int]:
    """(median days since each graded customer's grade was last computed, customers)."""
    ages = (
        sa.select((hours_between(Customer.graded_at, sa.literal(now, UTCDateTime())) / 24.0).label("days"))
        .where(Customer.tenant_id == principal.tenant_id, Customer.deleted_at.is_(None),
               Customer.graded_at.is_not(None), owner_visible(principal, Customer.owner_id))
        .subquery("ages")
    )
    row = (await session.execute(percentile(ages, "days", [], MEDIAN))).one_or_none()
    return (None, 0) if row is None else (float(row.days), int(row.n))


async def first_stages(session: AsyncSession, tenant_id: uuid.UUID) -> tuple[list[tuple[Any, ...]], uuid.UUID | None]:
    """([(pipeline id, first stage, hours after which a deal in it counts as stuck)], default pipeline id)."""
    pipelines = (await session.execute(
        sa.select(Pipeline.id, Pipeline.stages, Pipeline.is_default)
        .where(Pipeline.tenant_id == tenant_id, Pipeline.deleted_at.is_(None))
    )).all()
    rows = [(p.id, p.stages[0]["code"], float(p.stages[0].get("sla_hours") or DEFAULT_STUCK_HOURS))
            for p in pipelines if p.stages]
    default = next((p.id for p in pipelines if p.is_default), None)
    return rows, default


async def stuck_in_first_stage(
    session: AsyncSession, principal: Principal, now: datetime,
    firsts: Sequence[tuple[Any, ...]], default_pipeline: uuid.UUID | None,
) -> tuple[int, int]:
    """(open deals, those in their pipeline's first stage for longer than its time limit). A deal
    entered its stage at its latest move into it (or its creation when it never moved)."""
    if not firsts:
        return 0, 0
    first = (
        sa.values(sa.column("pipeline_id", GUID), sa.column("stage", sa.String), sa.column("hours", sa.Float),
                  name="first_stages")
        .data(list(firsts)).cte("first_stages")
    )
    entered = (
        sa.select(sa.func.max(StageChange.at))
        .where(StageChange.tenant_id == principal.tenant_id, StageChange.opportunity_id == Opportunity.id,
               StageChange.to_stage == Opportunity.stage)
        .scalar_subquery()
    )
    pipeline = sa.func.coalesce(Opportunity.pipeline_id, default_pipeline) if default_pipeline else Opportunity.pipeline_id
    stuck = sa.and_(
        first.c.stage.is_not(None),
        hours_between(sa.func.coalesce(entered, Opportunity.created_at), sa.literal(now, UTCDateTime())) > first.c.hours,
    )
    total, stuck_count = (await session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(stuck))
        .select_from(Opportunity)
        .outerjoin(first, sa.and_(first.c.pipeline_id == pipeline, first.c.stage == Opportunity.stage))
        .where(Opportunity.tenant_id == principal.tenant_id, Opportunity.deleted_at.is_(None),
               Opportunity.status == "open", owner_visible(principal, Opportunity.owner_id))
    )).one()
    return int(total), int(stuck_count)
