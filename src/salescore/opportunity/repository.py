"""Opportunity queries, visibility by owner."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows
from salescore.models import Opportunity


def opportunities(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Opportunity, principal).where(owner_visible(principal, Opportunity.owner_id))


async def get_opportunity(session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID) -> Opportunity:
    return await one_or_404(session, opportunities(principal), Opportunity, opportunity_id, "opportunity")
