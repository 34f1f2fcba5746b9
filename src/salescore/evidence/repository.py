"""Evidence queries. Evidence is visible wherever its deal is."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.errors import NotFound
from salescore.models import Evidence, EvidenceModel, Opportunity


async def latest_model(session: AsyncSession, tenant_id: uuid.UUID) -> EvidenceModel | None:
    return await session.scalar(
        sa.select(EvidenceModel).where(EvidenceModel.tenant_id == tenant_id)
        .order_by(EvidenceModel.version.desc()).limit(1)
    )


def of_deal(tenant_id: uuid.UUID, opportunity_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(Evidence).where(Evidence.tenant_id == tenant_id, Evidence.opportunity_id == opportunity_id)


async def deal_evidence(
    session: AsyncSession, tenant_id: uuid.UUID, opportunity_id: uuid.UUID, *, include_revoked: bool = True
) -> list[Evidence]:
    stmt = of_deal(tenant_id, opportunity_id)
    if not include_revoked:
        stmt = stmt.where(Evidence.revoked_at.is_(None))
    return list(await session.scalars(stmt.order_by(Evidence.occurred_at, Evidence.created_at, Evidence.id)))


async def get_evidence(
    session: AsyncSession, tenant_id: uuid.UUID, opportunity_id: uuid.UUID, evidence_id: uuid.UUID
) -> Evidence:
    row = await session.scalar(of_deal(tenant_id, opportunity_id).where(Evidence.id == evidence_id))
    if row is None:
        raise NotFound("evidence not found")
    return row


async def active_nodes(session: AsyncSession, tenant_id: uuid.UUID, opportunity_id: uuid.UUID) -> set[str]:
    stmt = (
        sa.select(Evidence.node).distinct()
        .where(Evidence.tenant_id == tenant_id, Evidence.opportunity_id == opportunity_id,
               Evidence.revoked_at.is_(None))
    )
    return set(await session.scalars(stmt))


async def lock_all_deals(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Wait for every evidence change in flight: they lock their deal first (opportunity repository lock_deal)."""
    await session.execute(sa.select(Opportunity.id).where(Opportunity.tenant_id == tenant_id).with_for_update())
