"""Queries of the interaction heatmap (客户互动热力图, §10): follow-ups counted per row (rep or
customer) and per column (week or weekday of tenant time) in SQL over the whole window.

Tenant time never reaches SQL as a time-zone function: the columns arrive as a VALUES table of
UTC half-open periods (kit.sqlstats.bucket_table), and a follow-up belongs to the period with
`starts_at <= occurred_at < ends_at` -- exact on both engines and across DST changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salescore.analytics.scope import people, team_members
from salescore.kit.principal import Principal
from salescore.kit.sqlstats import Bucket, bucket_table, day_table
from salescore.kit.visibility import owner_visible, visible_customer_ids
from salescore.models import Customer, FollowUp, User
from salescore.models.daily_report import REPORTING_ROLES

Rows = Literal["rep", "customer"]


@dataclass(frozen=True)
class Grid:
    """The columns as a table a follow-up joins to by its UTC moment: `col` is the column key
    (a week's first day in the window, or the ISO weekday 1..7)."""

    table: sa.FromClause
    col: sa.ColumnElement[Any]
    starts_at: sa.ColumnElement[Any]
    ends_at: sa.ColumnElement[Any]


def week_grid(weeks: Sequence[Bucket]) -> Grid:
    table = bucket_table(weeks, "heat_weeks")
    return Grid(table, table.c.first, table.c.starts_at, table.c.ends_at)


def weekday_grid(days: Sequence[Bucket]) -> Grid:
    """One row per local day carrying its weekday: the day's UTC period from bucket_table, the
    weekday from a day_table keyed by the same date (computed in Python, where the calendar is)."""
    periods = bucket_table(days, "heat_days")
    weekdays = day_table([(d.first, d.first.isoweekday()) for d in days], "heat_weekdays")
    return Grid(
        periods.join(weekdays, weekdays.c.day == periods.c.first),
        weekdays.c.n, periods.c.starts_at, periods.c.ends_at,
    )


@dataclass(frozen=True)
class Filters:
    starts_at: datetime  # the window in UTC: [starts_at, ends_at)
    ends_at: datetime
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    channels: tuple[str, ...] | None = None


def _interactions(principal: Principal, rows: Rows, f: Filters, *columns: Any) -> sa.Select[Any]:
    """`columns` of the window's interactions the caller may see: live follow-ups on live
    customers. Rep rows see a follow-up through its user (the people rule); customer rows
    through its customer (the customer rule) -- the two views a manager has of the same work."""
    stmt = (
        sa.select(*columns)
        .join(Customer, sa.and_(
            Customer.tenant_id == FollowUp.tenant_id, Customer.id == FollowUp.customer_id,
            Customer.deleted_at.is_(None),
        ))
        .where(
            FollowUp.tenant_id == principal.tenant_id,
            FollowUp.deleted_at.is_(None),
            FollowUp.occurred_at >= f.starts_at,
            FollowUp.occurred_at < f.ends_at,
        )
    )
    if f.channels is not None:
        stmt = stmt.where(FollowUp.channel.in_(f.channels))
    if f.owner_id is not None:
        stmt = stmt.where(Customer.owner_id == f.owner_id)
    if rows == "rep":
        stmt = stmt.where(owner_visible(principal, FollowUp.user_id))
        if f.team_id is not None:
            stmt = stmt.where(FollowUp.user_id.in_(team_members(principal, f.team_id)))
    else:
        stmt = stmt.where(FollowUp.customer_id.in_(visible_customer_ids(principal)))
        if f.team_id is not None:
            stmt = stmt.where(Customer.owner_id.in_(team_members(principal, f.team_id)))
    return stmt


def _row_key(rows: Rows) -> sa.ColumnElement[Any]:
    return (FollowUp.user_id if rows == "rep" else FollowUp.customer_id).label("row_id")


async def rep_rows(session: AsyncSession, principal: Principal, f: Filters) -> Sequence[sa.Row[Any]]:
    """(row_id, label, team_id, team_name, total, customers, last_at) per visible user, sorted by
    name then id: every active rep and manager (zero rows included), plus anyone else -- a
    director, a deactivated rep -- who recorded an interaction in the window, so that the rows
    add up to the column totals."""
    fu = _interactions(
        principal, "rep", f, _row_key("rep"), FollowUp.customer_id, FollowUp.occurred_at
    ).cte("fu")
    agg = (
        sa.select(
            fu.c.row_id, sa.func.count().label("total"),
            sa.func.count(fu.c.customer_id.distinct()).label("customers"),
            sa.func.max(fu.c.occurred_at).label("last_at"),
        )
        .group_by(fu.c.row_id)
        .subquery("agg")
    )
    who = people(principal, f.team_id, "heat_people")
    stmt = (
        sa.select(
            who.c.user_id.label("row_id"), who.c.name.label("label"), who.c.team_id, who.c.team_name,
            sa.func.coalesce(agg.c.total, 0).label("total"),
            sa.func.coalesce(agg.c.customers, 0).label("customers"),
            agg.c.last_at,
        )
        .join(User, sa.and_(User.tenant_id == principal.tenant_id, User.id == who.c.user_id))
        .outerjoin(agg, agg.c.row_id == who.c.user_id)
        .where(sa.or_(
            sa.and_(User.is_active.is_(True), User.role.in_(REPORTING_ROLES)),
            agg.c.row_id.is_not(None),
        ))
        .order_by(who.c.name, who.c.user_id)
    )
    return (await session.execute(stmt)).all()


async def customer_rows(
    session: AsyncSession, principal: Principal, f: Filters, limit: int
) -> Sequence[sa.Row[Any]]:
    """(row_id, label, owner_id, owner_name, grade, total, last_at, available) of the `limit`
    customers with the most interactions in the window (ties: name, then id); `available` is the
    number of customers with any, counted before the limit."""
    fu = _interactions(principal, "customer", f, _row_key("customer"), FollowUp.occurred_at).cte("fu")
    agg = (
        sa.select(fu.c.row_id, sa.func.count().label("total"), sa.func.max(fu.c.occurred_at).label("last_at"))
        .group_by(fu.c.row_id)
        .subquery("agg")
    )
    owner = aliased(User, name="owner")
    stmt = (
        sa.select(
            agg.c.row_id, Customer.name.label("label"), Customer.owner_id, owner.name.label("owner_name"),
            Customer.grade, agg.c.total, agg.c.last_at, sa.func.count().over().label("available"),
        )
        .join(Customer, sa.and_(Customer.tenant_id == principal.tenant_id, Customer.id == agg.c.row_id))
        .outerjoin(owner, sa.and_(owner.tenant_id == principal.tenant_id, owner.id == Customer.owner_id))
        .order_by(agg.c.total.desc(), Customer.name, Customer.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def grid_counts(
    session: AsyncSession,
    principal: Principal,
    rows: Rows,
    f: Filters,
    grid: Grid,
    row_ids: Sequence[uuid.UUID] | None = None,
) -> Sequence[sa.Row[Any]]:
    """(part, row_id, col, n, customers) in one statement: part 'cell' per (row, column) with
    interactions (only of `row_ids` when given), 'col' per column, 'all' once. Distinct
    customers do not add up across cells, hence three groupings rather than sums in Python."""
    fu = (
        _interactions(principal, rows, f, _row_key(rows), FollowUp.customer_id, grid.col.label("col"))
        .join(grid.table, sa.and_(
            grid.starts_at <= FollowUp.occurred_at, FollowUp.occurred_at < grid.ends_at))
        .cte("fu")
    )
    n, customers = sa.func.count().label("n"), sa.func.count(fu.c.customer_id.distinct()).label("customers")
    cells = sa.select(sa.literal("cell").label("part"), fu.c.row_id, fu.c.col, n, customers).group_by(
        fu.c.row_id, fu.c.col)
    if row_ids is not None:
        cells = cells.where(fu.c.row_id.in_(list(row_ids)))
    no_row = sa.cast(sa.null(), fu.c.row_id.type)
    cols = sa.select(sa.literal("col"), no_row, fu.c.col, n, customers).group_by(fu.c.col)
    whole = sa.select(sa.literal("all"), no_row, sa.cast(sa.null(), fu.c.col.type), n, customers)
    return (await session.execute(sa.union_all(cells, cols, whole))).all()
