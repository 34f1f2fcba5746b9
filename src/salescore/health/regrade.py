"""Writing grades, set-based: one customer or the whole tenant through the same statements.

1. the indicator values, scores and grades as of `now` go into a temporary table (computed once);
2. UPDATE customers FROM it — only rows whose grade is still the one read in step 1, so a
   concurrent regrade of the same customer that committed first is not overwritten;
3. INSERT a grade_changes row and a `customer.grade_changed` outbox event for every customer
   updated in step 2 whose grade changed (None → X included), both from the temporary table.

The customer rows are written with a plain UPDATE: no audit row and no `customer.updated` event
(a grade is computed, not edited, and an event here would trigger the next regrade), and no
version bump (a concurrent PATCH holding the old version must not fail because of a regrade).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

from salescore.events.outbox import OUTBOX_KEY
from salescore.health import defaults as d
from salescore.kit.dialect import json_pairs, new_uuid, uuid_text, without_jit
from salescore.health.indicators import Model, grade_of, indicator_values, score_of
from salescore.kit.types import GUID, UTCDateTime
from salescore.models import Customer, Event, GradeChange

# The temporary table's shape, to refer to its columns; CREATE TABLE AS makes it (no key or index:
# every statement reads all of it through hash joins).
SCORES = sa.Table(
    "tmp_health_scores", sa.MetaData(),
    sa.Column("customer_id", GUID), sa.Column("owner_id", GUID), sa.Column("team_id", GUID),
    sa.Column("old_grade", sa.String(1)),
    *(sa.Column(code, sa.Float) for code in d.CODES),
    sa.Column("score", sa.Float), sa.Column("grade", sa.String(1)),
    # This run's moment on every row: compared with customers.graded_at as a *join* condition, so the
    # planner never estimates "customers graded at this new instant" from stale statistics (~0 rows)
    # and picks a nested loop over the whole tenant.
    sa.Column("graded_at", UTCDateTime()),
)


class CreateTempTableAs(Executable, ClauseElement):
    """CREATE TEMPORARY TABLE name AS <select>. Unlike INSERT ... SELECT, PostgreSQL may run the
    SELECT of a CREATE TABLE AS with parallel workers."""

    inherit_cache = False

    def __init__(self, name: str, select: sa.Select[Any]) -> None:
        self.name, self.select = name, select


@compiles(CreateTempTableAs)
def _create_temp_table_as(element: CreateTempTableAs, compiler: Any, **kw: Any) -> str:
    return f"CREATE TEMPORARY TABLE {element.name} AS {compiler.process(element.select, **kw)}"


@dataclass
class Regraded:
    customers: int = 0  # graded (a row a concurrent regrade wrote first keeps that regrade's result)
    changed: int = 0
    event_ids: list[uuid.UUID] = field(default_factory=list)


async def regrade(
    session: AsyncSession, tenant_id: uuid.UUID, model: Model, *, now: datetime,
    customer_id: uuid.UUID | None = None,
) -> Regraded:
    """Grade every live customer of the tenant (or one) as of `now` with `model`."""
    await without_jit(session)
    result = await _regrade(session, tenant_id, model, now=now, customer_id=customer_id)
    # Should a run fail, its rollback takes the table with it (DDL is transactional on both engines).
    await session.execute(sa.text(f"DROP TABLE {SCORES.name}"))
    return result


async def _regrade(
    session: AsyncSession, tenant_id: uuid.UUID, model: Model, *, now: datetime, customer_id: uuid.UUID | None
) -> Regraded:
    values = indicator_values(tenant_id, now, customer_id=customer_id)
    score = score_of(values, model)
    at = sa.literal(now, UTCDateTime())
    await session.execute(CreateTempTableAs(SCORES.name, sa.select(
        *(values.c[name] for name in ("customer_id", "owner_id", "team_id", "old_grade", *d.CODES)),
        score.label("score"), grade_of(score, model).label("grade"), at.label("graded_at"),
    )))
    s, c = SCORES.c, Customer.__table__.c
    version = sa.literal(model.version, sa.Integer)
    await session.execute(
        sa.update(Customer.__table__)
        .where(c.tenant_id == tenant_id, c.id == s.customer_id, c.grade.is_not_distinct_from(s.old_grade))
        .values(grade=s.grade, health_score=s.score, graded_at=s.graded_at, health_model_version=version)
    )
    result = Regraded(customers=await session.scalar(sa.select(sa.func.count()).select_from(SCORES)) or 0)

    # Changed, and written by the UPDATE just now (not skipped for a concurrent regrade's newer grade).
    written = SCORES.join(Customer.__table__, sa.and_(
        c.tenant_id == tenant_id, c.id == s.customer_id, c.graded_at == s.graded_at))
    changed = s.old_grade.is_distinct_from(s.grade)
    tenant = sa.literal(tenant_id, GUID)
    indicators = json_pairs({code: s[code] for code in d.CODES})
    inserted = await session.execute(
        sa.insert(GradeChange).from_select(
            ["tenant_id", "id", "customer_id", "old_grade", "new_grade", "score", "indicators",
             "model_version", "at"],
            sa.select(tenant, new_uuid(), s.customer_id, s.old_grade, s.grade, s.score, indicators, version,
                      s.graded_at)
            .select_from(written).where(changed),
        )
    )
    result.changed = inserted.rowcount or 0
    if not result.changed:
        return result
    payload = json_pairs({
        "customer_id": uuid_text(s.customer_id), "old": s.old_grade, "new": s.grade, "score": s.score,
        "model_version": version, "indicators": json_pairs({code: s[code] for code in d.CODES}),
        "owner_id": uuid_text(s.owner_id), "team_id": uuid_text(s.team_id),
        "graded_at": sa.literal(now.isoformat(), sa.String),
    })
    events = await session.execute(
        sa.insert(Event).from_select(
            ["id", "tenant_id", "type", "entity", "entity_id", "payload", "occurred_at", "attempts"],
            sa.select(new_uuid(), tenant, sa.literal("customer.grade_changed"), sa.literal("customer"),
                      s.customer_id, payload, s.graded_at, sa.literal(0, sa.Integer))
            .select_from(written).where(changed),
        ).returning(Event.id)
    )
    result.event_ids = list(events.scalars())
    # Published after the commit like any emitted event (see events/outbox.take_pending).
    session.info.setdefault(OUTBOX_KEY, []).extend(result.event_ids)
    return result
