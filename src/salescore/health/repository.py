"""Every health query: model versions, one customer's indicator inputs (for the explanation), and
the grading-accuracy aggregate. All start from the tenant; figures go through indicators.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.health import defaults as d
from salescore.kit.dialect import without_jit
from salescore.health.indicators import Model, grade_of, indicator_values, score_of
from salescore.models import ActionRecord, AttributeHistory, Contact, FollowUp, HealthModel, Opportunity

EXPLAIN_LIMIT = 100  # records listed per indicator (the value always counts them all)


def as_model(row: HealthModel) -> Model:
    weights = {i["code"]: float(i["weight"]) for i in row.indicators}
    return Model(row.version, weights, {k: float(v) for k, v in row.thresholds.items()}, row.created_at,
                 row.created_by)


async def latest_model(session: AsyncSession, tenant_id: uuid.UUID) -> HealthModel | None:
    return await session.scalar(
        sa.select(HealthModel).where(HealthModel.tenant_id == tenant_id)
        .order_by(HealthModel.version.desc()).limit(1)
    )


async def model_version(session: AsyncSession, tenant_id: uuid.UUID, version: int) -> HealthModel | None:
    return await session.scalar(
        sa.select(HealthModel).where(HealthModel.tenant_id == tenant_id, HealthModel.version == version)
    )


async def values_of(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, as_of: datetime
) -> dict[str, float] | None:
    await without_jit(session)
    values = indicator_values(tenant_id, as_of, customer_id=customer_id)
    row = (await session.execute(sa.select(*(values.c[code] for code in d.CODES)))).one_or_none()
    return None if row is None else {code: float(row[i]) for i, code in enumerate(d.CODES)}


# --- one customer's records --------------------------------------------------------------------

def _window(column: Any, as_of: datetime, days: int) -> list[Any]:
    return [column > as_of - timedelta(days=days), column <= as_of]


async def interaction_records(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                              as_of: datetime) -> list[Any]:
    f = FollowUp
    return list((await session.execute(
        sa.select(f.id, f.occurred_at, f.channel, f.summary)
        .where(f.tenant_id == tenant_id, f.customer_id == customer_id, f.deleted_at.is_(None),
               f.channel.in_(d.INTERACTION_CHANNELS), *_window(f.occurred_at, as_of, d.INTERACTION_DAYS))
        .order_by(f.occurred_at.desc(), f.id).limit(EXPLAIN_LIMIT)
    )).all())


async def history_rows(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, entity: str,
                       attributes: tuple[str, ...], as_of: datetime) -> dict[tuple[uuid.UUID, str], Any]:
    """The latest row at or before as_of per (entity id, attribute) of one customer (its own, or its
    contacts' -- deleted ones too -- looked up by entity id: the index has no customer_id)."""
    h = AttributeHistory
    contacts = sa.select(Contact.id).where(Contact.tenant_id == tenant_id, Contact.customer_id == customer_id)
    owned = h.entity_id.in_(contacts) if entity == "contact" else h.entity_id == customer_id
    rows = (await session.execute(
        sa.select(h.id, h.entity_id, h.attribute, h.value, h.effective_at)
        .where(h.tenant_id == tenant_id, h.entity == entity, h.attribute.in_(attributes), owned,
               h.customer_id == customer_id, h.effective_at <= as_of)
        .order_by(h.effective_at.desc(), h.recorded_at.desc())
    )).all()
    latest: dict[tuple[uuid.UUID, str], Any] = {}
    for row in rows:
        latest.setdefault((row.entity_id, row.attribute), row)
    return latest


async def engaging_follow_ups(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                              as_of: datetime) -> list[Any]:
    f = FollowUp
    return list((await session.execute(
        sa.select(f.id, f.occurred_at, f.contact_ids)
        .where(f.tenant_id == tenant_id, f.customer_id == customer_id, f.deleted_at.is_(None),
               *_window(f.occurred_at, as_of, d.DECISION_DAYS))
        .order_by(f.occurred_at.desc(), f.id)
    )).all())


async def contact_names(
    session: AsyncSession, tenant_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(sa.select(Contact.id, Contact.name).where(Contact.tenant_id == tenant_id,
                                                                           Contact.id.in_(ids)))
    return {r.id: r.name for r in rows}


async def competitor_records(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                             as_of: datetime) -> list[Any]:
    a = ActionRecord
    return list((await session.execute(
        sa.select(a.id, a.follow_up_id, a.occurred_at, a.fields)
        .where(a.tenant_id == tenant_id, a.customer_id == customer_id, a.code == d.COMPETITOR_ACTION,
               a.deleted_at.is_(None), *_window(a.occurred_at, as_of, d.COMPETITOR_DAYS))
        .order_by(a.occurred_at.desc(), a.id).limit(EXPLAIN_LIMIT)
    )).all())


# --- grading accuracy ----------------------------------------------------------------------------

def _count(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


async def accuracy(
    session: AsyncSession, tenant_id: uuid.UUID, as_of: datetime, horizon_end: datetime, models: list[Model],
    visible: Any,
) -> dict[str, Any]:
    """Per model: customers per grade and A customers with a deal won in (as_of, horizon_end];
    the same for the static baseline rule. One statement over the customers existing at as_of."""
    await without_jit(session)
    values = indicator_values(tenant_id, as_of, visible=visible)
    o = Opportunity
    won = (
        sa.select(o.customer_id)
        .where(o.tenant_id == tenant_id, o.deleted_at.is_(None), o.won_at > as_of, o.won_at <= horizon_end)
        .group_by(o.customer_id)
        .subquery("won")
    )
    grades = [grade_of(score_of(values, model), model).label(f"grade_{i}") for i, model in enumerate(models)]
    graded = (
        sa.select(values.c.customer_id, values.c.annual_purchase, won.c.customer_id.is_not(None).label("won"),
                  *grades)
        .select_from(values).outerjoin(won, won.c.customer_id == values.c.customer_id)
        .subquery("graded")
    )
    g = graded.c
    baseline = g.annual_purchase >= d.BASELINE_ANNUAL_PURCHASE
    columns = [sa.func.count().label("customers"), _count(baseline).label("base_a"),
               _count(sa.and_(baseline, g.won)).label("base_won")]
    for i in range(len(models)):
        grade = g[f"grade_{i}"]
        columns += [_count(grade == letter).label(f"m{i}_{letter}") for letter in d.GRADES]
        columns.append(_count(sa.and_(grade == "A", g.won)).label(f"m{i}_won"))
    row = (await session.execute(sa.select(*columns).select_from(graded))).one()._mapping
    result: dict[str, Any] = {
        "customers": int(row["customers"]),
        "baseline": {"a_count": int(row["base_a"]), "a_won": int(row["base_won"])},
        "models": [],
    }
    for i in range(len(models)):
        grades = {letter: int(row[f"m{i}_{letter}"]) for letter in d.GRADES}
        result["models"].append({"grades": grades, "a_count": grades["A"], "a_won": int(row[f"m{i}_won"])})
    return result
