"""Benchmark: the process analytics of SPEC §5 at scale M, as a ratio to hand-written SQL (§15).

`GET /api/v1/analytics/daily-reports` and `GET /api/v1/analytics/action-effectiveness` through the
real app (create_app + httpx ASGITransport, in this process, as a director) against one raw asyncpg
query each computing the same aggregates, over a 90-day and a 180-day window, interleaved in
rounds. Both answers are compared first (every user's, team's and (user, code)'s figures must be
equal), so the baseline is honest. The scratch database holds a synthetic scale-M tenant
(scripts/bench/analytics_data.py) and is dropped at the end, also on errors and Ctrl-C.

    .venv/bin/python scripts/bench/daily_reports.py [--rounds 5] [--repeat 3] [--scale 1.0] [--explain]

Needs PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432. About 3 minutes at scale 1.0 (loading ~80 s).
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
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import analytics_data as data  # scripts/bench/analytics_data.py, beside this script
import asyncpg
import chinese_calendar
import harness as h  # scripts/bench/harness.py
import httpx

sys.path.insert(0, str(h.ROOT / "src"))
from salescore.app import create_app  # noqa: E402
from salescore.config import Settings  # noqa: E402
from salescore.kit.security import hash_password  # noqa: E402

PASSWORD = secrets.token_urlsafe(16)
WINDOWS = {"90 days": 90, "180 days": 180}
HEADING = "Process analytics: daily reports and action effectiveness"
GRACE = 240  # seconds past --time-limit at which the run is cut (loading included)

# The baseline's daily-report figures: per user, per team and in total (GROUPING SETS), with the
# per-user expected count from the workday list passed as an array, all in one statement.
REPORTS_SQL = """
WITH days AS (SELECT unnest($2::date[]) AS d),
writers AS (
  SELECT u.id, u.team_id, greatest($3::date, (u.created_at AT TIME ZONE $4)::date) AS first_day
  FROM users u WHERE u.tenant_id = $1 AND u.is_active AND u.role IN ('rep', 'manager')
),
expected AS (
  SELECT w.id, count(days.d) AS expected FROM writers w LEFT JOIN days ON days.d >= w.first_day GROUP BY w.id
),
submitted AS (
  SELECT r.user_id, count(*) AS submitted, count(*) FILTER (WHERE r.on_time) AS on_time,
         sum(r.delay_seconds) AS delay_seconds
  FROM daily_reports r JOIN writers w ON w.id = r.user_id
  WHERE r.tenant_id = $1 AND r.report_date = ANY($2::date[]) AND r.report_date >= w.first_day
  GROUP BY r.user_id
),
per_user AS (
  SELECT w.id, w.team_id, e.expected, coalesce(s.submitted, 0) AS submitted,
         coalesce(s.on_time, 0) AS on_time, coalesce(s.delay_seconds, 0) AS delay_seconds
  FROM writers w JOIN expected e ON e.id = w.id LEFT JOIN submitted s ON s.user_id = w.id
)
SELECT id, team_id, grouping(id, team_id) AS level, sum(expected) AS expected, sum(submitted) AS submitted,
       sum(on_time) AS on_time, sum(delay_seconds) AS delay_seconds
FROM per_user GROUP BY GROUPING SETS ((id, team_id), (team_id), ())
"""

EFFECTIVENESS_SQL = """
WITH acts AS (
  SELECT user_id, code, customer_id, local_date, occurred_at FROM action_records
  WHERE tenant_id = $1 AND deleted_at IS NULL AND local_date BETWEEN $2 AND $3
),
usage AS (
  SELECT user_id, code, count(*) AS times_used, count(DISTINCT local_date) AS days_used,
         count(DISTINCT customer_id) AS customers_touched
  FROM acts GROUP BY user_id, code
),
wins AS (
  SELECT a.user_id, a.code, count(DISTINCT o.id) AS wins
  FROM acts a JOIN opportunities o
    ON o.tenant_id = $1 AND o.customer_id = a.customer_id AND o.status = 'won' AND o.deleted_at IS NULL
   AND o.won_at >= a.occurred_at AND o.won_at <= a.occurred_at + interval '90 days'
  GROUP BY a.user_id, a.code
)
SELECT u.user_id, u.code, u.times_used, u.days_used, u.customers_touched, coalesce(w.wins, 0) AS wins,
       u.days_used >= 10 AND coalesce(w.wins, 0) = 0 AS flagged
FROM usage u JOIN users ON users.tenant_id = $1 AND users.id = u.user_id
LEFT JOIN wins w ON w.user_id = u.user_id AND w.code = u.code
ORDER BY users.name, u.user_id, u.code
"""


class Bench:
    def __init__(self, client: httpx.AsyncClient, conn: asyncpg.Connection, tenant_id: uuid.UUID,
                 token: str, today: date) -> None:
        self.client, self.conn, self.tenant_id, self.today = client, conn, tenant_id, today
        self.headers = {"Authorization": f"Bearer {token}"}

    def period(self, days: int) -> tuple[date, date]:
        return self.today - timedelta(days=days - 1), self.today

    async def app(self, path: str, days: int) -> Any:
        start, end = self.period(days)
        r = await self.client.get(f"/api/v1/analytics/{path}", headers=self.headers,
                                  params={"from": start.isoformat(), "to": end.isoformat()})
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:500]}")
        return r.json()

    async def reports_sql(self, days: int) -> list[asyncpg.Record]:
        start, end = self.period(days)
        workdays = chinese_calendar.get_workdays(start, end)  # the same calendar, no tenant overrides
        return await self.conn.fetch(REPORTS_SQL, self.tenant_id, workdays, start, data.TZ.key)

    async def effectiveness_sql(self, days: int) -> list[asyncpg.Record]:
        start, end = self.period(days)
        return await self.conn.fetch(EFFECTIVENESS_SQL, self.tenant_id, start, end)


SUMS = ("expected", "submitted", "on_time", "delay_seconds")
FIGURES = ("expected", "submitted", "submission_rate", "on_time", "on_time_rate", "mean_delay_days")


def _figures(row: asyncpg.Record) -> tuple[Any, ...]:
    """The API's figures from the baseline's sums (same rounding)."""
    expected, submitted, on_time, delay = (int(row[k]) for k in SUMS)
    return (expected, submitted, round(submitted / expected, 4) if expected else None, on_time,
            round(on_time / submitted, 4) if submitted else None,
            round(delay / submitted / 86400, 4) if submitted else None)


def _api(figures: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(figures[k] for k in FIGURES)


def check_reports(api: dict[str, Any], rows: list[asyncpg.Record]) -> int:
    """The API's users, teams and total equal the baseline's; returns the number of users."""
    # grouping(id, team_id): 0 per user, 2 per team, 3 for the total.
    users = {str(r["id"]): _figures(r) for r in rows if r["level"] == 0}
    teams = {str(r["team_id"]): _figures(r) for r in rows if r["level"] == 2 and r["team_id"] is not None}
    (total,) = (r for r in rows if r["level"] == 3)
    assert {u["user_id"]: _api(u) for u in api["users"]} == users, "per-user figures differ"
    assert {t["team_id"]: _api(t) for t in api["teams"]} == teams, "per-team figures differ"
    assert _api(api["total"]) == _figures(total), "totals differ"
    assert api["total"]["submitted"] > 0 and len(users) > 250, "degenerate data"
    return len(users)


def check_effectiveness(api: dict[str, Any], rows: list[asyncpg.Record]) -> int:
    """The API's items equal the baseline's rows, in the same order; returns their number."""
    keys = ("times_used", "days_used", "customers_touched", "wins")
    got = [(i["user_id"], i["code"], *(i[k] for k in keys), i["high_activity_zero_conversion"])
           for i in api["items"]]
    want = [(str(r["user_id"]), r["code"], *(r[k] for k in keys), r["flagged"]) for r in rows]
    assert got == want, "per (user, code) figures or their order differ"
    assert sum(r["wins"] for r in rows) > 0 and any(r["flagged"] for r in rows), "degenerate data"
    return len(want)


async def _timed(fn: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


Samples = dict[tuple[str, str, str], list[float]]  # (endpoint, window, variant) -> seconds


async def measure(b: Bench, args: argparse.Namespace, started: float) -> Samples:
    cases = [(path, label, days) for path in ("daily-reports", "action-effectiveness")
             for label, days in WINDOWS.items()]
    samples: Samples = {}
    for rnd in range(args.rounds):
        if rnd and time.monotonic() - started > args.time_limit:
            print(f"time limit: stopping after {rnd} rounds", file=sys.stderr)
            break
        for path, label, days in cases:
            sql = b.reports_sql if path == "daily-reports" else b.effectiveness_sql
            variants: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                ("salescore", lambda p=path, d=days: b.app(p, d)), ("SQL", lambda s=sql, d=days: s(d))]
            for _ in range(args.repeat):
                for name, fn in variants if rnd % 2 == 0 else variants[::-1]:  # alternate who goes first
                    samples.setdefault((path, label, name), []).append(await _timed(fn))
        print(f"round {rnd + 1} done at {time.monotonic() - started:.0f}s", file=sys.stderr)
    return samples


def markdown(samples: Samples, meta: dict[str, str]) -> str:
    lines = [
        f"Run {meta['date']} on `{meta['machine']}` (`nproc` = {meta['nproc']}), Python {meta['python']}, "
        f"PostgreSQL {meta['postgres']}; {meta['dataset']}. {meta['rounds']}; sequential requests.",
        "",
        "| endpoint | window | rows out | salescore p50 / p95 ms | SQL baseline p50 / p95 ms "
        "| ratio p50 | ratio p95 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for path in ("daily-reports", "action-effectiveness"):
        for label in WINDOWS:
            app, sql = samples[(path, label, "salescore")], samples[(path, label, "SQL")]
            a50, a95, s50, s95 = (1000 * h.percentile(x, q) for x in (app, sql) for q in (0.5, 0.95))
            lines.append(f"| `GET /api/v1/analytics/{path}` | {label} | {meta[f'{path} {label}']} "
                         f"| {a50:.1f} / {a95:.1f} | {s50:.1f} / {s95:.1f} | **{a50 / s50:.2f}×** "
                         f"| {a95 / s95:.2f}× |")
    return "\n".join(lines)


async def _explain(b: Bench) -> None:
    start, end = b.period(180)
    workdays = chinese_calendar.get_workdays(start, end)
    for sql, params in ((REPORTS_SQL, (b.tenant_id, workdays, start, data.TZ.key)),
                        (EFFECTIVENESS_SQL, (b.tenant_id, start, end))):
        plan = await b.conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
        print("\n".join(r[0] for r in plan), file=sys.stderr)


async def run(args: argparse.Namespace, pg: str, db_name: str, started: float) -> str:
    dsn = f"{pg}/{db_name}"
    sa_url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    await asyncio.to_thread(h.migrate, sa_url)
    settings = Settings(database_url=sa_url, secret_key=secrets.token_urlsafe(48), log_json=False,
                        log_level="WARNING", storage_dir=Path(tempfile.mkdtemp(prefix="salescore-bench-")),
                        sweeper_interval_seconds=3600)
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=300
    ) as client:
        r = await client.post("/api/v1/auth/signup", json={
            "tenant_name": "基准测试公司", "name": "管理员", "email": "admin@bench.example.com", "password": PASSWORD})
        r.raise_for_status()
        tenant_id = uuid.UUID(r.json()["tenant"]["id"])
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = await client.post("/api/v1/users", headers=admin, json={
            "name": "销售总监", "email": "director@bench.example.com", "password": PASSWORD, "role": "director"})
        r.raise_for_status()
        r = await client.post("/api/v1/auth/token",
                              data={"username": "director@bench.example.com", "password": PASSWORD})
        r.raise_for_status()
        today = datetime.now(data.TZ).date()
        scale = data.Scale.of(args.scale)
        # The generated users never log in: any valid hash will do.
        unusable = hash_password(secrets.token_urlsafe(16))
        loaded = await data.load(dsn, tenant_id, unusable, args.seed, scale, today)
        print(f"loaded {loaded.counts} at {time.monotonic() - started:.0f}s", file=sys.stderr)
        conn = await asyncpg.connect(dsn)
        try:
            b = Bench(client, conn, tenant_id, r.json()["access_token"], today)
            meta: dict[str, str] = {}
            for label, days in WINDOWS.items():  # honest baseline: the same numbers, checked first
                n = check_reports(await b.app("daily-reports", days), await b.reports_sql(days))
                meta[f"daily-reports {label}"] = f"{n} users"
                api = await b.app("action-effectiveness", days)
                n = check_effectiveness(api, await b.effectiveness_sql(days))
                meta[f"action-effectiveness {label}"] = f"{n} items"
            print(f"answers equal; warm at {time.monotonic() - started:.0f}s", file=sys.stderr)
            if args.explain:
                await _explain(b)
            samples = await measure(b, args, started)
            rounds = len(samples[("daily-reports", "90 days", "SQL")]) // args.repeat
            c = loaded.counts
            meta |= {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{platform.system()} {platform.machine()}", "nproc": str(os.cpu_count()),
                "python": platform.python_version(),
                "postgres": str(await conn.fetchval("SHOW server_version")).split()[0],
                "dataset": (f"{c['users']} users, {c['customers']:,} customers, "
                            f"{c['opportunities']:,} opportunities, {c['follow_ups']:,} follow-ups, "
                            f"{c['action_records']:,} action records, {c['daily_reports']:,} daily reports "
                            f"over {scale.history_days} days (seed {args.seed})"),
                "rounds": f"{rounds} interleaved rounds × {args.repeat} calls per variant and case",
            }
        finally:
            await conn.close()
    return markdown(samples, meta)


async def bench(args: argparse.Namespace) -> int:
    return await h.scratch_run(args, lambda sc: run(args, sc.pg, sc.name, sc.started), doc="daily_reports",
                               heading=HEADING, grace=GRACE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    add("--repeat", type=int, default=3, help="calls per variant, case and round (default 3)")
    add("--scale", type=float, default=1.0, help="dataset size relative to scale M (default 1.0)")
    add("--seed", type=int, default=7, help="dataset seed (default 7)")
    add("--explain", action="store_true", help="print the baseline queries' EXPLAIN ANALYZE (180 days)")
    h.scratch_options(add, time_limit=300, grace=GRACE, keep=False)
    args = parser.parse_args()
    return h.run_main(bench, args, "interrupted; scratch database dropped")


if __name__ == "__main__":
    raise SystemExit(main())
