"""Opportunity queries, visibility by owner."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import like_pattern, one_or_404, where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows
from salescore.models import Opportunity


def opportunities(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Opportunity, principal).where(owner_visible(principal, Opportunity.owner_id))


def opportunity_list(
    principal: Principal,
    *,
    customer_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    status: str | None = None,
    stage: str | None = None,
    updated_since: datetime | None = None,
    q: str | None = None,
) -> sa.Select[Any]:
    """The visible deals matching the list filters shared by REST and GraphQL."""
    stmt = where_equal(
        opportunities(principal),
        (Opportunity.customer_id, customer_id), (Opportunity.owner_id, owner_id),
        (Opportunity.status, status), (Opportunity.stage, stage),
    )
    if updated_since is not None:
        stmt = stmt.where(Opportunity.updated_at >= updated_since)
    if q:
        stmt = stmt.where(Opportunity.name.ilike(like_pattern(q), escape="\\"))
    return stmt


async def get_opportunity(session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID) -> Opportunity:
    return await one_or_404(session, opportunities(principal), Opportunity, opportunity_id, "opportunity")


async def open_deals_of(session: AsyncSession, principal: Principal, customer_id: uuid.UUID) -> list[Opportunity]:
    rows = await session.scalars(
        opportunities(principal)
        .where(Opportunity.customer_id == customer_id, Opportunity.status == "open")
        .order_by(Opportunity.created_at.desc(), Opportunity.id)
        .limit(50)
    )
    return list(rows)


async def lock_deal(session: AsyncSession, deal: Opportunity) -> None:
    """Hold the deal's row for the rest of the transaction and reload it: changes that must see each
    other (evidence of one deal, a loss and the uploads to its package) happen one after another."""
    await session.execute(
        sa.select(Opportunity).where(Opportunity.tenant_id == deal.tenant_id, Opportunity.id == deal.id)
        .with_for_update().execution_options(populate_existing=True)
    )
