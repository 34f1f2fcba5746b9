"""Follow-up queries: visible when their customer is visible, or when the caller wrote them."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows, visible_customer_ids
from salescore.models import FollowUp


def follow_ups(principal: Principal) -> sa.Select[Any]:
    stmt = tenant_rows(FollowUp, principal)
    if principal.sees_whole_tenant:
        return stmt
    return stmt.where(
        sa.or_(FollowUp.customer_id.in_(visible_customer_ids(principal)), FollowUp.user_id == principal.user_id)
    )


async def get_follow_up(session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID) -> FollowUp:
    return await one_or_404(session, follow_ups(principal), FollowUp, follow_up_id, "follow-up")
