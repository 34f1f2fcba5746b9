"""Pipeline and stage-change queries; configuration is readable by the whole tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import ActionRecord, Opportunity, Pipeline, StageChange


def pipelines(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Pipeline, principal)


async def get_pipeline(session: AsyncSession, principal: Principal, pipeline_id: uuid.UUID) -> Pipeline:
    return await one_or_404(session, pipelines(principal), Pipeline, pipeline_id, "pipeline")


async def default_pipeline(session: AsyncSession, tenant_id: uuid.UUID) -> Pipeline | None:
    return await session.scalar(
        sa.select(Pipeline)
        .where(Pipeline.tenant_id == tenant_id, Pipeline.deleted_at.is_(None), Pipeline.is_default.is_(True))
        .limit(1)
    )


async def pipeline_by_id(session: AsyncSession, tenant_id: uuid.UUID, pipeline_id: uuid.UUID) -> Pipeline | None:
    return await session.scalar(
        sa.select(Pipeline).where(
            Pipeline.tenant_id == tenant_id, Pipeline.id == pipeline_id, Pipeline.deleted_at.is_(None)
        )
    )


async def all_pipelines(session: AsyncSession, tenant_id: uuid.UUID) -> list[Pipeline]:
    return list(await session.scalars(
        sa.select(Pipeline).where(Pipeline.tenant_id == tenant_id, Pipeline.deleted_at.is_(None))
    ))


async def clear_default(session: AsyncSession, tenant_id: uuid.UUID, keep: uuid.UUID) -> None:
    await session.execute(
        sa.update(Pipeline)
        .where(Pipeline.tenant_id == tenant_id, Pipeline.id != keep, Pipeline.is_default.is_(True))
        .values(is_default=False, version=Pipeline.version + 1)
    )


async def open_deals_using(session: AsyncSession, tenant_id: uuid.UUID, pipeline_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count()).where(
                Opportunity.tenant_id == tenant_id,
                Opportunity.pipeline_id == pipeline_id,
                Opportunity.deleted_at.is_(None),
                Opportunity.status == "open",
            )
        )
        or 0
    )


async def recorded_action_codes(
    session: AsyncSession, tenant_id: uuid.UUID, opportunity_id: uuid.UUID, codes: Iterable[str]
) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    rows = await session.scalars(
        sa.select(ActionRecord.code).distinct().where(
            ActionRecord.tenant_id == tenant_id,
            ActionRecord.opportunity_id == opportunity_id,
            ActionRecord.deleted_at.is_(None),
            ActionRecord.code.in_(wanted),
        )
    )
    return set(rows)


def stage_changes(principal: Principal, opportunity_id: uuid.UUID) -> sa.Select[Any]:
    """History of one deal; the caller has already proven the deal is visible."""
    return sa.select(StageChange).where(
        StageChange.tenant_id == principal.tenant_id, StageChange.opportunity_id == opportunity_id
    )


async def stage_history(session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID) -> list[StageChange]:
    stmt = stage_changes(principal, opportunity_id).order_by(StageChange.at, StageChange.id)
    return list(await session.scalars(stmt))
