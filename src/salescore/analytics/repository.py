"""Every analytics query. Each starts from the caller's tenant and the owner-visibility rule on
the user a row belongs to, and aggregates in SQL: Python only receives one row per user
(or per user × action code).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.dialect import add_days
from salescore.kit.principal import Principal
from salescore.kit.types import GUID
from salescore.kit.visibility import owner_visible
from salescore.models import ActionRecord, DailyReport, Opportunity, Team, User
from salescore.models.daily_report import REPORTING_ROLES

# The people who write daily reports (§5).
WIN_WINDOW_DAYS = 90


def _writers(principal: Principal, team_id: uuid.UUID | None, *columns: Any) -> sa.Select[Any]:
    """Active reps and managers the caller may see (of one team when given)."""
    stmt = sa.select(*columns).where(
        User.tenant_id == principal.tenant_id,
        owner_visible(principal, User.id),
        User.is_active.is_(True),
        User.role.in_(REPORTING_ROLES),
    )
    return stmt.where(User.team_id == team_id) if team_id is not None else stmt


async def report_writers(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None
) -> Sequence[sa.Row[Any]]:
    """(id, name, team_id, team_name, created_at) of the people expected to write daily reports."""
    stmt = (
        _writers(principal, team_id, User.id, User.name, User.team_id, User.created_at,
                 Team.name.label("team_name"))
        .outerjoin(Team, sa.and_(Team.tenant_id == User.tenant_id, Team.id == User.team_id))
        .order_by(User.name, User.id)
    )
    return (await session.execute(stmt)).all()


async def report_counts(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID | None,
    workdays: Sequence[date],
    late_starts: Sequence[tuple[uuid.UUID, date]],
    period_starts: Sequence[date] = (),
) -> Sequence[sa.Row[Any]]:
    """Per writer and period: (user_id, period, submitted, on_time, delay_seconds) over their
    reports dated on one of `workdays`, ignoring days before a late starter's first expected day.

    `period_starts` -- the first days of consecutive periods (e.g. the weeks of the KPIs) -- split
    the counts: `period` is the index of the period a report's date falls in (0 without them).

    `late_starts` -- (user_id, first day) of the writers who joined after the period began, as a
    VALUES list -- keeps the cut-off in SQL without dialect-specific timezone arithmetic on
    users.created_at. Only late starters are listed: a VALUES list is compiled afresh on every
    call (its values are not cacheable), which for every writer of a large tenant cost more than
    the query itself.
    """
    if not workdays:
        return []
    # The index of the period a date falls in: how many later periods have begun by then.
    splits = [sa.case((DailyReport.report_date >= start, 1), else_=0) for start in period_starts[1:]]
    period: sa.ColumnElement[int] = sum(splits[1:], splits[0]) if splits else sa.literal_column("0")
    grouping = (DailyReport.user_id, period) if splits else (DailyReport.user_id,)
    stmt = (
        sa.select(
            DailyReport.user_id,
            period.label("period"),
            sa.func.count().label("submitted"),
            sa.func.count().filter(DailyReport.on_time.is_(True)).label("on_time"),
            sa.func.coalesce(sa.func.sum(DailyReport.delay_seconds), 0).label("delay_seconds"),
        )
        .where(
            DailyReport.tenant_id == principal.tenant_id,
            # the writers the caller may see: visibility and the team filter in one
            DailyReport.user_id.in_(_writers(principal, team_id, User.id)),
            DailyReport.report_date.in_(list(workdays)),
        )
        .group_by(*grouping)
    )
    if late_starts:
        firsts = (
            sa.values(sa.column("user_id", GUID), sa.column("first_day", sa.Date), name="firsts")
            .data(list(late_starts))
            .cte("firsts")
        )
        stmt = stmt.outerjoin(firsts, firsts.c.user_id == DailyReport.user_id).where(
            sa.or_(firsts.c.first_day.is_(None), DailyReport.report_date >= firsts.c.first_day)
        )
    return (await session.execute(stmt)).all()


async def action_usage(
    session: AsyncSession,
    principal: Principal,
    start: date,
    end: date,
    *,
    user_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    code: str | None = None,
) -> Sequence[sa.Row[Any]]:
    """Per (user, action code) with actions dated in [start, end]: (user_id, name, code,
    times_used, days_used, customers_touched, wins), sorted by user name, user id, code.

    wins = distinct won opportunities of a touched customer with won_at in
    [occurred_at, occurred_at + 90 days] of some action of that user and code on that customer.
    """
    conditions = [
        ActionRecord.tenant_id == principal.tenant_id,
        ActionRecord.deleted_at.is_(None),
        ActionRecord.local_date.between(start, end),
        owner_visible(principal, ActionRecord.user_id),
    ]
    if user_id is not None:
        conditions.append(ActionRecord.user_id == user_id)
    if team_id is not None:
        members = sa.select(User.id).where(User.tenant_id == principal.tenant_id, User.team_id == team_id)
        conditions.append(ActionRecord.user_id.in_(members))
    if code is not None:
        conditions.append(ActionRecord.code == code)
    acts = (
        sa.select(
            ActionRecord.user_id, ActionRecord.code, ActionRecord.customer_id,
            ActionRecord.local_date, ActionRecord.occurred_at,
        )
        .where(*conditions)
        .cte("acts")
    )
    usage = (
        sa.select(
            acts.c.user_id,
            acts.c.code,
            sa.func.count().label("times_used"),
            sa.func.count(acts.c.local_date.distinct()).label("days_used"),
            sa.func.count(acts.c.customer_id.distinct()).label("customers_touched"),
        )
        .group_by(acts.c.user_id, acts.c.code)
        .subquery("usage")
    )
    wins = (
        sa.select(acts.c.user_id, acts.c.code, sa.func.count(Opportunity.id.distinct()).label("wins"))
        .join(
            Opportunity,
            sa.and_(
                Opportunity.tenant_id == principal.tenant_id,
                Opportunity.customer_id == acts.c.customer_id,
                Opportunity.status == "won",
                Opportunity.deleted_at.is_(None),
                Opportunity.won_at >= acts.c.occurred_at,
                Opportunity.won_at <= add_days(acts.c.occurred_at, WIN_WINDOW_DAYS),
            ),
        )
        .group_by(acts.c.user_id, acts.c.code)
        .subquery("wins")
    )
    stmt = (
        sa.select(
            usage.c.user_id, User.name, usage.c.code, usage.c.times_used, usage.c.days_used,
            usage.c.customers_touched, sa.func.coalesce(wins.c.wins, 0).label("wins"),
        )
        .join(User, sa.and_(User.tenant_id == principal.tenant_id, User.id == usage.c.user_id))
        .outerjoin(wins, sa.and_(wins.c.user_id == usage.c.user_id, wins.c.code == usage.c.code))
        .order_by(User.name, usage.c.user_id, usage.c.code)
    )
    return (await session.execute(stmt)).all()
