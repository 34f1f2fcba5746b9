"""The deals a forecast runs over, as they stood at a moment.

Now: the deal columns (maturity and category are kept current by evidence changes). At a past
`as_of`: deals created by then and not closed by then (won_at / lost_at later count as open), their
amount and expected close date as they stood then — the `before` of the first audited change after
`as_of`, or today's value when none changed since — and their maturity from the evidence that had
occurred by then and was not revoked by then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, NamedTuple
from datetime import date, datetime
from decimal import Decimal
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.evidence.config import Config
from salescore.kit.dialect import json_timestamp
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible
from salescore.models import AuditLog, Evidence, Opportunity, User


class Position(NamedTuple):
    """A deal as the forecast sees it (a tuple: thousands are built per request; the deal's own id
    is not needed, and 12k UUIDs less to build is measurable)."""

    owner_id: uuid.UUID
    team_id: uuid.UUID | None
    amount: float
    close_date: date | None
    maturity: float
    category: str


@dataclass(frozen=True)
class Scope:
    """Whose deals: the caller's visibility, narrowed by the optional filters."""

    principal: Principal
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        o = Opportunity
        out = [owner_visible(self.principal, o.owner_id)]
        if self.owner_id is not None:
            out.append(o.owner_id == self.owner_id)
        if self.team_id is not None:
            out.append(User.team_id == self.team_id)
        return out


def _base(scope: Scope, currency: str, *, deleted: bool = False) -> sa.Select[Any]:
    """The scope's deals in `currency`; soft-deleted ones too when `deleted` (the caller decides)."""
    o = Opportunity
    stmt = (
        sa.select(o.owner_id, User.team_id)
        .select_from(o)
        .join(User, sa.and_(User.tenant_id == o.tenant_id, User.id == o.owner_id))
        .where(o.tenant_id == scope.principal.tenant_id, o.currency == currency, *scope.clauses())
    )
    return stmt if deleted else stmt.where(o.deleted_at.is_(None))


async def open_now(session: AsyncSession, scope: Scope, currency: str, first: date, last: date) -> list[Position]:
    o = Opportunity
    stmt = _base(scope, currency).add_columns(
        sa.cast(o.amount, sa.Float), o.expected_close_date, o.maturity, o.forecast_category,
    ).where(
        o.status == "open", o.expected_close_date >= first, o.expected_close_date <= last,
        o.amount.is_not(None),
    ).order_by(o.owner_id, o.id)
    return [Position._make(row) for row in (await session.execute(stmt)).tuples()]


def _first_change_before(tenant_id: uuid.UUID, field: str, as_of: datetime) -> Any:
    """Per deal changed after `as_of`: the field's value before the first such change."""
    a = AuditLog
    before, after = a.before[field].as_string(), a.after[field].as_string()
    ranked = (
        sa.select(
            a.entity_id.label("deal_id"), before.label("value"),
            sa.func.row_number().over(partition_by=a.entity_id, order_by=(a.at, a.id)).label("rn"),
        )
        .where(a.tenant_id == tenant_id, a.entity == "opportunity", a.action == "update", a.at > as_of,
               before.is_distinct_from(after))
        .subquery()
    )
    return sa.select(ranked.c.deal_id, ranked.c.value).where(ranked.c.rn == 1).subquery()


def stamps_at(tenant_id: uuid.UUID, as_of: datetime) -> tuple[Any, Any, list[tuple[Any, Any]]]:
    """won_at and lost_at as they stood at `as_of`: today's value, or — for a deal reopened since,
    whose stamp is cleared — the value before its first audited change after `as_of`. Returns the two
    expressions and the (subquery, on-clause) pairs to outer-join to opportunities."""
    o = Opportunity
    won, lost = _first_change_before(tenant_id, "won_at", as_of), _first_change_before(tenant_id, "lost_at", as_of)
    return (
        sa.func.coalesce(o.won_at, json_timestamp(won.c.value)),
        sa.func.coalesce(o.lost_at, json_timestamp(lost.c.value)),
        [(won, won.c.deal_id == o.id), (lost, lost.c.deal_id == o.id)],
    )


def existed_at(as_of: datetime) -> list[sa.ColumnElement[bool]]:
    """Created by `as_of` and not deleted by then."""
    o = Opportunity
    return [o.created_at <= as_of, sa.or_(o.deleted_at.is_(None), o.deleted_at > as_of)]


async def open_at(
    session: AsyncSession, scope: Scope, currency: str, first: date, last: date, as_of: datetime, config: Config
) -> list[Position]:
    o, e = Opportunity, Evidence
    tenant_id = scope.principal.tenant_id
    amount = _first_change_before(tenant_id, "amount", as_of)
    close = _first_change_before(tenant_id, "expected_close_date", as_of)
    maturity = (
        sa.select(e.opportunity_id.label("deal_id"), sa.func.max(config.coefficient_of(e.node)).label("m"))
        .where(e.tenant_id == tenant_id, e.occurred_at <= as_of,
               sa.or_(e.revoked_at.is_(None), e.revoked_at > as_of))
        .group_by(e.opportunity_id)
        .subquery()
    )
    won_at, lost_at, joins = stamps_at(tenant_id, as_of)
    stmt = (
        _base(scope, currency, deleted=True)
        .add_columns(
            o.amount, o.expected_close_date, amount.c.deal_id.label("amount_changed"),
            amount.c.value.label("amount_then"), close.c.deal_id.label("close_changed"),
            close.c.value.label("close_then"), sa.func.coalesce(maturity.c.m, 0.0).label("maturity"),
        )
        .outerjoin(amount, amount.c.deal_id == o.id)
        .outerjoin(close, close.c.deal_id == o.id)
        .outerjoin(maturity, maturity.c.deal_id == o.id)
        .where(*existed_at(as_of), sa.or_(won_at.is_(None), won_at > as_of),
               sa.or_(lost_at.is_(None), lost_at > as_of))
        .order_by(o.owner_id, o.id)
    )
    for subquery, on in joins:
        stmt = stmt.outerjoin(subquery, on)
    out = []
    for r in (await session.execute(stmt)).all():
        value = r.amount_then if r.amount_changed is not None else r.amount
        close_date = _as_date(r.close_then) if r.close_changed is not None else r.expected_close_date
        if value is None or close_date is None or not first <= close_date <= last:
            continue
        m = float(r.maturity)
        out.append(Position(r.owner_id, r.team_id, float(Decimal(str(value))), close_date, m,
                            config.category(m)))
    return out


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def won_between(
    session: AsyncSession, scope: Scope, currency: str, start: datetime, end: datetime
) -> list[tuple[uuid.UUID, uuid.UUID | None, float]]:
    """(owner, team, amount) of the deals won in [start, end)."""
    o = Opportunity
    stmt = _base(scope, currency).add_columns(o.amount).where(
        o.won_at >= start, o.won_at < end, o.amount.is_not(None)
    )
    return [(r.owner_id, r.team_id, float(r.amount)) for r in (await session.execute(stmt)).all()]
