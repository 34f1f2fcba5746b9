"""The weekly KPIs' SQL (§10): one statement per metric over every week and group at once.

Each statement joins its records to the weeks (a VALUES table of tenant-time bounds) and to the
people the caller may see (`scope.people`, which also applies the team filter), computes a
row-level group key in an inner query, and aggregates per (week, key) outside it -- so the key
expression is grouped by name, never re-rendered with fresh bind parameters. Python receives one
row per week and group.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from salescore.analytics import scope
from salescore.analytics.scope import GroupBy
from salescore.kit.dialect import add_seconds
from salescore.kit.principal import Principal
from salescore.kit.sqlstats import MEDIAN, hours_between, percentile
from salescore.kit.types import GUID, UTCDateTime
from salescore.models import Contact, Customer, FollowUp, Opportunity, Pipeline, StageChange, Team

# Stage moves that pass stages: the stage endpoint / PATCH, a ticked action, a win (to the last stage). A
# creation counts only when it skipped requirements (a deal entered directly in a later stage without them).
PASSING_MOVES = ("api", "action", "win")
CREATE = "create"
IMPORTED = "import"
LEAD = "lead"  # SPEC: customers created as leads


Span = tuple[datetime, datetime]  # [first week's start, last week's end): lets an index range-scan


def _in_week(weeks: sa.CTE, moment: Any, span: Span) -> sa.ColumnElement[bool]:
    """`moment` falls in a week of the VALUES table; the literal outer bounds let PostgreSQL scan the
    index range instead of comparing every row with every week."""
    return sa.and_(weeks.c.starts_at <= moment, moment < weeks.c.ends_at, span[0] <= moment, moment < span[1])


def _count_if(condition: Any) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


async def people_groups(session: AsyncSession, who: sa.CTE) -> Sequence[sa.Row[Any]]:
    """(user_id, team_id, region) of the people the caller may see: one row per user."""
    return (await session.execute(sa.select(who.c.user_id, who.c.team_id, who.c.region))).all()


async def pipelines(session: AsyncSession, tenant_id: uuid.UUID) -> Sequence[sa.Row[Any]]:
    """(id, stages, is_default) of every pipeline of the tenant, deleted ones too (deals keep them)."""
    stmt = sa.select(Pipeline.id, Pipeline.stages, Pipeline.is_default, Pipeline.deleted_at).where(
        Pipeline.tenant_id == tenant_id)
    return (await session.execute(stmt)).all()


async def first_response(
    session: AsyncSession, principal: Principal, who: sa.CTE, group_by: GroupBy, weeks: sa.CTE, span: Span, *,
    until: datetime, channels: Sequence[str],
) -> Sequence[sa.Row[Any]]:
    """Per (week, key) over the customers created as leads in the week (not deleted), grouped by owner:
    (first, key, customers, answered, sales_answered, median) -- answered: customers with an
    effective follow-up before `until`; sales_answered: those not of a store team; median: the
    median hours from creation to that first follow-up (clamped at 0) over the answered."""
    c, f = Customer, FollowUp
    customer_team = aliased(Team)
    first_at = (
        sa.select(sa.func.min(f.occurred_at))
        .where(f.tenant_id == c.tenant_id, f.customer_id == c.id, f.deleted_at.is_(None),
               f.channel.in_(list(channels)), f.occurred_at < until)
        .correlate(c)
        .scalar_subquery()
    )
    base = (
        sa.select(
            weeks.c.first, scope.group_key(group_by, who).label("key"), c.created_at,
            first_at.label("first_at"),
            sa.case((sa.func.coalesce(customer_team.kind, who.c.team_kind) == "store", 1), else_=0).label("store"),
        )
        .select_from(c)
        .join(weeks, _in_week(weeks, c.created_at, span))
        .join(who, who.c.user_id == c.owner_id)
        .outerjoin(customer_team, sa.and_(customer_team.tenant_id == c.tenant_id, customer_team.id == c.team_id))
        .where(c.tenant_id == principal.tenant_id, c.deleted_at.is_(None), c.created_lifecycle == LEAD)
        .subquery("lead_base")
    )
    hours = sa.case(
        (base.c.first_at.is_(None), sa.null()),
        (base.c.first_at <= base.c.created_at, 0.0),
        else_=hours_between(base.c.created_at, base.c.first_at),
    )
    rows = sa.select(base.c.first, base.c.key, hours.label("hours"), base.c.store).cte("lead_rows")
    medians = percentile(rows, "hours", ["first", "key"], MEDIAN).subquery("lead_medians")
    counts = (
        sa.select(
            rows.c.first, rows.c.key, sa.func.count().label("customers"),
            sa.func.count(rows.c.hours).label("answered"),
            _count_if(sa.and_(rows.c.hours.is_not(None), rows.c.store == 0)).label("sales_answered"),
        )
        .group_by(rows.c.first, rows.c.key)
        .subquery("lead_counts")
    )
    stmt = sa.select(
        counts.c.first, counts.c.key, counts.c.customers, counts.c.answered, counts.c.sales_answered,
        medians.c.hours.label("median"),
    ).outerjoin(medians, sa.and_(medians.c.first == counts.c.first, medians.c.key == counts.c.key))
    return (await session.execute(stmt)).all()


def cohort_table(rows: Sequence[tuple[date, datetime, datetime]]) -> sa.CTE:
    """(first, cohort_at, ends_at) per week: the moment the cohort is taken and the week's end."""
    return (
        sa.values(sa.column("first", sa.Date), sa.column("cohort_at", UTCDateTime()),
                  sa.column("ends_at", UTCDateTime()), name="cohorts")
        .data(list(rows))
        .cte("cohorts")
    )


async def stage_transitions(
    session: AsyncSession, principal: Principal, who: sa.CTE, group_by: GroupBy, cohorts: sa.CTE, *,
    stage_from: str, goals: Sequence[tuple[uuid.UUID, str]], default_pipeline: uuid.UUID | None,
) -> Sequence[sa.Row[Any]]:
    """Per (week, key): (first, key, n, hits) -- n: deals (not deleted) whose stage at the week's
    cohort moment was `stage_from`; hits: those that moved into a goal stage (a (pipeline, stage)
    of `goals`) after that moment and before the week's end, or were won before the week's end.

    A deal's stage over time is the chain of its stage changes: each holds from its `at` until the
    next one, so "the stage at a moment" is the one interval containing it (no per-week rescan).
    """
    sc, o = StageChange, Opportunity
    intervals = (
        sa.select(
            sc.opportunity_id, sc.to_stage, sc.at.label("since"),
            sa.func.lead(sc.at).over(partition_by=sc.opportunity_id, order_by=(sc.at, sc.id)).label("until"),
        )
        .where(sc.tenant_id == principal.tenant_id)
        .subquery("intervals")
    )
    iv = intervals.c
    reached: sa.ColumnElement[bool] = sa.and_(o.won_at.is_not(None), o.won_at < cohorts.c.ends_at)
    if goals:
        goal = (
            sa.values(sa.column("pipeline_id", GUID), sa.column("code", sa.String), name="goals")
            .data(list(goals))
            .cte("goals")
        )
        later = StageChange.__table__.alias("later")
        pipeline = o.pipeline_id if default_pipeline is None else sa.func.coalesce(
            o.pipeline_id, sa.literal(default_pipeline, GUID))
        moved = sa.exists().where(
            later.c.tenant_id == principal.tenant_id, later.c.opportunity_id == o.id,
            later.c.at > cohorts.c.cohort_at, later.c.at < cohorts.c.ends_at,
            goal.c.code == later.c.to_stage,
            goal.c.pipeline_id == pipeline,
        )
        reached = sa.or_(reached, moved)
    members = (
        sa.select(
            cohorts.c.first, scope.group_key(group_by, who, o.product_line).label("key"),
            sa.case((reached, 1), else_=0).label("hit"),
        )
        .select_from(intervals)
        .join(cohorts, sa.and_(iv.since <= cohorts.c.cohort_at,
                               sa.or_(iv.until.is_(None), iv.until > cohorts.c.cohort_at)))
        .join(o, sa.and_(o.tenant_id == principal.tenant_id, o.id == iv.opportunity_id))
        .join(who, who.c.user_id == o.owner_id)
        .where(iv.to_stage == stage_from, o.deleted_at.is_(None))
        .subquery("cohort_members")
    )
    m = members.c
    stmt = sa.select(m.first, m.key, sa.func.count().label("n"), sa.func.sum(m.hit).label("hits")).group_by(
        m.first, m.key)
    return (await session.execute(stmt)).all()


async def action_compliance(
    session: AsyncSession, principal: Principal, who: sa.CTE, group_by: GroupBy, weeks: sa.CTE, span: Span,
) -> Sequence[sa.Row[Any]]:
    """Per (week, key): (first, key, n, compliant) -- n: deals (not deleted) with a stage move in the
    week that passed stages (api, action, win; a creation that skipped requirements); compliant:
    those whose every such move of the week was compliant."""
    sc, o = StageChange, Opportunity
    per_deal = (
        sa.select(
            weeks.c.first, o.id.label("deal_id"), scope.group_key(group_by, who, o.product_line).label("key"),
            sa.case((sc.compliant.is_(True), 1), else_=0).label("ok"),
        )
        .select_from(sc)
        .join(weeks, _in_week(weeks, sc.at, span))
        .join(o, sa.and_(o.tenant_id == sc.tenant_id, o.id == sc.opportunity_id))
        .join(who, who.c.user_id == o.owner_id)
        .where(sc.tenant_id == principal.tenant_id, o.deleted_at.is_(None),
               sa.or_(sc.via.in_(PASSING_MOVES), sa.and_(sc.via == CREATE, sc.compliant.is_(False))))
        .subquery("moves")
    )
    p = per_deal.c
    deals = (
        sa.select(p.first, p.key, p.deal_id, sa.func.min(p.ok).label("ok"))
        .group_by(p.first, p.key, p.deal_id)
        .subquery("moved_deals")
    )
    d = deals.c
    stmt = sa.select(d.first, d.key, sa.func.count().label("n"), sa.func.sum(d.ok).label("compliant")).group_by(
        d.first, d.key)
    return (await session.execute(stmt)).all()


async def entry_latency(
    session: AsyncSession, principal: Principal, who: sa.CTE, group_by: GroupBy, weeks: sa.CTE, span: Span, *,
    limit_hours: float,
) -> Sequence[sa.Row[Any]]:
    """Per (week, key): (first, key, n, timely) over the follow-ups (not deleted, not imported)
    that occurred in the week, grouped by their user (product line: their deal's);
    timely: recorded_at - occurred_at <= limit_hours."""
    f, o = FollowUp, Opportunity
    rows = (
        sa.select(
            weeks.c.first, scope.group_key(group_by, who, o.product_line).label("key"),
            sa.case((f.recorded_at <= add_seconds(f.occurred_at, round(limit_hours * 3600)), 1),
                    else_=0).label("timely"),
        )
        .select_from(f)
        .join(weeks, _in_week(weeks, f.occurred_at, span))
        .join(who, who.c.user_id == f.user_id)
        .outerjoin(o, sa.and_(o.tenant_id == f.tenant_id, o.id == f.opportunity_id))
        .where(f.tenant_id == principal.tenant_id, f.deleted_at.is_(None), f.created_via != IMPORTED)
        .subquery("entries")
    )
    r = rows.c
    stmt = sa.select(r.first, r.key, sa.func.count().label("n"), sa.func.sum(r.timely).label("timely")).group_by(
        r.first, r.key)
    return (await session.execute(stmt)).all()


def _present(column: Any) -> sa.ColumnElement[int]:
    return sa.case((sa.and_(column.is_not(None), sa.func.trim(column) != ""), 1), else_=0)


async def profile_completeness(
    session: AsyncSession, principal: Principal, who: sa.CTE, group_by: GroupBy, weeks: sa.CTE, span: Span,
) -> Sequence[sa.Row[Any]]:
    """Per (week, key): (first, key, n, facts) over the customers created in the week (not
    deleted), grouped by owner; facts: the sum over them of the profile facts present now
    (industry, region, city, source, annual_purchase, a contact not deleted), 0-6 each."""
    c, k = Customer, Contact
    has_contact = sa.exists().where(k.tenant_id == c.tenant_id, k.customer_id == c.id, k.deleted_at.is_(None))
    facts = (
        _present(c.industry) + _present(c.region) + _present(c.city) + _present(c.source)
        + sa.case((c.annual_purchase.is_not(None), 1), else_=0) + sa.case((has_contact, 1), else_=0)
    )
    rows = (
        sa.select(weeks.c.first, scope.group_key(group_by, who).label("key"), facts.label("facts"))
        .select_from(c)
        .join(weeks, _in_week(weeks, c.created_at, span))
        .join(who, who.c.user_id == c.owner_id)
        .where(c.tenant_id == principal.tenant_id, c.deleted_at.is_(None))
        .subquery("profiles")
    )
    r = rows.c
    stmt = sa.select(r.first, r.key, sa.func.count().label("n"), sa.func.sum(r.facts).label("facts")).group_by(
        r.first, r.key)
    return (await session.execute(stmt)).all()
