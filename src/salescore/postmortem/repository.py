"""Post-mortem queries. A post-mortem is visible wherever its deal is: callers pass a deal they
were allowed to read, and every query is bound to its tenant and id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.errors import NotFound
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible
from salescore.models import FollowUp, Opportunity, PostMortem, PostMortemMaterial, Transcript, User


async def latest(session: AsyncSession, deal: Opportunity) -> PostMortem | None:
    """The deal's most recent loss (a deal lost, reopened and lost again has one per loss)."""
    return await session.scalar(
        sa.select(PostMortem)
        .where(PostMortem.tenant_id == deal.tenant_id, PostMortem.opportunity_id == deal.id)
        .order_by(PostMortem.created_at.desc(), PostMortem.id.desc()).limit(1)
    )


async def materials(session: AsyncSession, post_mortem: PostMortem) -> list[PostMortemMaterial]:
    m = PostMortemMaterial
    rows = await session.scalars(
        sa.select(m).where(m.tenant_id == post_mortem.tenant_id, m.post_mortem_id == post_mortem.id)
        .order_by(m.created_at, m.id)
    )
    return list(rows)


async def material_of_deal(session: AsyncSession, deal: Opportunity, material_id: uuid.UUID) -> PostMortemMaterial:
    """A material of any of the deal's post-mortems."""
    m = PostMortemMaterial
    row = await session.scalar(
        sa.select(m).where(m.tenant_id == deal.tenant_id, m.opportunity_id == deal.id, m.id == material_id)
    )
    if row is None:
        raise NotFound("material not found")
    return row


async def transcript_for_deal(session: AsyncSession, deal: Opportunity, transcript_id: uuid.UUID) -> Transcript | None:
    """A transcript of a live follow-up of this deal or of its customer."""
    t, f = Transcript, FollowUp
    return await session.scalar(
        sa.select(t)
        .join(f, sa.and_(f.tenant_id == t.tenant_id, f.id == t.follow_up_id, f.deleted_at.is_(None)))
        .where(t.tenant_id == deal.tenant_id, t.id == transcript_id,
               sa.or_(f.opportunity_id == deal.id, f.customer_id == deal.customer_id))
    )


# --- loss analytics ----------------------------------------------------------------------------

LOST_STATUSES = ("lost_pending_review", "lost")


def losses(
    principal: Principal, *, start: datetime, end: datetime, currency: str, fallback_reason: str,
    team_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None,
) -> sa.Subquery:
    """One row per visible deal lost (or pending its post-mortem) in [start, end): the loss as its
    latest post-mortem declared it (owner and stage as they stood), or — for a deal imported as lost —
    as the deal says. Columns owner_id, stage, reason, lost_at, amount (0 unless in `currency`)."""
    p, o = PostMortem, Opportunity
    ranked = (
        sa.select(p.opportunity_id, p.owner_id, p.stage, p.reason, p.lost_at, p.withdrawn_at,
                  sa.func.row_number().over(partition_by=p.opportunity_id,
                                            order_by=(p.created_at.desc(), p.id.desc())).label("rn"))
        .where(p.tenant_id == principal.tenant_id)
        .subquery("ranked")
    )
    declared = ranked.c.opportunity_id.is_not(None)
    rows = (
        sa.select(
            sa.case((declared, ranked.c.owner_id), else_=o.owner_id).label("owner_id"),
            sa.case((declared, ranked.c.stage), else_=o.stage).label("stage"),
            sa.case((declared, ranked.c.reason), else_=sa.func.coalesce(o.lost_reason, fallback_reason)).label("reason"),
            sa.case((declared, ranked.c.lost_at), else_=o.lost_at).label("lost_at"),
            sa.case((o.currency == currency, sa.func.coalesce(o.amount, 0)), else_=0).label("amount"),
        )
        .select_from(o)
        .outerjoin(ranked, sa.and_(ranked.c.opportunity_id == o.id, ranked.c.rn == 1, ranked.c.withdrawn_at.is_(None)))
        .where(o.tenant_id == principal.tenant_id, o.deleted_at.is_(None), o.status.in_(LOST_STATUSES))
        .subquery("lost_deals")
    )
    conditions = [rows.c.lost_at >= start, rows.c.lost_at < end, owner_visible(principal, rows.c.owner_id)]
    if team_id is not None:
        members = sa.select(User.id).where(User.tenant_id == principal.tenant_id, User.team_id == team_id)
        conditions.append(rows.c.owner_id.in_(members))
    if owner_id is not None:
        conditions.append(rows.c.owner_id == owner_id)
    return sa.select(rows).where(*conditions).subquery("losses")


async def loss_figures(session: AsyncSession, principal: Principal, losses: sa.Subquery, *keys: str) -> list[Any]:
    """count and amount of `losses` grouped by `keys` (owner_id adds the owner's name)."""
    columns = [losses.c[k] for k in keys]
    stmt = sa.select(*columns, sa.func.count().label("count"), sa.func.sum(losses.c.amount).label("amount"))
    if "owner_id" in keys:
        stmt = stmt.add_columns(User.name).outerjoin(
            User, sa.and_(User.tenant_id == principal.tenant_id, User.id == losses.c.owner_id))
        columns.append(User.name)
    return list((await session.execute(stmt.group_by(*columns))).all())


async def loss_runs(
    session: AsyncSession, principal: Principal, losses: sa.Subquery, month_starts: list[datetime], length: int
) -> list[Any]:
    """(owner_id, name, reason, first, last) of each run of >= `length` consecutive months in which an
    owner lost a deal on the same reason. Months are numbered by their starts (`month_starts`, the
    first being the period's start); gaps and islands: index - rank is constant along a run."""
    month = sa.case(*[(losses.c.lost_at < boundary, index) for index, boundary in enumerate(month_starts[1:])],
                    else_=len(month_starts) - 1) if len(month_starts) > 1 else sa.literal(0)
    # DISTINCT over a subquery: grouping by the CASE itself would repeat its parameters, which
    # PostgreSQL does not recognise as the selected expression.
    tagged = sa.select(losses.c.owner_id, losses.c.reason, month.label("month")).subquery("tagged")
    months = sa.select(tagged).distinct().subquery("months")
    island = (months.c.month - sa.func.row_number().over(
        partition_by=(months.c.owner_id, months.c.reason), order_by=months.c.month)).label("island")
    islands = sa.select(months, island).subquery("islands")
    stmt = (
        sa.select(islands.c.owner_id, User.name, islands.c.reason,
                  sa.func.min(islands.c.month).label("first"), sa.func.max(islands.c.month).label("last"))
        .outerjoin(User, sa.and_(User.tenant_id == principal.tenant_id, User.id == islands.c.owner_id))
        .group_by(islands.c.owner_id, User.name, islands.c.reason, islands.c.island)
        .having(sa.func.count() >= length)
    )
    return list((await session.execute(stmt)).all())
