"""The closed-deal observations behind win probabilities, point-in-time, and their cache.

`observations(as_of)` is one statement: each deal closed by `as_of` (won_at / lost_at), at each
checkpoint it already existed at, with its maturity then — the highest coefficient among evidence
that had occurred by then and was not revoked by `as_of` — grouped into (checkpoint, maturity) cells.

The tenant's current cells (as_of = now) are cached in win_calibrations. Every flush that changes
what they read bumps the row's generation in the same transaction (see `_invalidate`); the outbox
handler (forecast/handlers.py) then recomputes them, storing the result only if the generation it
started from is still current. Reads never wait for a recompute while cells exist: a deal close costs
its request a one-row UPDATE, not the whole observation query under the tenant's cache row lock.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from salescore.evidence.config import Config
from salescore.forecast.deals import existed_at, stamps_at
from salescore.forecast.probability import CHECKPOINTS, Cells
from salescore.kit.dialect import add_days
from salescore.kit.types import utcnow
from salescore.models import Evidence, Opportunity, Tenant, User, WinCalibration
from salescore.tenancy.service import register_tenant_seeder


def observations(tenant_id: uuid.UUID, config: Config, as_of: datetime | None) -> sa.Select[Any]:
    o, e = Opportunity, Evidence
    joins: list[tuple[Any, Any]] = []
    if as_of is None:
        won_at, lost_at = o.won_at, o.lost_at
        closed = sa.or_(won_at.is_not(None), lost_at.is_not(None))
        existed = [o.deleted_at.is_(None)]
        standing = e.revoked_at.is_(None)
    else:
        # As the deals stood then: reopened or deleted since, they still count as closed then.
        won_at, lost_at, joins = stamps_at(tenant_id, as_of)
        won_at = sa.case((won_at <= as_of, won_at))
        lost_at = sa.case((lost_at <= as_of, lost_at))
        closed = sa.or_(won_at.is_not(None), lost_at.is_not(None))
        existed = existed_at(as_of)
        standing = sa.or_(e.revoked_at.is_(None), e.revoked_at > as_of)
    closed_at = sa.func.coalesce(won_at, lost_at)
    coefficient = config.coefficient_of(e.node)
    per_deal = (
        sa.select(
            sa.case((won_at.is_not(None), 1), else_=0).label("won"),
            o.created_at.label("created_at"),
            closed_at.label("closed_at"),
            *(sa.func.max(sa.case((e.occurred_at <= add_days(closed_at, -days), coefficient))).label(f"m{days}")
              for days in CHECKPOINTS),
        )
        .select_from(o)
        .outerjoin(e, sa.and_(e.tenant_id == o.tenant_id, e.opportunity_id == o.id, standing))
    )
    for subquery, on in joins:
        per_deal = per_deal.outerjoin(subquery, on)
    per_deal = (
        per_deal.where(o.tenant_id == tenant_id, *existed, closed)
        .group_by(o.id, won_at, lost_at, o.created_at)
        .subquery()
    )
    parts = []
    for days in CHECKPOINTS:
        maturity = sa.func.coalesce(per_deal.c[f"m{days}"], 0.0)
        parts.append(
            sa.select(
                sa.literal(days).label("checkpoint"), maturity.label("maturity"),
                sa.func.sum(per_deal.c.won).label("wins"),
                (sa.func.count() - sa.func.sum(per_deal.c.won)).label("losses"),
            )
            .where(per_deal.c.created_at <= add_days(per_deal.c.closed_at, -days))
            .group_by(maturity)
        )
    return sa.union_all(*parts)  # type: ignore[return-value]


async def compute(session: AsyncSession, tenant_id: uuid.UUID, config: Config, as_of: datetime | None) -> Cells:
    rows = (await session.execute(observations(tenant_id, config, as_of))).mappings().all()
    return Cells.of([dict(r) for r in rows])


async def cells_at(session: AsyncSession, tenant_id: uuid.UUID, config: Config, as_of: datetime | None = None) -> Cells:
    """The observations as of `as_of`; now (the default): the cached cells of this model version,
    even when a deal closed since (the outbox refreshes them within seconds, see `refresh`),
    computed here only when there are none yet."""
    if as_of is not None:
        return await compute(session, tenant_id, config, as_of)
    row = await _cache(session, tenant_id)
    if row is not None and row.cells is not None and row.model_version == config.version:
        return Cells.of(row.cells)
    return await _recompute(session, tenant_id, config, row)


async def refresh(session: AsyncSession, tenant_id: uuid.UUID, config: Config) -> bool:
    """Recompute the cached cells if a writer has changed what they read since; True if it did."""
    row = await _cache(session, tenant_id)
    if row is not None and row.cells is not None and row.model_version == config.version \
            and row.computed_generation == row.generation:
        return False
    await _recompute(session, tenant_id, config, row)
    return True


async def _cache(session: AsyncSession, tenant_id: uuid.UUID) -> Any:
    w = WinCalibration
    return (await session.execute(
        sa.select(w.generation, w.computed_generation, w.model_version, w.cells).where(w.tenant_id == tenant_id)
    )).one_or_none()


async def _recompute(session: AsyncSession, tenant_id: uuid.UUID, config: Config, row: Any) -> Cells:
    cells = await compute(session, tenant_id, config, None)
    if row is not None:
        # Stored only if no writer bumped the generation meanwhile: then this result may miss its change.
        w = WinCalibration
        await session.execute(
            sa.update(w).where(w.tenant_id == tenant_id, w.generation == row.generation)
            .values(cells=cells.as_rows(), model_version=config.version, computed_generation=row.generation,
                    computed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return cells


@register_tenant_seeder
async def create_row(session: AsyncSession, tenant: Tenant, admin: User) -> None:
    session.add(WinCalibration(tenant_id=tenant.id, generation=0))


def invalidate_statement(tenant_ids: set[uuid.UUID], *, drop_cells: bool = False) -> sa.Update:
    """Mark the cached cells stale; `drop_cells` also forgets them, so the next read computes them
    (after a bulk load, whose figures should not be read off an empty history)."""
    values: dict[str, Any] = {"generation": WinCalibration.generation + 1}
    if drop_cells:
        values["cells"] = None
    return (
        sa.update(WinCalibration).where(WinCalibration.tenant_id.in_(tenant_ids)).values(**values)
        .execution_options(synchronize_session=False)
    )


_CLOSE_FIELDS = ("status", "won_at", "lost_at", "created_at", "deleted_at")


def _affected_tenants(session: Session) -> set[uuid.UUID]:
    tenants: set[uuid.UUID] = set()
    for obj in session.new:
        if isinstance(obj, Opportunity) and (obj.won_at is not None or obj.lost_at is not None):
            tenants.add(obj.tenant_id)
    for obj in session.dirty:
        if isinstance(obj, Opportunity):
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _CLOSE_FIELDS):
                tenants.add(obj.tenant_id)
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Evidence):
            deal = session.identity_map.get(sa.inspect(Opportunity).identity_key_from_primary_key(
                (obj.tenant_id, obj.opportunity_id)))
            # Evidence of an open deal changes no observation; unknown deals are assumed closed.
            if deal is None or deal.won_at is not None or deal.lost_at is not None:
                tenants.add(obj.tenant_id)
    return tenants


@event.listens_for(Session, "after_flush")
def _invalidate(session: Session, flush_context: Any) -> None:
    """In the writer's transaction: a deal closing, reopening, being re-dated or deleted, or evidence
    of a closed deal changing, makes the tenant's cached observations stale."""
    tenants = _affected_tenants(session)
    if tenants:
        session.connection().execute(invalidate_statement(tenants))
