"""Credibility heatmap (预测可信度热力图) and the "high forecast, low evidence" (高预测但低证据) risk list.

A deal's evidence completeness = its evidenced nodes among those expected ÷ the nodes expected. The
heatmap expects what the deal's pipeline stage expects (a stage expecting none has no completeness);
the risk list takes open deals the rep calls `commit` or that sit in their pipeline's last two stages,
and expects the stage's nodes plus, for a `commit` claim, every node a commit implies (the evidence
model's nodes below the commit threshold and the first at or above it). Both are one SQL statement
each over the open deals, with the pipelines' expectations as an inline VALUES table.
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
from salescore.models import Evidence, Opportunity, Pipeline, User
from salescore.pipeline import repository as pipeline_repo

RISK_BELOW = 0.5
RISK_LIMIT = 200
LATE_STAGES = 2


def expected_of(stage: dict[str, Any], config: Config, *, commit: bool) -> list[str]:
    """The nodes expected of a deal in `stage` (of the evidence model's nodes), with a commit claim's."""
    known = config.coefficients
    own = [n for n in dict.fromkeys(stage.get("expected_evidence") or []) if n in known]
    return list(dict.fromkeys(own + config.claim_nodes())) if commit else own


def _expectations(pipelines: list[Pipeline], config: Config) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(pipeline, stage, claim, node) rows and (pipeline, stage, late, n_stage, n_commit) rows."""
    expected, stages = [], []
    for pipeline in pipelines:
        for position, stage in enumerate(pipeline.stages):
            own = expected_of(stage, config, commit=False)
            committed = expected_of(stage, config, commit=True)
            expected += [(pipeline.id, stage["code"], "stage", n) for n in own]
            expected += [(pipeline.id, stage["code"], "commit", n) for n in committed]
            late = position >= len(pipeline.stages) - LATE_STAGES
            stages.append((pipeline.id, stage["code"], late, len(own), len(committed)))
    return expected, stages


def _values(name: str, columns: list[tuple[str, Any]], rows: list[tuple[Any, ...]]) -> Any:
    """An inline table of a few rows. A UNION ALL of literal SELECTs rather than VALUES, whose column
    aliases SQLite cannot name; with no rows, one row of NULLs that matches no deal."""
    rows = rows or [tuple(None for _ in columns)]
    selects = [sa.select(*(sa.literal(value, type_).label(column) for (column, type_), value in zip(columns, row)))
               for row in rows]
    return sa.union_all(*selects).subquery(name)


async def _tables(session: AsyncSession, tenant_id: uuid.UUID, config: Config) -> tuple[Any, Any, list[Pipeline]]:
    pipelines = await pipeline_repo.all_pipelines(session, tenant_id)
    pipelines.sort(key=lambda p: (not p.is_default, p.created_at, str(p.id)))
    expected, stages = _expectations(pipelines, config)
    x = _values("expected", [("pipeline_id", GUID), ("stage", sa.String()), ("claim", sa.String()),
                             ("node", sa.String())], expected)
    s = _values("stage_info", [("pipeline_id", GUID), ("stage", sa.String()), ("late", sa.Boolean()),
                               ("n_stage", sa.Integer()), ("n_commit", sa.Integer())], stages)
    return x, s, pipelines


def _open(scope: Scope) -> list[sa.ColumnElement[bool]]:
    o = Opportunity
    return [o.tenant_id == scope.principal.tenant_id, o.deleted_at.is_(None), o.status == "open", *scope.clauses()]


def _hits(scope: Scope, x: Any, claim: Any) -> Any:
    """Per open deal: how many of the nodes expected of it (under `claim`) are evidenced."""
    o, e = Opportunity, Evidence
    return (
        sa.select(o.id.label("deal_id"), sa.func.count(sa.distinct(e.node)).label("hits"))
        .select_from(o)
        .join(User, sa.and_(User.tenant_id == o.tenant_id, User.id == o.owner_id))
        .join(x, sa.and_(x.c.pipeline_id == o.pipeline_id, x.c.stage == o.stage, x.c.claim == claim))
        .join(e, sa.and_(e.tenant_id == o.tenant_id, e.opportunity_id == o.id, e.node == x.c.node,
                         e.revoked_at.is_(None)))
        .where(*_open(scope))
        .group_by(o.id)
        .subquery()
    )


async def heatmap(session: AsyncSession, scope: Scope, lang: str = "zh") -> dict[str, Any]:
    tenant_id = scope.principal.tenant_id
    config = await current_config(session, tenant_id)
    x, s, pipelines = await _tables(session, tenant_id, config)
    o = Opportunity
    hits = _hits(scope, x, sa.literal("stage"))
    completeness = sa.case(
        (s.c.n_stage > 0, sa.func.coalesce(hits.c.hits, 0) * 1.0 / s.c.n_stage), else_=sa.null()
    )
    stmt = (
        sa.select(o.owner_id, User.name, User.team_id, o.stage, sa.func.count().label("deals"),
                  sa.func.count(completeness).label("measured"), sa.func.avg(completeness).label("completeness"))
        .select_from(o)
        .join(User, sa.and_(User.tenant_id == o.tenant_id, User.id == o.owner_id))
        .outerjoin(s, sa.and_(s.c.pipeline_id == o.pipeline_id, s.c.stage == o.stage))
        .outerjoin(hits, hits.c.deal_id == o.id)
        .where(*_open(scope))
        .group_by(o.owner_id, User.name, User.team_id, o.stage)
    )
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
    return {"stages": stages, "rows": out_rows, "risks": await _risks(session, scope, config, x, s),
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


async def _risks(session: AsyncSession, scope: Scope, config: Config, x: Any, s: Any) -> list[dict[str, Any]]:
    o = Opportunity
    claim = sa.case((o.rep_forecast_category == "commit", "commit"), else_="stage")
    hits = _hits(scope, x, claim)
    size = sa.case((o.rep_forecast_category == "commit", s.c.n_commit), else_=s.c.n_stage)
    completeness = sa.func.coalesce(hits.c.hits, 0) * 1.0 / size
    stmt = (
        sa.select(o.id, o.name, o.owner_id, User.name.label("owner_name"), o.stage, o.amount, o.currency,
                  o.rep_forecast_category, o.forecast_category, o.maturity, o.pipeline_id,
                  completeness.label("completeness"), s.c.late)
        .select_from(o)
        .join(User, sa.and_(User.tenant_id == o.tenant_id, User.id == o.owner_id))
        .join(s, sa.and_(s.c.pipeline_id == o.pipeline_id, s.c.stage == o.stage))
        .outerjoin(hits, hits.c.deal_id == o.id)
        .where(*_open(scope), sa.or_(o.rep_forecast_category == "commit", s.c.late.is_(True)), size > 0,
               completeness < RISK_BELOW)
        .order_by(o.amount.desc().nulls_last(), o.id)
        .limit(RISK_LIMIT)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return []
    expected = await _expected_nodes(session, scope.principal.tenant_id, config, rows)
    evidenced = await _evidenced(session, scope.principal.tenant_id, [r.id for r in rows])
    return [{
        "opportunity_id": r.id, "name": r.name, "owner_id": r.owner_id, "owner_name": r.owner_name,
        "stage": r.stage, "amount": r.amount, "currency": r.currency,
        "rep_forecast_category": r.rep_forecast_category, "forecast_category": r.forecast_category,
        "maturity": r.maturity, "completeness": round(float(r.completeness), 4),
        "reason": "commit_claim" if r.rep_forecast_category == "commit" else "late_stage",
        "expected": expected[r.id], "missing": [n for n in expected[r.id] if n not in evidenced.get(r.id, set())],
    } for r in rows]


async def _expected_nodes(session: AsyncSession, tenant_id: uuid.UUID, config: Config, rows: Any) -> dict[uuid.UUID, list[str]]:
    pipelines = {p.id: p for p in await pipeline_repo.all_pipelines(session, tenant_id)}
    out = {}
    for r in rows:
        stage = next((st for st in pipelines[r.pipeline_id].stages if st["code"] == r.stage), {})
        out[r.id] = expected_of(stage, config, commit=r.rep_forecast_category == "commit")
    return out


async def _evidenced(session: AsyncSession, tenant_id: uuid.UUID, deal_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    e = Evidence
    rows = await session.execute(sa.select(e.opportunity_id, e.node).where(
        e.tenant_id == tenant_id, e.opportunity_id.in_(deal_ids), e.revoked_at.is_(None)))
    out: dict[uuid.UUID, set[str]] = {}
    for deal_id, node in rows.tuples():
        out.setdefault(deal_id, set()).add(node)
    return out
