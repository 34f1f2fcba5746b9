"""Signal queries: configuration versions, hits, and the per-customer counters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.dialect import insert_for
from salescore.kit.principal import Principal
from salescore.kit.visibility import visible_customer_ids
from salescore.models import CustomerSignal, FollowUp, SignalConfig, SignalHit


async def latest_version(session: AsyncSession, tenant_id: uuid.UUID) -> int | None:
    return await session.scalar(
        sa.select(sa.func.max(SignalConfig.version)).where(SignalConfig.tenant_id == tenant_id)
    )


async def config_row(session: AsyncSession, tenant_id: uuid.UUID, version: int) -> SignalConfig | None:
    return await session.scalar(
        sa.select(SignalConfig).where(SignalConfig.tenant_id == tenant_id, SignalConfig.version == version)
    )


async def lock_configs(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Serialise configuration writers of one tenant (two directors saving at once)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                              {"key": f"signal_config:{tenant_id}"})


def versions(tenant_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(SignalConfig).where(SignalConfig.tenant_id == tenant_id)


# --- hits --------------------------------------------------------------------------------------

def visible_hits(principal: Principal) -> sa.Select[Any]:
    stmt = sa.select(SignalHit).where(SignalHit.tenant_id == principal.tenant_id, SignalHit.deleted_at.is_(None))
    if principal.sees_whole_tenant:
        return stmt
    # A hit without a customer (never written today) is its author's.
    return stmt.where(sa.or_(SignalHit.customer_id.in_(visible_customer_ids(principal)),
                             sa.and_(SignalHit.customer_id.is_(None), SignalHit.user_id == principal.user_id)))


async def live_signals_of_source(
    session: AsyncSession, tenant_id: uuid.UUID, source: str, source_id: uuid.UUID
) -> set[str]:
    rows = await session.scalars(
        sa.select(SignalHit.signal).where(SignalHit.tenant_id == tenant_id, SignalHit.source == source,
                                          SignalHit.source_id == source_id, SignalHit.deleted_at.is_(None))
    )
    return set(rows)


async def signals_of_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID, *, besides: tuple[str, uuid.UUID]
) -> set[str]:
    """Signals the conversation's other sources carry (a summary and its call transcript are one)."""
    source, source_id = besides
    rows = await session.scalars(
        sa.select(SignalHit.signal).distinct()
        .where(SignalHit.tenant_id == tenant_id, SignalHit.follow_up_id == follow_up_id,
               SignalHit.deleted_at.is_(None), sa.not_(sa.and_(SignalHit.source == source,
                                                                SignalHit.source_id == source_id)))
    )
    return set(rows)


async def retire_source(
    session: AsyncSession, tenant_id: uuid.UUID, source: str, source_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        sa.update(SignalHit)
        .where(SignalHit.tenant_id == tenant_id, SignalHit.source == source, SignalHit.source_id == source_id,
               SignalHit.deleted_at.is_(None))
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )


async def add_hits(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(SignalHit), rows)


# --- counters ----------------------------------------------------------------------------------

async def count_up(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, signal: str, seen_at: datetime
) -> int:
    """One more conversation carried the signal; the new count (atomic under concurrent writers)."""
    c = CustomerSignal
    insert = insert_for(session)
    stmt = insert(c).values(tenant_id=tenant_id, customer_id=customer_id, signal=signal, count=1,
                            first_seen_at=seen_at, last_seen_at=seen_at, escalations=0)
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.tenant_id, c.customer_id, c.signal],
        set_={
            "count": c.count + 1,
            "first_seen_at": sa.case((c.first_seen_at.is_(None), stmt.excluded.first_seen_at),
                                     (stmt.excluded.first_seen_at < c.first_seen_at, stmt.excluded.first_seen_at),
                                     else_=c.first_seen_at),
            "last_seen_at": sa.case((c.last_seen_at.is_(None), stmt.excluded.last_seen_at),
                                    (stmt.excluded.last_seen_at > c.last_seen_at, stmt.excluded.last_seen_at),
                                    else_=c.last_seen_at),
        },
    ).returning(c.count)
    return int((await session.execute(stmt)).scalar_one())


async def count_down(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, signal: str, *, by: int = 1
) -> int:
    """A conversation no longer carries the signal (by=0: it moved in time): the count drops and the
    dates follow the hits left. The new count."""
    c, h = CustomerSignal, SignalHit
    live = (sa.select(h.occurred_at).where(h.tenant_id == c.tenant_id, h.customer_id == c.customer_id,
                                           h.signal == c.signal, h.deleted_at.is_(None)))
    count = await session.scalar(
        sa.update(c)
        .where(c.tenant_id == tenant_id, c.customer_id == customer_id, c.signal == signal)
        .values(count=sa.case((c.count >= by, c.count - by), else_=0),
                first_seen_at=live.with_only_columns(sa.func.min(h.occurred_at)).scalar_subquery(),
                last_seen_at=live.with_only_columns(sa.func.max(h.occurred_at)).scalar_subquery())
        .returning(c.count)
        .execution_options(synchronize_session=False)
    )
    return int(count or 0)


async def lock_follow_up(session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID) -> None:
    """Writers of one conversation (summary edit, transcript, delete) take turns: each reads the
    hits the other committed. SQLite serialises writers anyway."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            sa.select(FollowUp.id).where(FollowUp.tenant_id == tenant_id, FollowUp.id == follow_up_id)
            .with_for_update()
        )


async def move_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID, occurred_at: datetime,
    opportunity_id: uuid.UUID | None,
) -> None:
    await session.execute(
        sa.update(SignalHit)
        .where(SignalHit.tenant_id == tenant_id, SignalHit.follow_up_id == follow_up_id,
               SignalHit.deleted_at.is_(None))
        .values(occurred_at=occurred_at, opportunity_id=opportunity_id)
        .execution_options(synchronize_session=False)
    )


async def mark_escalated(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, signal: str, now: datetime
) -> None:
    c = CustomerSignal
    await session.execute(
        sa.update(c).where(c.tenant_id == tenant_id, c.customer_id == customer_id, c.signal == signal)
        .values(escalations=c.escalations + 1, last_escalated_at=now)
        .execution_options(synchronize_session=False)
    )


async def counters_of(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[CustomerSignal]:
    rows = await session.scalars(
        sa.select(CustomerSignal)
        .where(CustomerSignal.tenant_id == tenant_id, CustomerSignal.customer_id == customer_id,
               CustomerSignal.count > 0)
        .order_by(CustomerSignal.last_seen_at.desc(), CustomerSignal.signal)
    )
    return list(rows)


async def counts_for(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, signals: list[str]
) -> dict[str, int]:
    rows = await session.execute(
        sa.select(CustomerSignal.signal, CustomerSignal.count)
        .where(CustomerSignal.tenant_id == tenant_id, CustomerSignal.customer_id == customer_id,
               CustomerSignal.signal.in_(signals))
    )
    return {signal: int(count) for signal, count in rows}


async def retire_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        sa.update(SignalHit)
        .where(SignalHit.tenant_id == tenant_id, SignalHit.follow_up_id == follow_up_id,
               SignalHit.deleted_at.is_(None))
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )
