"""Forecast snapshots (stored monthly by the worker, or on demand) and forecast accuracy: each
month's forecast — its stored snapshot, or else a point-in-time backtest as of the month's first
day — against the amount actually won in it. Never commits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.forecast.deals import Scope, won_between
from salescore.forecast.service import DEFAULT_SEED, Period, forecast, period_of
from salescore.kit.errors import Unprocessable
from salescore.kit.types import new_id, utcnow
from salescore.models import ForecastSnapshot, Opportunity
from salescore.tenancy.service import get_tenant, system_principal

MAX_MONTHS = 24
SYSTEM_USER = uuid.UUID(int=0)


async def take_snapshot(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    period: Period,
    currency: str,
    kind: str,
    created_by: uuid.UUID | None,
    seed: int = DEFAULT_SEED,
) -> ForecastSnapshot:
    """The whole tenant's forecast now, with every team and rep breakdown, stored as it is."""
    scope = Scope(system_principal(tenant_id, created_by or SYSTEM_USER))
    figures = await forecast(session, scope, period=period, currency=currency, seed=seed)
    row = ForecastSnapshot(
        id=new_id(), tenant_id=tenant_id, period=period.code, currency=currency, as_of=figures["as_of"],
        kind=kind, seed=seed, figures=to_jsonable_python(figures), created_by=created_by, created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def snapshots(session: AsyncSession, tenant_id: uuid.UUID, period: str | None) -> list[ForecastSnapshot]:
    stmt = sa.select(ForecastSnapshot).where(ForecastSnapshot.tenant_id == tenant_id)
    if period:
        stmt = stmt.where(ForecastSnapshot.period == period)
    return list(await session.scalars(stmt.order_by(ForecastSnapshot.as_of.desc()).limit(200)))


async def currencies_in_play(session: AsyncSession, tenant_id: uuid.UUID) -> list[str]:
    """CNY and every other currency an open deal is in."""
    o = Opportunity
    rows = await session.scalars(sa.select(o.currency).distinct().where(
        o.tenant_id == tenant_id, o.status == "open", o.deleted_at.is_(None)))
    return sorted({"CNY", *rows})


def _entry(figures: dict[str, Any], scope: Scope) -> dict[str, Any] | None:
    """The snapshot's figures for exactly this scope, when the scope is one it stores and the caller
    may see it; None means the month is backtested instead."""
    p = scope.principal
    zero = {"expected": 0.0, "p10": 0.0, "p50": 0.0, "p90": 0.0}
    if scope.owner_id is not None or (not p.sees_whole_tenant and not p.is_manager):
        owner = scope.owner_id or p.user_id
        if scope.team_id is not None or not (p.sees_whole_tenant or owner == p.user_id):
            return None  # a manager's view of one member is backtested under the visibility rules
        found = [e for e in figures["by_owner"] if e["owner_id"] == str(owner)]
        return found[0] if found else zero
    team = scope.team_id
    if team is None and not p.sees_whole_tenant:
        if len(p.managed_team_ids) != 1:
            return None
        team = next(iter(p.managed_team_ids))
    if team is None:
        return figures
    if not p.sees_whole_tenant and team not in p.managed_team_ids:
        return None
    found = [e for e in figures["by_team"] if e["team_id"] == str(team)]
    return found[0] if found else zero


async def _snapshot_for(
    session: AsyncSession, tenant_id: uuid.UUID, period: Period, currency: str, tz: str
) -> ForecastSnapshot | None:
    """The month's forecast of record: its latest snapshot taken by the end of the month's first day
    (the worker's, unless someone stored a fresher one that day; never one weeks older)."""
    s = ForecastSnapshot
    return await session.scalar(
        sa.select(s).where(s.tenant_id == tenant_id, s.period == period.code, s.currency == currency,
                           s.as_of < period.start(tz) + timedelta(days=1))
        .order_by(s.as_of.desc(), s.id).limit(1)
    )


async def accuracy(
    session: AsyncSession, scope: Scope, *, first: Period, last: Period, currency: str
) -> dict[str, Any]:
    tenant = await get_tenant(session, scope.principal.tenant_id)
    tz = tenant.timezone
    now = utcnow()
    if last.first < first.first:
        raise Unprocessable.field("to", "must not be before `from`")
    if last.first > period_of(now, tz).first:
        raise Unprocessable.field("to", "must not be after the current month")
    months = []
    period = first
    while period.first <= last.first:
        months.append(period)
        period = period.next()
        if len(months) > MAX_MONTHS:
            raise Unprocessable.field("from", f"at most {MAX_MONTHS} months at a time")
    out = []
    for period in months:
        snapshot = await _snapshot_for(session, tenant.id, period, currency, tz)
        entry = _entry(snapshot.figures, scope) if snapshot is not None else None
        if entry is not None:
            source, as_of = "snapshot", snapshot.as_of  # type: ignore[union-attr]
        else:
            as_of = period.start(tz)
            entry = await forecast(session, scope, period=period, as_of=as_of, currency=currency)
            source = "backtest"
        won = await won_between(session, scope, currency, period.start(tz), min(period.end(tz), now))
        actual = round(sum(amount for _, _, amount in won), 2)
        expected = float(entry["expected"])
        deviation = (expected - actual) / actual if actual else None
        out.append({
            "period": period.code, "as_of": as_of, "expected": expected, "p10": float(entry["p10"]),
            "p50": float(entry["p50"]), "p90": float(entry["p90"]), "actual_won": actual,
            "deviation": None if deviation is None else round(deviation, 4),
            "accuracy": None if deviation is None else round(max(0.0, 1 - abs(deviation)), 4),
            "within_p10_p90": float(entry["p10"]) <= actual <= float(entry["p90"]),
            "complete": period.end(tz) <= now, "source": source,
        })
    return {"currency": currency, "months": out}

