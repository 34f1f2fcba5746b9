"""Benchmark: the forecast and the credibility heatmap of SPEC §8 at scale M, over HTTP, against hand-written SQL (§15).

`GET /api/v1/analytics/forecast?period=YYYY-MM` and `GET /api/v1/analytics/forecast-heatmap` as a director,
sequential requests against a real `salescore serve` subprocess on 127.0.0.1 (p50/p95 latency; target p95
≤ 150 ms), and the same aggregates computed by hand-written asyncpg statements in this process, timed the
same way: for the forecast the period's open deals (amount, close date, maturity, owner, team) and the
category / closed-won sums per rep, team and tenant, optionally followed by the same numpy pricing and
Monte Carlo (salescore's `simulate`, 2000 draws) so the floor of the whole computation is known; cold
(calibration cache empty) the closed-deal calibration cells too; for the heatmap the rep × stage
completeness aggregate and the risk list. Both answers are compared before anything is timed (every rep's,
team's and the tenant's category sums, deal counts, expected value and P10/P50/P90, the calibration cells,
every heatmap cell and the risk list). Then interleaved rounds, then an in-process breakdown of where the
API's time goes (per SQL statement and per Python step).

    .venv/bin/python scripts/bench/forecast.py [--rounds 3] [--requests 20] [--explain] [--keep]

Needs PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432. The scratch database (synthetic scale-M
org: scripts/bench/forecast_data.py) is dropped at the end, also on errors and Ctrl-C, unless --keep.
"""

from __future__ import annotations

import argparse
import gc
import json
import secrets
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import asyncpg
import forecast_data as data  # scripts/bench/forecast_data.py, beside this script
import harness as h  # scripts/bench/harness.py
import numpy as np

sys.path.insert(0, str(h.ROOT / "src"))

from salescore.evidence.config import Config  # noqa: E402
from salescore.forecast import calibration, service  # noqa: E402
from salescore.forecast import deals as forecast_deals  # noqa: E402
from salescore.forecast import heatmap as credibility  # noqa: E402
from salescore.forecast.simulate import DRAWS, percentiles, simulate  # noqa: E402
from salescore.kit.db import create_engine, create_sessionmaker  # noqa: E402
from salescore.kit.principal import Principal  # noqa: E402
from salescore.kit.security import create_access_token, hash_password  # noqa: E402

HEADING = "Forecast and credibility heatmap"
GRACE = 240  # seconds past --time-limit at which the run is cut (loading included)
CATEGORIES = ("commit", "best_case", "pipeline", "unqualified")
TARGET_MS = 150.0

# --- the hand-written baseline -------------------------------------------------------------------

# The period's open deals, as the forecast needs them (sorted as salescore sorts them).
DEALS_SQL = """
SELECT o.id, o.owner_id, u.team_id, o.amount::float8 AS amount, o.expected_close_date, o.maturity,
       o.forecast_category
FROM opportunities o JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.owner_id
WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND o.currency = $2 AND o.status = 'open'
  AND o.expected_close_date BETWEEN $3 AND $4 AND o.amount IS NOT NULL
ORDER BY o.owner_id, o.id
"""

# Category sums, deal counts and the amount already won in the period, per rep, per team and in total.
SUMS_SQL = """
WITH d AS (
  SELECT o.owner_id, u.team_id, u.name AS owner_name, o.amount, o.forecast_category,
         o.status = 'open' AND o.expected_close_date BETWEEN $3 AND $4 AS open_in_period,
         o.won_at >= $5 AND o.won_at < $6 AS won_in_period
  FROM opportunities o JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.owner_id
  WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND o.currency = $2 AND o.amount IS NOT NULL
    AND ((o.status = 'open' AND o.expected_close_date BETWEEN $3 AND $4) OR (o.won_at >= $5 AND o.won_at < $6))
)
SELECT d.owner_id, d.team_id, grouping(d.owner_id, d.team_id) AS level, min(d.owner_name) AS owner_name,
       min(t.name) AS team_name,
       coalesce(sum(d.amount) FILTER (WHERE open_in_period AND forecast_category = 'commit'), 0) AS commit,
       coalesce(sum(d.amount) FILTER (WHERE open_in_period AND forecast_category = 'best_case'), 0) AS best_case,
       coalesce(sum(d.amount) FILTER (WHERE open_in_period AND forecast_category = 'pipeline'), 0) AS pipeline,
       coalesce(sum(d.amount) FILTER (WHERE open_in_period AND forecast_category = 'unqualified'), 0) AS unqualified,
       count(*) FILTER (WHERE open_in_period) AS deals,
       coalesce(sum(d.amount) FILTER (WHERE won_in_period), 0) AS closed_won
FROM d LEFT JOIN teams t ON t.tenant_id = $1 AND t.id = d.team_id
GROUP BY GROUPING SETS ((d.owner_id, d.team_id), (d.team_id), ())
"""

# The closed-deal observations (checkpoint, maturity then) -> wins, losses; one pass over the deals.
CALIBRATION_SQL = """
WITH coef(node, c) AS (SELECT * FROM unnest($2::text[], $3::float8[])),
closed AS (
  SELECT o.id, o.created_at, coalesce(o.won_at, o.lost_at) AS closed_at, (o.won_at IS NOT NULL)::int AS won
  FROM opportunities o
  WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND (o.won_at IS NOT NULL OR o.lost_at IS NOT NULL)
),
reached AS (
  SELECT e.opportunity_id AS id,
         max(CASE WHEN e.occurred_at <= c.closed_at - interval '360 hours' THEN coalesce(coef.c, 0) END) AS m15,
         max(CASE WHEN e.occurred_at <= c.closed_at - interval '1440 hours' THEN coalesce(coef.c, 0) END) AS m60,
         max(CASE WHEN e.occurred_at <= c.closed_at - interval '2880 hours' THEN coalesce(coef.c, 0) END) AS m120
  FROM evidence e JOIN closed c ON c.id = e.opportunity_id LEFT JOIN coef ON coef.node = e.node
  WHERE e.tenant_id = $1 AND e.revoked_at IS NULL
  GROUP BY e.opportunity_id
)
SELECT v.checkpoint, coalesce(v.m, 0) AS maturity, sum(c.won) AS wins, count(*) - sum(c.won) AS losses
FROM closed c LEFT JOIN reached r ON r.id = c.id CROSS JOIN LATERAL (VALUES
  (15, r.m15, c.created_at <= c.closed_at - interval '360 hours'),
  (60, r.m60, c.created_at <= c.closed_at - interval '1440 hours'),
  (120, r.m120, c.created_at <= c.closed_at - interval '2880 hours')) AS v(checkpoint, m, observed)
WHERE v.observed
GROUP BY v.checkpoint, coalesce(v.m, 0)
"""

# The heatmap baseline: each node of the evidence model is a bit; a deal's unrevoked evidence is one
# bitmask (opportunities.evidence_mask, kept by salescore with maturity), each (pipeline, stage) expects
# a mask of nodes (the stage's own, and with a commit claim), so a deal's hits are
# bit_count(mask & expected): no join against an expectation table or the evidence.
_EXPECT = """
s(pipeline_id, stage, late, own, n_own, com, n_com) AS (
  SELECT * FROM unnest($2::uuid[], $3::text[], $4::bool[], $5::int[], $6::int[], $7::int[], $8::int[])),
bits(node, bit) AS (SELECT * FROM unnest($9::text[], $10::int[]))
"""

HEATMAP_SQL = "WITH" + _EXPECT + """,
d AS (SELECT o.id, o.owner_id, o.pipeline_id, o.stage, o.evidence_mask FROM opportunities o
      WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND o.status = 'open')
SELECT d.owner_id, u.name, u.team_id, d.stage, count(*) AS deals, count(c.v) AS measured, avg(c.v) AS completeness
FROM d JOIN users u ON u.tenant_id = $1 AND u.id = d.owner_id
LEFT JOIN s ON s.pipeline_id = d.pipeline_id AND s.stage = d.stage
CROSS JOIN LATERAL (SELECT CASE WHEN s.n_own > 0
                           THEN bit_count((d.evidence_mask & s.own)::bit(32)) * 1.0 / s.n_own END AS v) c
GROUP BY d.owner_id, u.name, u.team_id, d.stage
"""

RISKS_SQL = "WITH" + _EXPECT + """,
d AS (
  SELECT o.id, o.name, o.owner_id, o.pipeline_id, o.stage, o.amount, o.currency, o.rep_forecast_category,
         o.forecast_category, o.maturity, o.evidence_mask, s.late,
         CASE WHEN o.rep_forecast_category = 'commit' THEN s.com ELSE s.own END AS expect,
         CASE WHEN o.rep_forecast_category = 'commit' THEN s.n_com ELSE s.n_own END AS n
  FROM opportunities o JOIN s ON s.pipeline_id = o.pipeline_id AND s.stage = o.stage
  WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND o.status = 'open'
    AND (o.rep_forecast_category = 'commit' OR s.late)
),
risky AS (
  SELECT d.*, u.name AS owner_name, d.evidence_mask AS mask,
         bit_count((d.evidence_mask & d.expect)::bit(32)) * 1.0 / d.n AS completeness
  FROM d JOIN users u ON u.tenant_id = $1 AND u.id = d.owner_id
  WHERE d.n > 0
)
SELECT * FROM risky WHERE completeness < $11::float8 ORDER BY amount DESC NULLS LAST, id LIMIT $12
"""

PIPELINES_SQL = """
SELECT id, stages, is_default, created_at FROM pipelines WHERE tenant_id = $1 AND deleted_at IS NULL
ORDER BY NOT is_default, created_at, id::text
"""


@dataclass
class Expectations:
    """The pipelines' evidence expectations, as the baseline passes them to its statements."""

    args: tuple[list[Any], ...]
    expected: dict[tuple[uuid.UUID, str, str], list[str]]  # (pipeline, stage, claim) -> nodes
    bit: dict[str, int]  # node -> its bit
    stage_order: list[str]


def _expectations(pipelines: list[asyncpg.Record], config: Config) -> Expectations:
    bit = {n["code"]: 1 << i for i, n in enumerate(config.nodes)}
    ordered = sorted(config.nodes, key=lambda n: (float(n["coefficient"]), n["order"]))
    commit = config.thresholds["commit"]
    claim = [n["code"] for n in ordered if float(n["coefficient"]) < commit]
    claim += [n["code"] for n in ordered if float(n["coefficient"]) >= commit][:1]
    s: tuple[list[Any], ...] = ([], [], [], [], [], [], [])
    expected, order = {}, []
    for p in pipelines:
        stages = json.loads(p["stages"]) if isinstance(p["stages"], str) else p["stages"]
        for position, stage in enumerate(stages):
            own = [n for n in dict.fromkeys(stage.get("expected_evidence") or []) if n in bit]
            committed = list(dict.fromkeys(own + claim))
            expected[(p["id"], stage["code"], "stage")] = own
            expected[(p["id"], stage["code"], "commit")] = committed
            row = (p["id"], stage["code"], position >= len(stages) - 2, sum(bit[n] for n in own), len(own),
                   sum(bit[n] for n in committed), len(committed))
            for column, value in zip(s, row, strict=True):
                column.append(value)
            if stage["code"] not in order:
                order.append(stage["code"])
    return Expectations((*s, list(bit), list(bit.values())), expected, bit, order)


@dataclass
class Baseline:
    conn: asyncpg.Connection
    tenant_id: uuid.UUID
    config: Config
    period: service.Period
    tz: str
    currency: str = "CNY"
    seed: int = 0

    def _window(self) -> tuple[Any, ...]:
        now = datetime.now(UTC)
        start, end = self.period.start(self.tz), self.period.end(self.tz)
        return (self.tenant_id, self.currency, self.period.first, self.period.last, start, min(now, end))

    async def forecast_sql(self) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
        args = self._window()
        rows = await self.conn.fetch(DEALS_SQL, *args[:4])
        sums = await self.conn.fetch(SUMS_SQL, *args)
        return rows, sums

    async def calibration_sql(self) -> list[asyncpg.Record]:
        coefficients = self.config.coefficients
        return await self.conn.fetch(CALIBRATION_SQL, self.tenant_id, list(coefficients),
                                     list(coefficients.values()))

    async def forecast_full(self, cells: list[asyncpg.Record] | list[dict[str, Any]]) -> dict[str, Any]:
        """The SQL above, then the same pricing (vectorised) and salescore's Monte Carlo on its rows."""
        rows, sums = await self.forecast_sql()
        return {"rows": rows, "sums": sums, **monte_carlo(rows, cells, self.config, self.tz, self.seed)}

    async def cold(self) -> dict[str, Any]:
        return await self.forecast_full(await self.calibration_sql())

    async def heatmap_sql(self) -> tuple[list[asyncpg.Record], list[asyncpg.Record], Expectations]:
        pipelines = await self.conn.fetch(PIPELINES_SQL, self.tenant_id)
        ex = _expectations(pipelines, self.config)
        cells = await self.conn.fetch(HEATMAP_SQL, self.tenant_id, *ex.args)
        risks = await self.conn.fetch(RISKS_SQL, self.tenant_id, *ex.args, credibility.RISK_BELOW,
                                      credibility.RISK_LIMIT)
        return cells, risks, ex


def monte_carlo(rows: list[asyncpg.Record], cells: Any, config: Config, tz: str, seed: int) -> dict[str, Any]:
    """Beta posteriors per (checkpoint, maturity) cell, expected value, and P10/P50/P90 of salescore's simulate
    for every rep, team and the tenant. Cells are numbered in ascending (checkpoint, maturity) order, as
    salescore does, so the same seed gives the same draws."""
    n = len(rows)
    amounts = np.fromiter((r["amount"] for r in rows), dtype=float, count=n)
    maturity = np.round(np.fromiter((r["maturity"] for r in rows), dtype=float, count=n), 6)
    today = datetime.now(ZoneInfo(tz)).date()  # salescore: local_date(utcnow(), tenant.timezone)
    days = np.fromiter(((r["expected_close_date"] - today).days for r in rows), dtype=np.int64, count=n)
    checkpoint = np.where(days > 90, 120, np.where(days <= 30, 15, 60))
    key = checkpoint * 10_000_000 + np.rint(maturity * 1_000_000).astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    cell_of = inverse.reshape(-1)
    counts = {(int(c["checkpoint"]), round(float(c["maturity"]), 6)): (int(c["wins"]), int(c["losses"]))
              for c in cells}
    k = config.prior_strength
    alpha, beta = np.empty(len(first)), np.empty(len(first))
    for i, j in enumerate(first):
        cp, m = int(checkpoint[j]), float(maturity[j])
        c = m if m > 0 else 0.1
        wins, losses = counts.get((cp, m), (0, 0))
        alpha[i], beta[i] = k * c + wins, k * (1 - c) + losses
    certain = beta <= 0
    mean = np.where(certain, 1.0, alpha / (alpha + np.where(certain, 1.0, beta)))[cell_of]
    owner_ids = [r["owner_id"] for r in rows]
    owners = list(dict.fromkeys(owner_ids))
    index = {o: i for i, o in enumerate(owners)}
    owner_of = np.fromiter((index[o] for o in owner_ids), dtype=np.int64, count=n)
    outcomes = simulate(owners, owner_of, amounts, cell_of, alpha, beta, seed=seed)
    team_of = {r["owner_id"]: r["team_id"] for r in rows}
    teams = list(dict.fromkeys(team_of[o] for o in owners))
    team_index = np.array([teams.index(team_of[o]) for o in owners], dtype=np.int64)
    team_outcomes = np.zeros((len(teams), outcomes.shape[1]))
    np.add.at(team_outcomes, team_index, outcomes)
    expected = mean * amounts
    per_owner = np.bincount(owner_of, weights=expected, minlength=len(owners))
    return {
        "expected": float(expected.sum()), "total": percentiles(outcomes.sum(axis=0)),
        "by_owner": {o: (float(per_owner[i]), percentiles(outcomes[i])) for i, o in enumerate(owners)},
        "by_team": {t: percentiles(team_outcomes[i]) for i, t in enumerate(teams)},
    }


# --- checks: the same figures ---------------------------------------------------------------------

def _close(a: float, b: float, tol: float = 0.011) -> bool:
    return abs(float(a) - float(b)) <= max(tol, 1e-9 * abs(float(b)))


def check_forecast(api: dict[str, Any], base: dict[str, Any], stored_cells: Any,
                   cells: list[asyncpg.Record]) -> dict[str, Any]:
    """The API's forecast equals the baseline's; returns a few facts about the data."""
    mine = {(int(r["checkpoint"]), round(float(r["maturity"]), 6)): (int(r["wins"]), int(r["losses"])) for r in cells}
    stored = {(int(r["checkpoint"]), round(float(r["maturity"]), 6)): (int(r["wins"]), int(r["losses"]))
              for r in stored_cells}
    assert mine == stored, f"calibration cells differ:\n{sorted(mine.items())}\n{sorted(stored.items())}"
    assert api["observations"] == sum(w + lo for w, lo in mine.values()), "observation counts differ"
    sums = base["sums"]
    total = next(r for r in sums if r["level"] == 3)
    by_owner = {r["owner_id"]: r for r in sums if r["level"] == 0}
    by_team = {r["team_id"]: r for r in sums if r["level"] == 2}

    def same(got: dict[str, Any], want: asyncpg.Record, what: str) -> None:
        for key in (*CATEGORIES, "closed_won"):
            assert _close(got[key], want[key]), f"{what}: {key} {got[key]} != {want[key]}"
        assert got["deals"] == want["deals"], f"{what}: deals {got['deals']} != {want['deals']}"

    same(api, total, "total")
    assert api["deals"] == len(base["rows"]), "deal counts differ"
    owners_with_deals = {r["owner_id"] for r in base["rows"]}
    assert {uuid.UUID(o["owner_id"]) for o in api["by_owner"]} == owners_with_deals, "owners differ"
    for o in api["by_owner"]:
        oid = uuid.UUID(o["owner_id"])
        same(o, by_owner[oid], f"owner {oid}")
        assert o["name"] == by_owner[oid]["owner_name"], "owner names differ"
        expected, (p10, p50, p90) = base["by_owner"][oid]
        assert _close(o["expected"], expected), f"owner {oid}: expected {o['expected']} != {expected}"
        assert all(_close(a, b) for a, b in zip((o["p10"], o["p50"], o["p90"]), (p10, p50, p90), strict=True)), \
            f"owner {oid}: P10/P50/P90 {o['p10'], o['p50'], o['p90']} != {p10, p50, p90}"
    for t in api["by_team"]:
        tid = uuid.UUID(t["team_id"]) if t["team_id"] else None
        same(t, by_team[tid], f"team {tid}")
        assert t["name"] == by_team[tid]["team_name"], "team names differ"
        assert all(_close(a, b) for a, b in zip((t["p10"], t["p50"], t["p90"]), base["by_team"][tid], strict=True))
    assert _close(api["expected"], base["expected"]), f"expected {api['expected']} != {base['expected']}"
    assert all(_close(a, b) for a, b in zip((api["p10"], api["p50"], api["p90"]), base["total"], strict=True)), \
        f"P10/P50/P90 {api['p10'], api['p50'], api['p90']} != {base['total']}"
    assert all(api[c] > 0 for c in CATEGORIES) and api["deals"] > 50, f"degenerate data: {api['deals']} deals"
    return {"deals": api["deals"], "owners": len(api["by_owner"]), "teams": len(api["by_team"]),
            "observations": api["observations"], "cells": len(mine),
            "categories": {c: api[c] for c in CATEGORIES}, "expected": api["expected"],
            "p10_p50_p90": (api["p10"], api["p50"], api["p90"])}


def check_heatmap(api: dict[str, Any], cells: list[asyncpg.Record], risks: list[asyncpg.Record],
                  ex: Expectations) -> dict[str, Any]:
    want: dict[str, dict[str | None, tuple[Any, ...]]] = defaultdict(dict)
    names = {}
    for r in cells:
        value = None if r["completeness"] is None else round(float(r["completeness"]), 4)
        want[str(r["owner_id"])][r["stage"]] = (value, r["deals"], r["measured"])
        names[str(r["owner_id"])] = r["name"]
    got = {row["owner_id"]: {c["stage"]: (c["completeness"], c["deals"], c["measured"]) for c in row["cells"]}
           for row in api["rows"]}
    assert got == dict(want), "heatmap cells differ"
    order = {code: i for i, code in enumerate(ex.stage_order)}
    for row in api["rows"]:
        stages = [c["stage"] for c in row["cells"]]
        assert stages == sorted(stages, key=lambda s: order.get(s, len(order))), "cell order differs"
        assert row["name"] == names[row["owner_id"]], "rep names differ"
        assert row["deals"] == sum(d for _, d, _ in want[row["owner_id"]].values()), "rep deal counts differ"
    api_risks = [(r["opportunity_id"], round(r["completeness"], 4), r["reason"], r["missing"], r["expected"])
                 for r in api["risks"]]
    base_risks = []
    for r in risks:
        claim = "commit" if r["rep_forecast_category"] == "commit" else "stage"
        expected = ex.expected[(r["pipeline_id"], r["stage"], claim)]
        have = {node for node, b in ex.bit.items() if r["mask"] & b}
        base_risks.append((str(r["id"]), round(float(r["completeness"]), 4),
                           "commit_claim" if claim == "commit" else "late_stage",
                           [n for n in expected if n not in have], expected))
    assert api_risks == base_risks, "risk lists differ"
    n_cells = sum(len(v) for v in want.values())
    assert n_cells > 100 and len(base_risks) == credibility.RISK_LIMIT, f"degenerate data: {n_cells} cells"
    return {"reps": len(api["rows"]), "cells": n_cells, "risks": len(base_risks),
            "open_deals": sum(row["deals"] for row in api["rows"])}


# --- measuring -------------------------------------------------------------------------------------

async def invalidate(db: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    """An empty cache, as after a bulk load (calibration.invalidate_statement with drop_cells): the next
    call computes the observations itself. (A deal closing only marks them stale; the outbox refreshes.)"""
    await db.execute("UPDATE win_calibrations SET generation = generation + 1, cells = NULL WHERE tenant_id = $1",
                     tenant_id)


# --- in-process breakdown ---------------------------------------------------------------------------

def _label(statement: str) -> str:
    text = " ".join(statement.split())
    if "UNION ALL" in text:
        return "calibration observations (UNION ALL of 3 checkpoints over closed deals × evidence)"
    if "stage_info" in text and "ORDER BY opportunities.amount" in text:
        return "heatmap risks (open deals × expected nodes × evidence, top 200 by amount)"
    if "stage_info" in text:
        return "heatmap cells (open deals × expected nodes × evidence, by rep and stage)"
    return text[:110] + ("…" if len(text) > 110 else "")


class GcClock:
    """Time spent inside Python's garbage collector (gc.callbacks), and full collections."""

    def __init__(self) -> None:
        self.seconds, self.full, self._t0 = 0.0, 0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._t0
            self.full += info["generation"] == 2

    def close(self) -> None:
        gc.callbacks.remove(self._callback)


async def breakdown(sa_url: str, tenant_id: uuid.UUID, director: uuid.UUID, period: service.Period,
                    repeat: int, db: asyncpg.Connection, explain: bool, deadline: float) -> dict[str, Any]:
    """salescore's forecast and heatmap in this process (no HTTP), as the server runs them (this process's
    objects unfrozen, like the server's): each step with the time spent in the garbage collector, and each
    statement. Then two what-ifs: the forecast after gc.freeze(), and salescore's heatmap statements with
    nested-loop joins disabled (a plan-misestimate probe)."""
    gc.unfreeze()
    engine = create_engine(sa_url)
    sessionmaker = create_sessionmaker(engine)
    clock = h.StatementClock(engine, _label)
    gcc = GcClock()
    principal = Principal(user_id=director, tenant_id=tenant_id, role="director")
    scope = forecast_deals.Scope(principal)
    steps: dict[str, list[tuple[float, float, int]]] = defaultdict(list)  # (seconds, GC seconds, full GCs)
    config = Config.default()
    positions: list[Any] = []
    probes: dict[str, tuple[float, float]] = {}
    try:
        async def step(name: str, fn: Callable[[], Awaitable[Any]]) -> Any:
            g0, f0, t0 = gcc.seconds, gcc.full, time.perf_counter()
            result = await fn()
            steps[name].append((time.perf_counter() - t0, gcc.seconds - g0, gcc.full - f0))
            return result

        async def pieces(session: Any) -> list[Any]:
            """The steps of service.forecast one by one (names, team breakdown and response aside)."""
            cells = await step("forecast: cached calibration read", lambda: calibration.cells_at(
                session, tenant_id, config))
            positions = await step("forecast: `deals.open_now` (SQL, rows → `Position`)",
                                   lambda: forecast_deals.open_now(session, scope, "CNY", period.first, period.last))
            today = datetime.now(data.TZ).date()

            async def priced_() -> Any:
                return service.price(positions, config, cells, today)
            priced = await step("forecast: `service.price` (per-deal Python loop)", priced_)
            owners = list(dict.fromkeys(p.owner_id for p in positions))
            index = {o: i for i, o in enumerate(owners)}
            owner_of = np.array([index[p.owner_id] for p in positions], dtype=np.int64)
            amounts = np.array([p.amount for p in positions], dtype=float)

            async def sim() -> Any:
                return simulate(owners, owner_of, amounts, priced.cell_of, priced.alpha, priced.beta, seed=0)
            outcomes = await step(f"forecast: `simulate` ({len(positions):,} deals × {DRAWS} draws, numpy)", sim)

            async def figs() -> Any:
                for j in range(len(owners)):
                    service.figures(priced, np.flatnonzero(owner_of == j), outcomes[j])
                return service.figures(priced, np.arange(len(positions)), outcomes.sum(axis=0))
            await step("forecast: `service.figures` per rep and total (Python loops)", figs)
            return positions

        async def forecast_whole(name: str) -> None:
            async with sessionmaker() as session:
                await step(name, lambda: service.forecast(session, scope, period=period, seed=service.DEFAULT_SEED))

        for i in range(repeat + 1):  # the first pass warms caches and is dropped
            if i and time.monotonic() > deadline:
                break
            clock.prefix = "" if i > 0 else None
            await forecast_whole("forecast: whole `service.forecast` (warm cache)")
            async with sessionmaker() as session:
                positions = await pieces(session)
            async with sessionmaker() as session:
                await step("heatmap: whole `credibility.heatmap`", lambda s=session: credibility.heatmap(s, scope, "zh"))
            async with sessionmaker() as session:
                await step("cold: `calibration.compute` (the observations statement)",
                           lambda s=session: calibration.compute(s, tenant_id, config, None))
        clock.prefix = None
        gc.freeze()  # what-if: the server's long-lived objects out of the collector's way
        for i in range(repeat + 1):
            if i and time.monotonic() > deadline:
                break
            await forecast_whole("what-if: `service.forecast` after `gc.freeze()`" if i else "warm-up")
        steps.pop("warm-up", None)
        for key, (statement, params) in clock.last.items():
            if not key.startswith("heatmap") or time.monotonic() > deadline:
                continue
            times = []
            for setting in ("RESET enable_nestloop", "SET enable_nestloop = off"):
                await db.execute(setting)
                t0 = time.perf_counter()
                await db.fetch(statement, *params)
                times.append(time.perf_counter() - t0)
            await db.execute("RESET enable_nestloop")
            probes[key] = (times[0], times[1])
        plans = {}
        if explain:
            for key, (statement, params) in clock.last.items():
                if statistics.median(clock.times[key]) > 0.005:
                    plans[key] = await h.explain(db, statement, params)
    finally:
        gcc.close()
        await engine.dispose()
    return {"steps": dict(steps), "statements": dict(clock.times), "plans": plans, "deals": len(positions),
            "probes": probes}


# --- setup ---------------------------------------------------------------------------------------

@dataclass
class Setup:
    tenant_id: uuid.UUID
    director_id: uuid.UUID
    token: str
    counts: dict[str, int]
    load_seconds: float = 0.0


async def setup(base: str, dsn: str, secret: str, args: argparse.Namespace, now: datetime) -> Setup:
    """Signup (pipelines, evidence defaults and the win_calibrations row through salescore's own code), a
    director through the API, then the synthetic org by COPY. Reuses an existing bench tenant (--database)."""
    db = await asyncpg.connect(dsn)
    try:
        tenant_id, director_id = await h.bench_tenant(db, base)
        token, _ = create_access_token(secret, user_id=director_id, tenant_id=tenant_id, minutes=600)
        load_seconds = 0.0
        if not await db.fetchval("SELECT count(*) FROM opportunities WHERE tenant_id = $1", tenant_id):
            started = time.monotonic()
            unusable = hash_password(secrets.token_urlsafe(16))  # the generated users never log in
            await data.load(dsn, tenant_id, unusable, args.seed, data.Scale.of(args.scale), now)
            load_seconds = time.monotonic() - started
        counts = {}
        for table in ("teams", "users", "customers", "opportunities", "evidence"):
            counts[table] = await db.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", tenant_id)
        counts["open"] = await db.fetchval(
            "SELECT count(*) FROM opportunities WHERE tenant_id = $1 AND status = 'open' AND deleted_at IS NULL",
            tenant_id)
        counts["closed"] = await db.fetchval(
            "SELECT count(*) FROM opportunities WHERE tenant_id = $1 AND (won_at IS NOT NULL OR lost_at IS NOT NULL)"
            " AND deleted_at IS NULL", tenant_id)
    finally:
        await db.close()
    return Setup(tenant_id, director_id, token, counts, load_seconds)


async def busiest_month(db: asyncpg.Connection, tenant_id: uuid.UUID) -> service.Period:
    code = await db.fetchval("""
        SELECT to_char(expected_close_date, 'YYYY-MM') FROM opportunities
        WHERE tenant_id = $1 AND status = 'open' AND deleted_at IS NULL AND currency = 'CNY' AND amount IS NOT NULL
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""", tenant_id)
    return service.Period.parse(code)


# --- report --------------------------------------------------------------------------------------

def _median(values: list[tuple[float, ...]], i: int) -> float:
    return statistics.median(v[i] for v in values)


ABOUT = """**Target (§15):** `GET /api/v1/analytics/forecast` and `GET /api/v1/analytics/forecast-heatmap` at
scale M (200k deals) with p95 ≤ 150 ms for the API call, next to hand-written SQL computing the same
aggregates in the same run.

**Reproduce:**

```bash
scripts/services                                    # PostgreSQL on 127.0.0.1, if not running
.venv/bin/python scripts/bench/forecast.py          # ~6 minutes at scale M (~15 s of it loading); --help for the knobs
```

Options: `--rounds 3` interleaved rounds, `--requests 20` sequential calls per variant and round, `--warmup 5`,
`--cold 1` cold forecast calls per round, `--repeat 5` in-process breakdown calls (0 skips it), `--scale 1.0`
(relative to scale M), `--seed 11`, `--explain` (EXPLAIN ANALYZE of salescore's slower statements to stderr),
`--keep` / `--database NAME` (keep the scratch database and re-run on it), `--time-limit 420` (no round starts
past it; the run is cut 240 s later, loading included), `--no-doc`.

**The data.** A scratch database migrated with Alembic; a tenant signed up through the API of the server under
test (so its default pipelines, evidence defaults and `win_calibrations` row come from salescore's own code)
and a director created and logged in through the API; then a synthetic org (`scripts/bench/forecast_data.py`,
deterministic for a seed and a day) loaded with asyncpg `COPY` (foreign-key triggers off for the loading
session only): 12 sales teams of 10 reps and a manager each, 40k customers, 200k deals in the default pipeline
— ~60% closed over the past 12 months (`won_at` / `lost_at`; won more often the more evidence they had),
~40% open with an expected close date over the next 6 months (3% overdue) and a rep category on 85% of them
— and 1–4 evidence rows on ~90% of the deals climbing the default ladder (需求确认书 → 技术协议 → 商务条款 →
首付款), dated before the close, with `maturity` and `forecast_category` set from them by the default evidence
model. About 3% of the deals carry a revoked evidence row, 2% another currency, 1% no amount, 1% a soft delete.
The forecast is asked for the month with the most open deals.

**What is compared.** *salescore*: one `salescore serve` (single uvicorn worker, embedded runtime) on a random
127.0.0.1 port, called as the director over keep-alive HTTP/1.1 by a minimal client (the response is read, not
parsed): bearer-token auth, the SQL of `forecast/` through SQLAlchemy, the numpy pricing and Monte Carlo,
response models, JSON. *SQL baseline* (asyncpg in the benchmark process, JIT off): for the forecast, the
period's open deals (what the Monte Carlo needs) and one `GROUPING SETS` statement for the category and
closed-won sums per rep, team and tenant; *+ Monte Carlo*: the same, then the same pricing vectorised and
salescore's own `simulate` on those rows, i.e. the floor of the whole computation; *cold*: the closed-deal
calibration cells first (one pass over closed deals and their evidence); for the heatmap, the rep × stage
completeness aggregate and the risk list, each deal's unrevoked evidence taken as one node bitmask.
Before timing, the first (cold) forecast call is compared with the baseline: every rep's, team's and the
tenant's category sums, deal counts, closed-won, expected value and P10/P50/P90, the observation count and the
calibration cells the call cached; and every heatmap cell (deals, measured, completeness), the cell order and
the 200-row risk list (order, completeness, reason, missing nodes). The run aborts if anything differs.

**How it is measured.** Warm-up calls of every variant, then rounds alternating the order of the variants,
each making its calls one after another (latencies, not throughput); per variant, CPU per call of the server
process, of the PostgreSQL backends of the scratch database and of the benchmark process (`/proc`). Cold
calls: `win_calibrations.cells` emptied (as a deal closing does) before each, not timed. The benchmark process
freezes its own imported objects (`gc.freeze`) for the timed rounds so the baseline does not pay for full
garbage collections over salescore's import graph; the in-process breakdown after the rounds unfreezes them,
to measure salescore's steps as its server runs them, and reports the time spent in the collector."""


def markdown(res: dict[str, h.Series], meta: dict[str, Any], parts: dict[str, Any] | None) -> str:
    f, c = meta["forecast"], meta["counts"]
    lines = [
        ABOUT,
        "",
        "### Results",
        "",
        f"Run {meta['date']} on `{meta['machine']}` (`nproc` = {meta['nproc']}), Python {meta['python']}, "
        f"PostgreSQL {meta['postgres']}, numpy {np.__version__}; scale {meta['scale']:g} (seed {meta['seed']}): "
        f"{c['teams']} teams, {c['users']} users, {c['customers']:,} customers, {c['opportunities']:,} opportunities "
        f"({c['closed']:,} closed, {c['open']:,} open), {c['evidence']:,} evidence rows. Forecast of "
        f"`{meta['period']}`: {f['deals']:,} open CNY deals of {f['owners']} reps in {f['teams']} teams, "
        f"calibrated on {f['observations']:,} closed-deal observations ({f['cells']} cells); heatmap over "
        f"{meta['heatmap']['open_deals']:,} open deals ({meta['heatmap']['cells']} rep × stage cells, "
        f"{meta['heatmap']['risks']} risks). {meta['rounds']} interleaved rounds × {meta['requests']} sequential "
        f"calls per variant after {meta['warmup']} warm-up calls; answers checked equal first.",
        "",
        "| what | calls | p50 ms | p95 ms | salescore ÷ baseline (p50 / p95) | CPU ms/call: server / PostgreSQL / bench |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def row(label: str, s: h.Series, base: h.Series | None) -> str:
        ratio = f"**{s.ms(0.5) / base.ms(0.5):.2f}×** / {s.ms(0.95) / base.ms(0.95):.2f}×" if base else "(baseline)"
        server = f"{s.cpu_ms('server_cpu'):.0f}" if s.server_cpu else "–"
        return (f"| {label} | {len(s.seconds)} | {h.fmt_ms(s.ms(0.5))} | {h.fmt_ms(s.ms(0.95))} | {ratio} | "
                f"{server} / {s.cpu_ms('pg_cpu'):.0f} / {s.cpu_ms('client_cpu'):.0f} |")

    fc, hm, mc = res["forecast"], res["heatmap"], res["forecast SQL+MC"]
    lines += [
        row(f"salescore `GET /api/v1/analytics/forecast?period={meta['period']}` ({fc.bytes // 1024} KB)", fc,
            res["forecast SQL"]),
        row("SQL baseline: the period's open deals + category / closed-won sums", res["forecast SQL"], None),
        row("SQL baseline + the same pricing and Monte Carlo (salescore's `simulate`)", mc, None),
        row("salescore forecast, cold (calibration cache emptied before each call)", res["forecast cold"],
            res["forecast cold SQL"]),
        row("SQL baseline + Monte Carlo, cold: + the calibration cells", res["forecast cold SQL"], None),
        row(f"salescore `GET /api/v1/analytics/forecast-heatmap` ({hm.bytes // 1024} KB)", hm, res["heatmap SQL"]),
        row("SQL baseline: rep × stage completeness + the risk list", res["heatmap SQL"], None),
        "",
        f"- Forecast: p95 **{h.fmt_ms(fc.ms(0.95))} ms** (target ≤ {TARGET_MS:.0f} ms: "
        f"{'**PASS**' if fc.ms(0.95) <= TARGET_MS else '**FAIL**'}); {fc.ms(0.5) / mc.ms(0.5):.2f}× the SQL + Monte "
        f"Carlo floor at p50, whose own p95 is {h.fmt_ms(mc.ms(0.95))} ms. Cold (calibration computed in the call): the "
        f"first call after loading took {h.fmt_ms(meta['first_call_ms'])} ms; cache emptied: p50 "
        f"{h.fmt_ms(res['forecast cold'].ms(0.5))} ms.",
        f"- Heatmap: p95 **{h.fmt_ms(hm.ms(0.95))} ms** (target ≤ {TARGET_MS:.0f} ms: "
        f"{'**PASS**' if hm.ms(0.95) <= TARGET_MS else '**FAIL**'}); the SQL baseline's p95 is "
        f"{h.fmt_ms(res['heatmap SQL'].ms(0.95))} ms.",
    ]
    if parts:
        n = len(next(iter(parts["steps"].values())))
        lines += ["", f"**Where the time goes** (in-process, no HTTP, as the server runs it; median of {n} calls):", "",
                  "| step | median ms | of which in Python's GC | full GCs |", "|---|---:|---:|---:|"]
        for name, values in parts["steps"].items():
            lines.append(f"| {name} | {h.fmt_ms(1000 * _median(values, 0))} | {h.fmt_ms(1000 * _median(values, 1))} | "
                         f"{_median(values, 2):g} |")
        top = sorted(parts["statements"].items(), key=lambda kv: -sum(kv[1]))[:6]
        lines += ["", "Slowest statements salescore sent during those calls (wall time seen by SQLAlchemy):", "",
                  "| statement | times | median ms |", "|---|---:|---:|"]
        for key, values in top:
            label = f"`{key}`" if key.startswith(("SELECT", "UPDATE", "INSERT", "WITH")) else key
            lines.append(f"| {label.replace('|', '/')} | {len(values)} | {h.fmt_ms(1000 * statistics.median(values))} |")
        for key, (planned, no_nestloop) in parts["probes"].items():
            lines.append(f"\nPlan probe — {key}: {h.fmt_ms(1000 * planned)} ms as planned, {h.fmt_ms(1000 * no_nestloop)} ms "
                         "with `enable_nestloop = off`.")
    lines += ["", f"Command: `{meta['command']}`"]
    return "\n".join(lines)


# --- run -----------------------------------------------------------------------------------------

async def run(args: argparse.Namespace, sc: h.Scratch) -> str:
    server, secret = await sc.serve()
    dsn, sa_url, db_name, started = sc.dsn, sc.sa_url, sc.name, sc.started
    now = datetime.now(UTC)
    s = await setup(server.base, dsn, secret, args, now)
    print(f"data ready at {time.monotonic() - started:.0f}s (load {s.load_seconds:.0f}s): {s.counts}", file=sys.stderr)

    db = await asyncpg.connect(dsn)  # checks, cache resets, CPU accounting
    # The baseline's own connection. JIT off: it costs these statements more than it saves (~0.35 s of
    # compilation for the heatmap baseline); salescore's statements stay under jit_above_cost here anyway.
    conn = await asyncpg.connect(dsn, server_settings={"jit": "off"})
    clients: list[h.RawGet] = []
    try:
        tz = await db.fetchval("SELECT timezone FROM tenants WHERE id = $1", s.tenant_id)
        period = await busiest_month(db, s.tenant_id)
        base = Baseline(conn, s.tenant_id, Config.default(), period, tz)
        query = urlencode({"period": period.code})
        fc = h.RawGet(server.base, f"/api/v1/analytics/forecast?{query}", s.token)
        hm = h.RawGet(server.base, "/api/v1/analytics/forecast-heatmap", s.token)
        clients += [fc, hm]

        # The first forecast call: the calibration cache is empty (as after loading, or after any deal closes).
        await invalidate(db, s.tenant_id)
        t0 = time.perf_counter()
        api = await fc.json()
        first_call = time.perf_counter() - t0
        stored = json.loads(await db.fetchval("SELECT cells FROM win_calibrations WHERE tenant_id = $1", s.tenant_id))
        cal = await base.calibration_sql()
        checked = check_forecast(api, await base.forecast_full(cal), stored, cal)
        cells, risks, ex = await base.heatmap_sql()
        heat = check_heatmap(await hm.json(), cells, risks, ex)
        print(f"answers equal at {time.monotonic() - started:.0f}s; first call {1000 * first_call:.0f} ms; "
              f"{checked}; {heat}", file=sys.stderr)

        pid = server.proc.pid

        variants: h.Variants = {
            "forecast": (fc.body, pid),
            "forecast SQL": (base.forecast_sql, None),
            "forecast SQL+MC": (lambda: base.forecast_full(cal), None),
            "heatmap": (hm.body, pid),
            "heatmap SQL": (base.heatmap_sql, None),
        }

        async def cold(res: dict[str, h.Series]) -> None:  # the cache emptied before each call (not timed)
            for _ in range(args.cold):
                await invalidate(db, s.tenant_id)
                res["forecast cold"].add(await h.timed(fc.body, 1, db, db_name, pid))
                res["forecast cold SQL"].add(await h.timed(base.cold, 1, db, db_name, None))

        res, rounds = await h.interleave(variants, args, db, db_name, started, after_round=cold, progress=lambda res: (
            ", ".join(f"{n} p50 {res[n].ms(0.5):.0f} ms" for n in (*variants, "forecast cold"))))

        parts = None
        if args.repeat > 0 and time.monotonic() - started < args.time_limit + 60:
            parts = await breakdown(sa_url, s.tenant_id, s.director_id, period, args.repeat, db, args.explain,
                                    started + args.time_limit + 60)
            for name, values in parts["steps"].items():
                print(f"  {name}: {1000 * _median(values, 0):.1f} ms (GC {1000 * _median(values, 1):.1f} ms)",
                      file=sys.stderr)
            for key, (planned, no_nestloop) in parts["probes"].items():
                print(f"  probe {key}: {1000 * planned:.0f} ms as planned, {1000 * no_nestloop:.0f} ms without "
                      "nested loops", file=sys.stderr)
            for key, values in sorted(parts["statements"].items(), key=lambda kv: -sum(kv[1])):
                print(f"  SQL {1000 * statistics.median(values):8.1f} ms ×{len(values):3d}  {key}", file=sys.stderr)
            for key, plan in parts["plans"].items():
                print(f"\n--- EXPLAIN {key}\n{plan}", file=sys.stderr)
        meta = {
            **await h.machine(db),
            "seed": args.seed, "counts": s.counts, "forecast": checked, "heatmap": heat, "period": period.code,
            "rounds": rounds, "requests": args.requests, "warmup": args.warmup, "repeat": args.repeat,
            "first_call_ms": 1000 * first_call, "command": _command(args), "scale": args.scale,
        }
    finally:
        await h.close_all(*clients, conn, db)
    return markdown(res, meta, parts)


def _command(args: argparse.Namespace) -> str:
    return h.command("forecast.py", args, {"rounds": 3, "requests": 20, "warmup": 5, "cold": 1, "repeat": 5,
                                           "scale": 1.0, "seed": 11})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    h.timing_options(add, rounds=3, requests=20, warmup=5)
    add("--cold", type=int, default=1, help="cold forecast calls per round, cache emptied before each (default 1)")
    add("--repeat", type=int, default=5, help="in-process breakdown calls (default 5; 0 skips it)")
    add("--scale", type=float, default=1.0, help="dataset size relative to scale M (default 1.0: 200k deals)")
    add("--seed", type=int, default=11, help="dataset seed (default 11)")
    add("--explain", action="store_true", help="print EXPLAIN ANALYZE of salescore's slower statements")
    h.scratch_options(add, time_limit=420, grace=GRACE)
    args = parser.parse_args()
    return h.scratch_main(args, run, doc="forecast", heading=HEADING, grace=GRACE)


if __name__ == "__main__":
    raise SystemExit(main())
