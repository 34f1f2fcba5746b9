"""Benchmark: the whole-tenant health regrade of SPEC §6 at scale M, as a ratio to hand-written SQL (§15).

salescore's regrade (`health.service.recompute_tenant`: the indicator SQL into a temporary table,
UPDATE customers, grade changes and outbox events for changed grades, commit) against one
hand-written PostgreSQL statement computing the same scores and writing them
(`WITH ... UPDATE customers ... FROM scores`), on the demo tenant built by `salescore seed-demo`
(scale M: ~100k customers, ~1M follow-ups) plus its attribute history (health.history.backfill, as
migration 0003 does for existing data). Both answers are compared first: every customer's score
(to 1e-9) and grade. Then interleaved rounds, alternating which goes first.

    .venv/bin/python scripts/bench/regrade.py [--scale M] [--rounds 5] [--keep] [--database NAME]

Needs PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432. Seeding scale M takes ~4 minutes;
`--keep` leaves the scratch database for a re-run with `--database NAME` (then it is not dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import harness as h  # scripts/bench/harness.py

sys.path.insert(0, str(h.ROOT / "src"))
import sqlalchemy as sa  # noqa: E402

from salescore.config import Settings  # noqa: E402
from salescore.demo import data as demo_data  # noqa: E402
from salescore.demo.seed import run_seed  # noqa: E402
from salescore.health import defaults as d  # noqa: E402
from salescore.health import service  # noqa: E402
from salescore.health.history import backfill  # noqa: E402
from salescore.kit.db import create_engine, create_sessionmaker  # noqa: E402
from salescore.models import User  # noqa: E402

HEADING = "Whole-tenant health regrade"

# The same four indicators, score and grade, written in one statement. Window bounds are passed in
# ($3, $4: T - 90 days and T - 180 days), as salescore computes them, so both use exact 24-hour days.
SCORES = """
WITH inter AS (
  SELECT customer_id, count(*) AS n FROM follow_ups
  WHERE tenant_id = $1 AND deleted_at IS NULL AND channel IN ('call', 'meeting', 'email', 'visit', 'wechat')
    AND occurred_at > $3 AND occurred_at <= $2
  GROUP BY customer_id
), flags AS (
  SELECT DISTINCT ON (attribute, entity_id) entity_id, value FROM attribute_history
  WHERE tenant_id = $1 AND entity = 'customer' AND effective_at <= $2
    AND attribute IN ('requirements.drawings', 'requirements.tech_params', 'requirements.budget_range')
  ORDER BY attribute, entity_id, effective_at DESC, recorded_at DESC
), req AS (
  SELECT entity_id AS customer_id, count(*) AS n FROM flags WHERE value = 'true' GROUP BY entity_id
), roles AS (
  SELECT DISTINCT ON (entity_id) entity_id, customer_id, value FROM attribute_history
  WHERE tenant_id = $1 AND entity = 'contact' AND attribute = 'decision_role' AND effective_at <= $2
  ORDER BY entity_id, effective_at DESC, recorded_at DESC
), engaged AS (
  SELECT DISTINCT f.customer_id, e.value AS contact_id
  FROM follow_ups f CROSS JOIN LATERAL jsonb_array_elements_text(f.contact_ids) AS e(value)
  WHERE f.tenant_id = $1 AND f.deleted_at IS NULL AND f.occurred_at > $4 AND f.occurred_at <= $2
), chain AS (
  SELECT e.customer_id, count(DISTINCT r.value) AS n
  FROM engaged e JOIN roles r ON r.customer_id = e.customer_id AND r.entity_id::text = e.contact_id
  WHERE r.value IN ('technical', 'procurement', 'finance')
  GROUP BY e.customer_id
), comp AS (
  SELECT DISTINCT customer_id FROM action_records
  WHERE tenant_id = $1 AND code = 'competitor_feedback' AND deleted_at IS NULL
    AND occurred_at > $3 AND occurred_at <= $2
), scores AS (
  SELECT c.id,
         0.30::float8 * least(coalesce(i.n, 0)::float8 / 12, 1)
       + 0.25::float8 * coalesce(r.n, 0)::float8 / 3
       + 0.30::float8 * coalesce(ch.n, 0)::float8 / 3
       + 0.15::float8 * (CASE WHEN comp.customer_id IS NULL THEN 0 ELSE 1 END) AS score
  FROM customers c
  LEFT JOIN inter i ON i.customer_id = c.id
  LEFT JOIN req r ON r.customer_id = c.id
  LEFT JOIN chain ch ON ch.customer_id = c.id
  LEFT JOIN comp ON comp.customer_id = c.id
  WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND c.created_at <= $2
), graded AS (
  SELECT id, score, CASE WHEN score >= 0.7 - 1e-9 THEN 'A' WHEN score >= 0.4 - 1e-9 THEN 'B' ELSE 'C' END AS grade
  FROM scores
)
"""
UPDATE = SCORES + """
UPDATE customers c SET grade = g.grade, health_score = g.score, graded_at = $2, health_model_version = 1
FROM graded g WHERE c.tenant_id = $1 AND c.id = g.id
"""
SELECT = SCORES + "SELECT id, score, grade FROM graded"


def _bounds(t: datetime) -> tuple[datetime, datetime, datetime]:
    return t, t - timedelta(days=d.INTERACTION_DAYS), t - timedelta(days=d.DECISION_DAYS)


async def salescore_regrade(sessionmaker: Any, tenant_id: uuid.UUID, now: datetime | None = None) -> dict[str, Any]:
    async with sessionmaker() as session:
        result = await service.recompute_tenant(session, tenant_id, now=now)
        await session.commit()
    return result


async def sql_regrade(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> str:
    async with conn.transaction():
        # The same setting salescore uses (kit.dialect.without_jit): JIT costs this query more
        # than it saves, for both.
        await conn.execute("SET LOCAL jit = off")
        return await conn.execute(UPDATE, tenant_id, *_bounds(datetime.now(UTC)))


async def check_equal(sessionmaker: Any, conn: asyncpg.Connection, tenant_id: uuid.UUID) -> dict[str, Any]:
    """salescore's stored grades at T equal the hand-written statement's answer at T."""
    t = datetime.now(UTC)
    result = await salescore_regrade(sessionmaker, tenant_id, now=t)
    stored = {r["id"]: (r["health_score"], r["grade"]) for r in await conn.fetch(
        "SELECT id, health_score, grade FROM customers WHERE tenant_id = $1 AND graded_at = $2", tenant_id, t)}
    baseline = {r["id"]: (r["score"], r["grade"]) for r in await conn.fetch(SELECT, tenant_id, *_bounds(t))}
    assert stored.keys() == baseline.keys(), f"{len(stored)} graded vs {len(baseline)} in the baseline"
    for cid, (score, grade) in baseline.items():
        got_score, got_grade = stored[cid]
        assert abs(got_score - score) < 1e-9 and got_grade == grade, (cid, stored[cid], (score, grade))
    grades = {g: sum(1 for _, x in baseline.values() if x == g) for g in d.GRADES}
    assert all(grades.values()), f"degenerate data: {grades}"
    return {"customers": len(baseline), "grades": grades, "first_changed": result["changed"]}


async def prepare(args: argparse.Namespace, sa_url: str) -> tuple[uuid.UUID, dict[str, int]]:
    settings = Settings(database_url=sa_url, secret_key=secrets.token_urlsafe(48), log_json=False,
                        log_level="WARNING", storage_dir=Path(tempfile.mkdtemp(prefix="salescore-bench-")))
    engine = create_engine(sa_url)
    counts: dict[str, int] = {}
    try:
        async with engine.connect() as conn:
            tenant_id = await conn.scalar(sa.select(User.tenant_id).where(User.email == demo_data.ADMIN_EMAIL))
        if tenant_id is None:
            started = time.monotonic()
            report = await run_seed(settings, seed=args.seed, scale=args.scale)
            tenant_id, counts["seed_seconds"] = report.tenant_id, round(time.monotonic() - started)
        async with engine.begin() as conn:
            started = time.monotonic()
            counts["history_rows"] = await conn.run_sync(backfill)
            counts["backfill_seconds"] = round(time.monotonic() - started)
            for table in ("attribute_history", "customers"):
                await conn.execute(sa.text(f"ANALYZE {table}"))
        async with engine.connect() as conn:
            for table in ("customers", "contacts", "follow_ups", "action_records", "attribute_history"):
                counts[table] = await conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
    finally:
        await engine.dispose()
    return tenant_id, counts


def markdown(samples: dict[str, list[float]], meta: dict[str, Any]) -> str:
    ours, base = samples["salescore"], samples["SQL"]
    o50, o_min, b50, b_min = (h.percentile(ours, 0.5), min(ours), h.percentile(base, 0.5), min(base))
    ratios = [a / b for a, b in zip(ours, base, strict=True)]
    ratio = h.percentile(ratios, 0.5)
    c = meta["counts"]
    return "\n".join([
        f"Run {meta['date']} on `{meta['machine']}` (`nproc` = {meta['nproc']}), Python {meta['python']}, "
        f"PostgreSQL {meta['postgres']}; demo tenant `seed-demo --scale {meta['scale']} --seed {meta['seed']}`: "
        f"{c['customers']:,} customers, {c['contacts']:,} contacts, {c['follow_ups']:,} follow-ups, "
        f"{c['action_records']:,} action rows, {c['attribute_history']:,} attribute-history rows; grades "
        f"{meta['grades']}. {len(ours)} interleaved rounds (order alternating), each a full regrade and commit after "
        "`VACUUM customers`.",
        "",
        "| variant | median s | best s |",
        "|---|---:|---:|",
        f"| salescore `recompute_tenant` (temp table, UPDATE, grade changes + events, commit) | {o50:.2f} | {o_min:.2f} |",
        f"| hand-written `WITH … UPDATE customers FROM scores` (one statement, commit) | {b50:.2f} | {b_min:.2f} |",
        "",
        f"Ratio (median of per-round ratios): **{ratio:.2f}×** (target ≤ 1.5×: "
        f"{'**meets**' if ratio <= 1.5 else '**misses**'}); per round: {', '.join(f'{r:.2f}' for r in ratios)}.",
    ])


async def run(args: argparse.Namespace, pg: str, db_name: str, started: float) -> str:
    dsn = f"{pg}/{db_name}"
    sa_url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    await asyncio.to_thread(h.migrate, sa_url)
    tenant_id, counts = await prepare(args, sa_url)
    print(f"prepared {counts} at {time.monotonic() - started:.0f}s", file=sys.stderr)
    engine = create_engine(sa_url)
    sessionmaker = create_sessionmaker(engine)
    conn = await asyncpg.connect(dsn)
    try:
        checked = await check_equal(sessionmaker, conn, tenant_id)
        print(f"answers equal: {checked}", file=sys.stderr)
        samples: dict[str, list[float]] = {"salescore": [], "SQL": []}
        variants = [("salescore", lambda: salescore_regrade(sessionmaker, tenant_id)),
                    ("SQL", lambda: sql_regrade(conn, tenant_id))]
        for rnd in range(args.rounds):
            for name, fn in variants if rnd % 2 == 0 else variants[::-1]:
                # Every regrade rewrites 100k rows: each call starts from a vacuumed table, so neither
                # variant pays for the other's dead rows (nor meets autovacuum mid-run).
                await conn.execute("VACUUM customers")
                t0 = time.perf_counter()
                await fn()
                samples[name].append(time.perf_counter() - t0)
            print(f"round {rnd + 1}: salescore {samples['salescore'][-1]:.2f}s, SQL {samples['SQL'][-1]:.2f}s",
                  file=sys.stderr)
        meta = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.system()} {platform.machine()}", "nproc": os.cpu_count(),
            "python": platform.python_version(), "postgres": str(await conn.fetchval("SHOW server_version")).split()[0],
            "scale": args.scale, "seed": args.seed, "counts": counts, "grades": checked["grades"],
        }
    finally:
        await conn.close()
        await engine.dispose()
    return markdown(samples, meta)


async def bench(args: argparse.Namespace) -> int:
    return await h.scratch_run(args, lambda sc: run(args, sc.pg, sc.name, sc.started), doc="regrade",
                               heading=HEADING, grace=None, what=f"migrating and seeding scale {args.scale}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--scale", choices=["S", "M", "L"], default="M", help="demo scale (default M: ~100k customers)")
    add("--seed", type=int, default=42, help="demo seed (default 42)")
    add("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    add("--database", help="an existing database to use (seeded if it has no demo tenant); never dropped")
    add("--keep", action="store_true", help="keep the scratch database for a later --database run")
    add("--postgres", default="postgresql://postgres@127.0.0.1:5432",
        help="server URL without a database (a scratch database is created and dropped)")
    add("--no-doc", dest="write_doc", action="store_false", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    return h.run_main(bench, args, "interrupted")


if __name__ == "__main__":
    raise SystemExit(main())
