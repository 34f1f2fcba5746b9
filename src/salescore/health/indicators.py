"""The one point-in-time computation of the four indicators (SPEC §6), as set-based SQL.

`indicator_values(tenant_id, as_of)` is a subquery with one row per customer that existed at
`as_of` (created_at <= as_of, not deleted): its id, owner, team, current grade, annual purchase
and the four indicator values x in [0, 1]. Every input is read as of `as_of`:

* follow-ups and action rows by `occurred_at` (deleted ones never count: a deletion is a correction);
* requirement flags and contact roles from `attribute_history`, the latest row with
  `effective_at <= as_of` per customer flag / contact.

The same statement serves the whole-tenant regrade (as_of = now), one customer's regrade
(`customer_id`), grading accuracy and backtests (a past as_of, `visible` customers only), and the
score and grade are expressions over it (`score_of`, `grade_of`), so no figure has a second source.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from salescore.health import defaults as d
from salescore.kit.dialect import json_array_items, text_uuid_key, uuid_key
from salescore.models import ActionRecord, AttributeHistory, Contact, Customer, FollowUp


@dataclass(frozen=True)
class Model:
    """One version of a tenant's health model (version 1 is the default until a PUT)."""

    version: int
    weights: dict[str, float]  # indicator code -> weight, in the model's order
    thresholds: dict[str, float]  # {"A": ..., "B": ...}
    created_at: datetime | None = None
    created_by: uuid.UUID | None = None

    @classmethod
    def default(cls) -> Model:
        return cls(1, dict(d.DEFAULT_WEIGHTS), dict(d.DEFAULT_THRESHOLDS))

    def score(self, values: dict[str, float]) -> float:
        """The same sum as `score_of`, in Python (for one customer's explanation)."""
        return sum(weight * values[code] for code, weight in self.weights.items())

    def grade(self, score: float) -> str:
        if score >= self.thresholds["A"] - d.TOLERANCE:
            return "A"
        return "B" if score >= self.thresholds["B"] - d.TOLERANCE else "C"


def _float(expr: Any) -> Any:
    return sa.cast(expr, sa.Float)


def _scope(stmt: sa.Select[Any], column: Any, customer_id: uuid.UUID | None, visible: Any) -> sa.Select[Any]:
    """Restrict an input subquery to the customers asked about (an index-friendly equality for one)."""
    if customer_id is not None:
        return stmt.where(column == customer_id)
    if visible is not None:
        return stmt.where(column.in_(visible))
    return stmt


def _latest(where: list[Any], partition: list[Any], *columns: Any) -> sa.Subquery:
    """attribute_history rows matching `where`, with rn = 1 on the latest per partition."""
    h = AttributeHistory
    newest_first = (h.effective_at.desc(), h.recorded_at.desc())
    rank = sa.func.row_number().over(partition_by=partition, order_by=newest_first)
    return sa.select(*columns, rank.label("rn")).where(*where).subquery()


def indicator_values(
    tenant_id: uuid.UUID,
    as_of: datetime,
    *,
    customer_id: uuid.UUID | None = None,
    visible: Any = None,
) -> sa.Subquery:
    """One row per customer existing at `as_of`: customer_id, owner_id, team_id, old_grade,
    annual_purchase and one column per indicator code (see the module docstring)."""
    f, a, h, c = FollowUp, ActionRecord, AttributeHistory, Customer

    interactions = _scope(
        sa.select(f.customer_id, sa.func.count().label("n"))
        .where(f.tenant_id == tenant_id, f.deleted_at.is_(None), f.channel.in_(d.INTERACTION_CHANNELS),
               f.occurred_at > as_of - timedelta(days=d.INTERACTION_DAYS), f.occurred_at <= as_of)
        .group_by(f.customer_id),
        f.customer_id, customer_id, visible,
    ).subquery("interactions")

    flags = _latest(
        [h.tenant_id == tenant_id, h.entity == "customer", h.attribute.in_(d.REQUIREMENT_ATTRIBUTES),
         h.effective_at <= as_of, *_where(h.entity_id, customer_id, visible)],
        [h.attribute, h.entity_id], h.entity_id.label("customer_id"), h.value,
    )
    requirements = (
        sa.select(flags.c.customer_id, sa.func.count().label("n"))
        .where(flags.c.rn == 1, flags.c.value == "true")
        .group_by(flags.c.customer_id)
        .subquery("requirements")
    )

    # One customer: its contacts' ids (deleted ones too: their history ends their role), so the
    # lookup index on entity_id serves; attribute_history has no index on customer_id.
    contacts = (
        [h.entity_id.in_(sa.select(Contact.id).where(Contact.tenant_id == tenant_id,
                                                    Contact.customer_id == customer_id))]
        if customer_id is not None else _where(h.customer_id, None, visible)
    )
    roles_ranked = _latest(
        [h.tenant_id == tenant_id, h.entity == "contact", h.attribute == d.ROLE_ATTRIBUTE,
         h.effective_at <= as_of, *contacts],
        [h.entity_id], h.entity_id, h.customer_id, h.value,
    )
    roles = (
        sa.select(roles_ranked.c.customer_id, uuid_key(roles_ranked.c.entity_id).label("contact_key"),
                  roles_ranked.c.value.label("role"))
        .where(roles_ranked.c.rn == 1, roles_ranked.c.value.in_(d.DECISION_ROLES))
        .subquery("roles")
    )
    named = json_array_items(f.contact_ids).table_valued("value").alias("named")
    # DISTINCT pairs first: the planner then hash-joins them to the roles on the contact instead of
    # joining every follow-up to every role of its customer (the query ~40% faster at scale M).
    engaged = _scope(
        sa.select(f.customer_id, text_uuid_key(named.c.value).label("contact_key"))
        .select_from(f).join(named, sa.true())
        .where(f.tenant_id == tenant_id, f.deleted_at.is_(None),
               f.occurred_at > as_of - timedelta(days=d.DECISION_DAYS), f.occurred_at <= as_of)
        .distinct(),
        f.customer_id, customer_id, visible,
    ).subquery("engaged")
    chain = (
        sa.select(engaged.c.customer_id, sa.func.count(sa.distinct(roles.c.role)).label("n"))
        .join(roles, sa.and_(roles.c.customer_id == engaged.c.customer_id,
                             roles.c.contact_key == engaged.c.contact_key))
        .group_by(engaged.c.customer_id)
        .subquery("chain")
    )

    competitors = _scope(
        sa.select(a.customer_id)
        .where(a.tenant_id == tenant_id, a.code == d.COMPETITOR_ACTION, a.deleted_at.is_(None),
               a.occurred_at > as_of - timedelta(days=d.COMPETITOR_DAYS), a.occurred_at <= as_of)
        .group_by(a.customer_id),
        a.customer_id, customer_id, visible,
    ).subquery("competitors")

    n = sa.func.coalesce(interactions.c.n, 0)
    columns = {
        d.INTERACTION: sa.case((n >= d.INTERACTION_TARGET, _float(1)),
                               else_=_float(n) / d.INTERACTION_TARGET),
        d.REQUIREMENTS: _float(sa.func.coalesce(requirements.c.n, 0)) / len(d.REQUIREMENT_FLAGS),
        d.DECISION_CHAIN: _float(sa.func.coalesce(chain.c.n, 0)) / len(d.DECISION_ROLES),
        d.COMPETITOR: _float(sa.case((competitors.c.customer_id.is_not(None), 1), else_=0)),
    }
    stmt = (
        sa.select(
            c.id.label("customer_id"), c.owner_id, c.team_id, c.grade.label("old_grade"), c.annual_purchase,
            *(expr.label(code) for code, expr in columns.items()),
        )
        .select_from(c)
        .outerjoin(interactions, interactions.c.customer_id == c.id)
        .outerjoin(requirements, requirements.c.customer_id == c.id)
        .outerjoin(chain, chain.c.customer_id == c.id)
        .outerjoin(competitors, competitors.c.customer_id == c.id)
        .where(c.tenant_id == tenant_id, c.deleted_at.is_(None), c.created_at <= as_of)
    )
    return _scope(stmt, c.id, customer_id, visible).subquery("indicator_values")


def _where(column: Any, customer_id: uuid.UUID | None, visible: Any) -> list[Any]:
    if customer_id is not None:
        return [column == customer_id]
    return [column.in_(visible)] if visible is not None else []


def score_of(values: Any, model: Model) -> Any:
    """Σ weight × value over the model's indicators (weights are bound parameters)."""
    terms = [sa.literal(weight, sa.Float) * values.c[code] for code, weight in model.weights.items()]
    return sum(terms[1:], terms[0]) if terms else sa.literal(0.0, sa.Float)


def grade_of(score: Any, model: Model) -> Any:
    return sa.case(
        (score >= sa.literal(model.thresholds["A"] - d.TOLERANCE, sa.Float), "A"),
        (score >= sa.literal(model.thresholds["B"] - d.TOLERANCE, sa.Float), "B"),
        else_="C",
    )
