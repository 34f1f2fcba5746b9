"""Credibility heatmap (预测可信度热力图) and the "high forecast, low evidence" (高预测但低证据) risk list.

A deal's evidence completeness = its evidenced nodes among those expected ÷ the nodes expected. The
heatmap expects what the deal's pipeline stage expects (a stage expecting none has no completeness);
the risk list takes open deals the rep calls `commit` or that sit in their pipeline's last two stages,
and expects the stage's nodes plus, for a `commit` claim, every node a commit implies (the evidence
model's nodes below the commit threshold and the first at or above it).

Both are one aggregate over the open deals: each deal carries its evidenced nodes as a bit mask
(opportunities.evidence_mask), each stage its expected nodes as masks in a small inline table, and
the evidenced-and-expected count is a sum of bits — no scan of the evidence table.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.evidence.config import Config
from salescore.evidence.service import current_config
from salescore.forecast.deals import Scope
from salescore.kit.types import GUID
from salescore.models import Opportunity, Pipeline, User
from salescore.pipeline import repository as pipeline_repo

RISK_BELOW = 0.5
RISK_LIMIT = 200
LATE_STAGES = 2


def expected_of(stage: dict[str, Any], config: Config, *, commit: bool) -> list[str]:
    """The nodes expected of a deal in `stage` (of the evidence model's nodes), with a commit claim's."""
    known = config.coefficients
    own = [n for n in dict.fromkeys(stage.get("expected_evidence") or []) if n in known]
    return list(dict.fromkeys(own + config.claim_nodes())) if commit else own


def _stage_rows(pipelines: list[Pipeline], config: Config) -> list[tuple[Any, ...]]:
    """(pipeline, stage, late, stage mask, its size, commit mask, its size) per stage."""
    rows = []
    for pipeline in pipelines:
        for position, stage in enumerate(pipeline.stages):
            own, committed = expected_of(stage, config, commit=False), expected_of(stage, config, commit=True)
            late = position >= len(pipeline.stages) - LATE_STAGES
            rows.append((pipeline.id, stage["code"], late, config.mask(own), len(own), config.mask(committed),
                         len(committed)))
    return rows


def _inline(name: str, columns: list[tuple[str, Any]], rows: list[tuple[Any, ...]]) -> Any:
    """An inline table of a few rows. A UNION ALL of literal SELECTs rather than VALUES, whose column
    aliases SQLite cannot name; with no rows, one row of NULLs that matches no deal."""
    rows = rows or [tuple(None for _ in columns)]
    selects = [sa.select(*(sa.literal(value, type_).label(column) for (column, type_), value in zip(columns, row)))
               for row in rows]
    return sa.union_all(*selects).subquery(name)


async def _stages(session: AsyncSession, tenant_id: uuid.UUID, config: Config) -> tuple[Any, list[Pipeline]]:
    pipelines = await pipeline_repo.all_pipelines(session, tenant_id)
    pipelines.sort(key=lambda p: (not p.is_default, p.created_at, str(p.id)))
    table = _inline("stage_info", [
        ("pipeline_id", GUID), ("stage", sa.String()), ("late", sa.Boolean()), ("stage_mask", sa.Integer()),
        ("n_stage", sa.Integer()), ("commit_mask", sa.Integer()), ("n_commit", sa.Integer()),
    ], _stage_rows(pipelines, config))
    return table, pipelines


def _hits(config: Config, mask: Any) -> sa.ColumnElement[int]:
    """How many of the nodes in `mask` the deal's evidence covers: a sum of bits (portable SQL)."""
    both = Opportunity.evidence_mask.bitwise_and(mask)
    return sum((both.bitwise_rshift(i).bitwise_and(1) for i in range(len(config.nodes))), sa.literal(0))


def _open_deals(scope: Scope, s: Any, *columns: Any) -> sa.Select[Any]:
    o = Opportunity
    return (
        sa.select(*columns)
        .select_from(o)
        .join(User, sa.and_(User.tenant_id == o.tenant_id, User.id == o.owner_id))
        .outerjoin(s, sa.and_(s.c.pipeline_id == o.pipeline_id, s.c.stage == o.stage))
        .where(o.tenant_id == scope.principal.tenant_id, o.deleted_at.is_(None), o.status == "open",
               *scope.clauses())
    )


async def heatmap(session: AsyncSession, scope: Scope, lang: str = "zh") -> dict[str, Any]:
    config = await current_config(session, scope.principal.tenant_id)
    s, pipelines = await _stages(session, scope.principal.tenant_id, config)
    o = Opportunity
    completeness = sa.case((s.c.n_stage > 0, _hits(config, s.c.stage_mask) * 1.0 / s.c.n_stage), else_=sa.null())
    stmt = _open_deals(
        scope, s, o.owner_id, User.name, User.team_id, o.stage, sa.func.count().label("deals"),
        sa.func.count(completeness).label("measured"), sa.func.avg(completeness).label("completeness"),
    ).group_by(o.owner_id, User.name, User.team_id, o.stage)
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    for r in (await session.execute(stmt)).all():
        row = rows.setdefault(r.owner_id, {"owner_id": r.owner_id, "name": r.name, "team_id": r.team_id,
                                           "cells": [], "deals": 0, "_sum": 0.0, "_n": 0})
        value = None if r.completeness is None else round(float(r.completeness), 4)
        row["cells"].append({"stage": r.stage, "completeness": value, "deals": r.deals, "measured": r.measured})
        row["deals"] += r.deals
        if value is not None:
            row["_sum"] += float(r.completeness) * r.measured
            row["_n"] += r.measured
    stages = _columns(pipelines, {c["stage"] for row in rows.values() for c in row["cells"]}, lang)
    order = {code: i for i, code in enumerate(c["code"] for c in stages)}
    out_rows = []
    for row in sorted(rows.values(), key=lambda r: (r["name"] or "", str(r["owner_id"]))):
        row["cells"].sort(key=lambda c: order.get(c["stage"], len(order)))
        row["completeness"] = round(row.pop("_sum") / row["_n"], 4) if row["_n"] else None
        row.pop("_n")
        out_rows.append(row)
    return {"stages": stages, "rows": out_rows, "risks": await _risks(session, scope, config, s),
            "risk_threshold": RISK_BELOW}


def _columns(pipelines: list[Pipeline], present: set[str | None], lang: str) -> list[dict[str, Any]]:
    key = "label_en" if lang == "en" else "label"
    out: dict[str | None, dict[str, Any]] = {}
    for pipeline in pipelines:
        for stage in pipeline.stages:
            if stage["code"] in present and stage["code"] not in out:
                out[stage["code"]] = {"code": stage["code"], "label": stage.get(key) or stage.get("label")
                                      or stage["code"]}
    for code in sorted(c for c in present if c not in out and c is not None):
        out[code] = {"code": code, "label": code}
    return list(out.values())


async def _risks(session: AsyncSession, scope: Scope, config: Config, s: Any) -> list[dict[str, Any]]:
    o = Opportunity
    claimed = o.rep_forecast_category == "commit"
    expected = sa.case((claimed, s.c.commit_mask), else_=s.c.stage_mask)
    size = sa.case((claimed, s.c.n_commit), else_=s.c.n_stage)
    completeness = _hits(config, expected) * 1.0 / size
    stmt = (
        _open_deals(scope, s, o.id, o.name, o.owner_id, User.name.label("owner_name"), o.stage, o.amount,
                    o.currency, o.rep_forecast_category, o.forecast_category, o.maturity, o.evidence_mask,
                    expected.label("expected_mask"), completeness.label("completeness"))
        .where(sa.or_(claimed, s.c.late.is_(True)), size > 0, completeness < RISK_BELOW)
        .order_by(o.amount.desc().nulls_last(), o.id)
        .limit(RISK_LIMIT)
    )
    return [{
        "opportunity_id": r.id, "name": r.name, "owner_id": r.owner_id, "owner_name": r.owner_name,
        "stage": r.stage, "amount": r.amount, "currency": r.currency,
        "rep_forecast_category": r.rep_forecast_category, "forecast_category": r.forecast_category,
        "maturity": r.maturity, "completeness": round(float(r.completeness), 4),
        "reason": "commit_claim" if r.rep_forecast_category == "commit" else "late_stage",
        "expected": config.codes(r.expected_mask), "missing": config.codes(r.expected_mask & ~r.evidence_mask),
    } for r in (await session.execute(stmt)).all()]
