"""Daily report and customer-context queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404, where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows
from salescore.models import Customer, DailyReport, FollowUp, User


def reports(principal: Principal) -> sa.Select[Any]:
    """A report is visible where its author is: to them, their managers, directors and admins."""
    return tenant_rows(DailyReport, principal).where(owner_visible(principal, DailyReport.user_id))


def report_list(
    principal: Principal,
    *,
    user_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> sa.Select[Any]:
    stmt = where_equal(reports(principal), (DailyReport.user_id, user_id), (DailyReport.team_id, team_id))
    if date_from is not None:
        stmt = stmt.where(DailyReport.report_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(DailyReport.report_date <= date_to)
    return stmt


async def get_report(session: AsyncSession, principal: Principal, report_id: uuid.UUID) -> DailyReport:
    return await one_or_404(session, reports(principal), DailyReport, report_id, "daily report")


async def report_of(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, day: date) -> uuid.UUID | None:
    return await session.scalar(
        sa.select(DailyReport.id).where(
            DailyReport.tenant_id == tenant_id, DailyReport.user_id == user_id, DailyReport.report_date == day
        )
    )


async def customer_briefs(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """Names and tags for a page of reports in one query (the report keeps only ids)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(sa.select(Customer).where(Customer.tenant_id == tenant_id, Customer.id.in_(wanted)))
    return {c.id: c for c in rows}


async def author_team(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(sa.select(User.team_id).where(User.tenant_id == tenant_id, User.id == user_id))


async def recent_follow_ups(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, n: int = 3) -> list[FollowUp]:
    rows = await session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.tenant_id == tenant_id, FollowUp.customer_id == customer_id, FollowUp.deleted_at.is_(None))
        .order_by(FollowUp.occurred_at.desc(), FollowUp.id.desc())
        .limit(n)
    )
    return list(rows)
