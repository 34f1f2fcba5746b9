"""Follow-up queries: visible when their customer is visible, or when the caller wrote them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404, where_equal
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


def follow_up_list(
    principal: Principal,
    *,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    channel: str | None = None,
    updated_since: datetime | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
) -> sa.Select[Any]:
    """The visible follow-ups matching the list filters shared by REST and GraphQL."""
    stmt = where_equal(
        follow_ups(principal),
        (FollowUp.customer_id, customer_id), (FollowUp.opportunity_id, opportunity_id),
        (FollowUp.user_id, user_id), (FollowUp.channel, channel),
    )
    if updated_since is not None:
        stmt = stmt.where(FollowUp.updated_at >= updated_since)
    if occurred_from is not None:
        stmt = stmt.where(FollowUp.occurred_at >= occurred_from)
    if occurred_to is not None:
        stmt = stmt.where(FollowUp.occurred_at < occurred_to)
    return stmt


async def get_follow_up(session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID) -> FollowUp:
    return await one_or_404(session, follow_ups(principal), FollowUp, follow_up_id, "follow-up")


async def live_ids(session: AsyncSession, principal: Principal, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(await session.scalars(follow_ups(principal).with_only_columns(FollowUp.id).where(FollowUp.id.in_(ids))))
