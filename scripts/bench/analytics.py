"""Benchmark: the three-colour board and the weekly KPIs of SPEC §10 at scale M, over HTTP, against hand-written SQL (§15).

`GET /api/v1/analytics/three-color-board` as the director (whole tenant) and as a manager (their team), and
`GET /api/v1/analytics/kpis?weeks=6&group_by=tenant|team|rep` as the director (tenant also with `monthly=false`,
without the monthly backtests): sequential requests against a
real `salescore serve` subprocess on 127.0.0.1 (p50/p95/p99 latency; target p95 ≤ 150 ms), next to
hand-written asyncpg statements in this process computing the same figures: for the board one statement per
check (red: the unconfirmed share and its deals; yellow: the median workdays signing → first payment and the
deals over the threshold; green: the A customers and those without a follow-up); for the KPIs one statement per
weekly metric (lead first response, stage transition, action compliance, daily-report submission, entry
latency, profile completeness), per week and group. Both answers are compared before anything is timed (the
board's three values, samples and ids; every KPI point's value and n). Then interleaved rounds, then an
in-process breakdown of salescore's statements (`--explain`: their EXPLAIN ANALYZE).

    .venv/bin/python scripts/bench/analytics.py [--rounds 2] [--requests 8] [--scale 1.0] [--explain]

Needs PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432. The scratch database (the synthetic org of
scripts/bench/analytics_data.py with its process layer) is dropped at the end, also on errors and Ctrl-C,
unless --keep.
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import analytics_data as data  # scripts/bench/analytics_data.py, beside this script
import asyncpg
import chinese_calendar
import harness as h  # scripts/bench/harness.py

sys.path.insert(0, str(h.ROOT / "src"))

from salescore.analytics import board as board_service  # noqa: E402
from salescore.analytics import kpis as kpi_service  # noqa: E402
from salescore.analytics.settings import DEFAULTS  # noqa: E402
from salescore.kit.db import create_engine, create_sessionmaker  # noqa: E402
from salescore.kit.principal import Principal  # noqa: E402
from salescore.kit.security import create_access_token, hash_password  # noqa: E402
from salescore.kit.sqlstats import buckets, local_start, week_starts  # noqa: E402

HEADING = "Three-colour board and KPIs"
GRACE = 300  # seconds past --time-limit at which the run is cut (loading and the breakdown included)
TARGET_MS = 150.0
WEEKS = 6
TZ = data.TZ.key
BOARD = DEFAULTS.board
KPI = DEFAULTS.kpis

# --- the hand-written baseline -------------------------------------------------------------------

# Visibility as the caller's scope: everything for the director; for a manager, deals / customers owned by
# themselves or a member of the teams they manage ($n: their id, $n+1: the team ids).
def _visible(column: str, scope: Scope, n: int) -> str:
    if scope.teams is None:
        return ""
    return (f" AND ({column} = ${n} OR {column} IN (SELECT u.id FROM users u WHERE u.tenant_id = $1 "
            f"AND u.team_id = ANY(${n + 1}::uuid[])))")


def red_sql(scope: Scope) -> str:
    """Quotes on visible deals in [since, submitted_before]; unconfirmed: no quote_confirmed on the deal
    within the confirmation hours after it."""
    return f"""
WITH q AS (
  SELECT a.opportunity_id AS deal, NOT EXISTS (
           SELECT 1 FROM action_records c
           WHERE c.tenant_id = $1 AND c.opportunity_id = a.opportunity_id AND c.code = 'quote_confirmed'
             AND c.deleted_at IS NULL AND c.occurred_at >= a.occurred_at
             AND c.occurred_at <= a.occurred_at + make_interval(secs => $4 * 3600)) AS missed
  FROM action_records a JOIN opportunities o ON o.tenant_id = $1 AND o.id = a.opportunity_id
  WHERE a.tenant_id = $1 AND a.code = 'quote_submitted' AND a.deleted_at IS NULL
    AND a.occurred_at >= $2 AND a.occurred_at <= $3 AND o.deleted_at IS NULL{_visible('o.owner_id', scope, 5)}
)
SELECT count(*) AS quotes, count(*) FILTER (WHERE missed) AS missed,
       coalesce(array_agg(DISTINCT deal ORDER BY deal) FILTER (WHERE missed), '{{}}') AS ids
FROM q
"""


def yellow_sql(scope: Scope) -> str:
    """Deals whose first contract_signed is in [since, end): workdays from its local date to the first
    payment_received's before end (unpaid: the last day), counted over the workday list $4; the median and
    the deals over $6, slowest first."""
    return f"""
WITH signed AS (
  SELECT a.opportunity_id AS deal, min(a.local_date) AS signed_on, min(a.occurred_at) AS signed_at
  FROM action_records a JOIN opportunities o ON o.tenant_id = $1 AND o.id = a.opportunity_id
  WHERE a.tenant_id = $1 AND a.code = 'contract_signed' AND a.deleted_at IS NULL AND o.deleted_at IS NULL
    {_visible('o.owner_id', scope, 7)}
  GROUP BY a.opportunity_id
),
recent AS (SELECT * FROM signed WHERE signed_at >= $2 AND signed_at < $3),
paid AS (
  SELECT a.opportunity_id AS deal, min(a.local_date) AS paid_on FROM action_records a
  WHERE a.tenant_id = $1 AND a.code = 'payment_received' AND a.deleted_at IS NULL AND a.occurred_at < $3
    AND a.opportunity_id IN (SELECT deal FROM recent)
  GROUP BY a.opportunity_id
),
per_deal AS (
  SELECT r.deal, r.signed_on, p.paid_on,
         (SELECT count(*) FROM unnest($4::date[]) d WHERE d > r.signed_on AND d <= coalesce(p.paid_on, $5))
           AS workdays
  FROM recent r LEFT JOIN paid p ON p.deal = r.deal
)
SELECT s.n, s.median, o.deal, o.signed_on, o.paid_on, o.workdays
FROM (SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY workdays) AS median FROM per_deal) s
LEFT JOIN LATERAL (SELECT * FROM per_deal WHERE workdays > $6 ORDER BY workdays DESC, deal) o ON true
"""


def green_sql(scope: Scope) -> str:
    """Visible customers graded $4 (now) created before end, and those without a follow-up in [since, end)."""
    return f"""
SELECT count(*) AS graded,
       coalesce(array_agg(c.id ORDER BY c.id) FILTER (WHERE NOT EXISTS (
         SELECT 1 FROM follow_ups f WHERE f.tenant_id = $1 AND f.customer_id = c.id AND f.deleted_at IS NULL
           AND f.occurred_at >= $2 AND f.occurred_at < $3)), '{{}}') AS ids
FROM customers c
WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND c.created_at < $3 AND c.grade = $4
  {_visible('c.owner_id', scope, 5)}
"""


KEYS = {"tenant": "'tenant'", "team": "coalesce(p.team_id::text, 'none')", "rep": "p.id::text"}
# The director sees everyone: the people every figure joins to.
PEOPLE = """people AS (
  SELECT u.id, u.team_id, t.kind AS team_kind FROM users u
  LEFT JOIN teams t ON t.tenant_id = u.tenant_id AND t.id = u.team_id WHERE u.tenant_id = $1)"""
WEEKS_CTE = "weeks AS (SELECT * FROM unnest($2::date[], $3::timestamptz[], $4::timestamptz[]) AS w(first, s, e))"


def _span(column: str) -> str:
    """The weeks' outer bounds on `column` ($3: the starts, $4: the ends, contiguous), so an index on it can be
    range-scanned instead of every row compared with every week (salescore binds the same bounds as literals)."""
    return (f"{column} >= ($3::timestamptz[])[1] "
            f"AND {column} < ($4::timestamptz[])[cardinality($4::timestamptz[])]")


LEAD_SQL = """
WITH {weeks}, {people},
c AS (
  SELECT w.first, {key} AS key, c.created_at, coalesce(ct.kind, p.team_kind) = 'store' AS store,
         (SELECT min(f.occurred_at) FROM follow_ups f
          WHERE f.tenant_id = $1 AND f.customer_id = c.id AND f.deleted_at IS NULL AND f.channel = ANY($5::text[])
            AND f.occurred_at < $6) AS first_at
  FROM customers c JOIN weeks w ON c.created_at >= w.s AND c.created_at < w.e
  JOIN people p ON p.id = c.owner_id
  LEFT JOIN teams ct ON ct.tenant_id = c.tenant_id AND ct.id = c.team_id
  WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND c.created_lifecycle = 'lead' AND {span_created}
)
SELECT first, key, count(*) AS customers, count(first_at) AS answered,
       count(*) FILTER (WHERE first_at IS NOT NULL AND NOT coalesce(store, false)) AS sales_answered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN first_at IS NOT NULL
         THEN greatest(0, extract(epoch FROM first_at - created_at) / 3600.0) END) AS median
FROM c GROUP BY first, key
"""

STAGE_SQL = """
WITH cohorts AS (SELECT * FROM unnest($2::date[], $3::timestamptz[], $4::timestamptz[]) AS c(first, cohort_at, ends_at)),
goals AS (SELECT * FROM unnest($5::uuid[], $6::text[]) AS g(pipeline_id, code)), {people},
iv AS (
  SELECT opportunity_id, to_stage, at AS since,
         lead(at) OVER (PARTITION BY opportunity_id ORDER BY at, id) AS until
  FROM stage_changes WHERE tenant_id = $1
),
m AS (
  SELECT c.first, {key} AS key,
         (o.won_at IS NOT NULL AND o.won_at < c.ends_at) OR EXISTS (
           SELECT 1 FROM stage_changes l JOIN goals g ON g.code = l.to_stage
           WHERE l.tenant_id = $1 AND l.opportunity_id = o.id AND l.at > c.cohort_at AND l.at < c.ends_at
             AND g.pipeline_id = coalesce(o.pipeline_id, $8)) AS hit
  FROM iv JOIN cohorts c ON iv.since <= c.cohort_at AND (iv.until IS NULL OR iv.until > c.cohort_at)
  JOIN opportunities o ON o.tenant_id = $1 AND o.id = iv.opportunity_id
  JOIN people p ON p.id = o.owner_id
  WHERE iv.to_stage = $7 AND o.deleted_at IS NULL
)
SELECT first, key, count(*) AS n, count(*) FILTER (WHERE hit) AS hits FROM m GROUP BY first, key
"""

COMPLIANCE_SQL = """
WITH {weeks}, {people},
moved AS (
  SELECT w.first, o.id, {key} AS key, bool_and(sc.compliant) AS ok
  FROM stage_changes sc JOIN weeks w ON sc.at >= w.s AND sc.at < w.e
  JOIN opportunities o ON o.tenant_id = sc.tenant_id AND o.id = sc.opportunity_id
  JOIN people p ON p.id = o.owner_id
  WHERE sc.tenant_id = $1 AND (sc.via IN ('api', 'action', 'win') OR (sc.via = 'create' AND NOT sc.compliant)) AND o.deleted_at IS NULL AND {span_at}
  GROUP BY 1, 2, 3
)
SELECT first, key, count(*) AS n, count(*) FILTER (WHERE ok) AS compliant FROM moved GROUP BY first, key
"""

LATENCY_SQL = """
WITH {weeks}, {people}
SELECT w.first, {key} AS key, count(*) AS n,
       count(*) FILTER (WHERE f.recorded_at <= f.occurred_at + make_interval(secs => $5)) AS timely
FROM follow_ups f JOIN weeks w ON f.occurred_at >= w.s AND f.occurred_at < w.e
JOIN people p ON p.id = f.user_id
WHERE f.tenant_id = $1 AND f.deleted_at IS NULL AND f.created_via <> 'import' AND {span_occurred}
GROUP BY 1, 2
"""

PROFILE_SQL = """
WITH {weeks}, {people}
SELECT w.first, {key} AS key, count(*) AS n,
       sum((coalesce(trim(c.industry), '') <> '')::int + (coalesce(trim(c.region), '') <> '')::int
           + (coalesce(trim(c.city), '') <> '')::int + (coalesce(trim(c.source), '') <> '')::int
           + (c.annual_purchase IS NOT NULL)::int
           + EXISTS (SELECT 1 FROM contacts k WHERE k.tenant_id = c.tenant_id AND k.customer_id = c.id
                     AND k.deleted_at IS NULL)::int) AS facts
FROM customers c JOIN weeks w ON c.created_at >= w.s AND c.created_at < w.e
JOIN people p ON p.id = c.owner_id
WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND {span_created}
GROUP BY 1, 2
"""

# Expected reports: the counted workdays ($5, up to as_of) of each week on or after the writer's first day
# (tenant time); submitted: their reports dated on those days.
REPORTS_SQL = """
WITH weeks AS (SELECT * FROM unnest($2::date[], $3::date[]) AS w(first, last)),
days AS (SELECT unnest($5::date[]) AS d),
writers AS (
  SELECT u.id, u.team_id, (u.created_at AT TIME ZONE $4)::date AS joined FROM users u
  WHERE u.tenant_id = $1 AND u.is_active AND u.role IN ('rep', 'manager')
),
expected AS (
  SELECT w.first, wr.id, count(days.d) AS expected
  FROM writers wr JOIN weeks w ON greatest(w.first, wr.joined) <= w.last
  LEFT JOIN days ON days.d >= greatest(w.first, wr.joined) AND days.d <= w.last
  GROUP BY 1, 2
),
submitted AS (
  SELECT w.first, r.user_id AS id, count(*) AS submitted
  FROM daily_reports r JOIN writers wr ON wr.id = r.user_id JOIN weeks w ON r.report_date BETWEEN w.first AND w.last
  WHERE r.tenant_id = $1 AND r.report_date = ANY($5::date[]) AND r.report_date >= wr.joined
  GROUP BY 1, 2
)
SELECT e.first, {key} AS key, sum(e.expected) AS expected, sum(coalesce(s.submitted, 0)) AS submitted
FROM expected e LEFT JOIN submitted s ON s.first = e.first AND s.id = e.id
JOIN users p ON p.tenant_id = $1 AND p.id = e.id
GROUP BY 1, 2
"""


@dataclass(frozen=True)
class Scope:
    """Who calls: the director (teams None) or a manager of `teams`."""

    user_id: uuid.UUID
    teams: list[uuid.UUID] | None = None


def _ratio(part: Any, whole: Any) -> float | None:
    return round(int(part) / int(whole), 4) if whole else None


@dataclass
class Baseline:
    conn: asyncpg.Connection
    tenant_id: uuid.UUID
    as_of: date
    pipeline_id: uuid.UUID | None
    goals: tuple[list[uuid.UUID], list[str]]
    statements: dict[str, str] = field(default_factory=dict)

    def _sql(self, name: str, build: Callable[[], str]) -> str:
        if name not in self.statements:
            self.statements[name] = build()
        return self.statements[name]

    # -- the board --

    async def board(self, scope: Scope) -> dict[str, Any]:
        now = datetime.now(UTC)
        end = local_start(self.as_of + timedelta(days=1), TZ)
        vis = [] if scope.teams is None else [scope.user_id, scope.teams]
        tag = "director" if scope.teams is None else "manager"

        since = end - timedelta(days=BOARD.red.window_days)
        before = min(end, now) - timedelta(hours=BOARD.red.confirm_hours)
        red = await self.conn.fetchrow(self._sql(f"red {tag}", lambda: red_sql(scope)), self.tenant_id, since,
                                       before, float(BOARD.red.confirm_hours), *vis)

        since = end - timedelta(days=BOARD.yellow.window_days)
        first = since.astimezone(data.TZ).date()
        workdays = chinese_calendar.get_workdays(first, self.as_of)
        rows = await self.conn.fetch(self._sql(f"yellow {tag}", lambda: yellow_sql(scope)), self.tenant_id, since,
                                     end, workdays, self.as_of, float(BOARD.yellow.max_median_workdays), *vis)

        since = end - timedelta(days=BOARD.green.window_days)
        green = await self.conn.fetchrow(self._sql(f"green {tag}", lambda: green_sql(scope)), self.tenant_id,
                                         since, end, BOARD.green.grade, *vis)
        return {
            "red": (_ratio(red["missed"], red["quotes"]), red["quotes"], red["missed"], [str(i) for i in red["ids"]]),
            "yellow": (None if rows[0]["median"] is None else float(rows[0]["median"]), rows[0]["n"],
                       [(str(r["deal"]), r["signed_on"].isoformat(), r["paid_on"] and r["paid_on"].isoformat(),
                         r["workdays"]) for r in rows if r["deal"] is not None]),
            "green": (len(green["ids"]), green["graded"], [str(i) for i in green["ids"]]),
        }

    # -- the KPIs --

    async def kpis(self, group_by: str) -> dict[tuple[str, str, str], tuple[Any, ...]]:
        """(metric, key, week Monday) -> (value, n[, unanswered]) for every non-empty point."""
        periods = buckets(week_starts(self.as_of, WEEKS), self.as_of, TZ)
        firsts = [b.first for b in periods]
        starts, ends = [b.starts_at for b in periods], [b.ends_at for b in periods]
        key = KEYS[group_by]

        def sql(name: str, template: str) -> str:
            return self._sql(f"{name} {group_by}", lambda: template.format(
                weeks=WEEKS_CTE, people=PEOPLE, key=key, span_created=_span("c.created_at"),
                span_at=_span("sc.at"), span_occurred=_span("f.occurred_at")))

        out: dict[tuple[str, str, str], tuple[Any, ...]] = {}

        def put(metric: str, r: Any, point: tuple[Any, ...]) -> None:
            out[(metric, kpi_service.scope.normal_key(group_by, r["key"]), r["first"].isoformat())] = point

        end = periods[-1].ends_at
        for r in await self.conn.fetch(sql("lead", LEAD_SQL), self.tenant_id, firsts, starts, ends,
                                       list(KPI.effective_channels), end):
            answered = int(r["answered"])
            put(kpi_service.LEAD, r, (round(float(r["median"]), 4) if answered else None, answered,
                                      int(r["customers"]) - answered))
        # The cohort: deals in stage_from at the end of the month before the one holding the week's last day.
        cohorts = [local_start(b.last.replace(day=1), TZ) for b in periods]
        for r in await self.conn.fetch(sql("stage", STAGE_SQL), self.tenant_id, firsts, cohorts, ends,
                                       *self.goals, KPI.stage_from, self.pipeline_id):
            put(kpi_service.STAGE, r, (_ratio(r["hits"], r["n"]), r["n"]))
        for r in await self.conn.fetch(sql("compliance", COMPLIANCE_SQL), self.tenant_id, firsts, starts, ends):
            put(kpi_service.COMPLIANCE, r, (_ratio(r["compliant"], r["n"]), r["n"]))
        lasts = [b.last for b in periods]
        workdays = [d for d in chinese_calendar.get_workdays(firsts[0], self.as_of)]
        for r in await self.conn.fetch(sql("reports", REPORTS_SQL), self.tenant_id, firsts, lasts, TZ, workdays):
            put(kpi_service.REPORTS, r, (_ratio(r["submitted"], r["expected"]), int(r["expected"])))
        for r in await self.conn.fetch(sql("latency", LATENCY_SQL), self.tenant_id, firsts, starts, ends,
                                       float(round(KPI.entry_latency_hours * 3600))):
            put(kpi_service.LATENCY, r, (_ratio(r["timely"], r["n"]), r["n"]))
        for r in await self.conn.fetch(sql("profile", PROFILE_SQL), self.tenant_id, firsts, starts, ends):
            put(kpi_service.PROFILE, r, (_ratio(r["facts"], kpi_service.PROFILE_FACTS * r["n"]), r["n"]))
        return {k: v for k, v in out.items() if v[1] or (len(v) > 2 and v[2])}


# --- checks: the same figures ---------------------------------------------------------------------

def check_board(api: dict[str, Any], base: dict[str, Any], who: str) -> dict[str, Any]:
    red, yellow, green = api["red"], api["yellow"], api["green"]
    got_red = (red["value"], red["sample_size"], red["unconfirmed"], red["ids"])
    assert got_red == base["red"], f"{who}: red differs: {got_red[:3]} != {base['red'][:3]}"
    slow = [(d["id"], d["signed_on"], d["paid_on"], d["workdays"]) for d in yellow["deals"]]
    got_yellow = (yellow["value"], yellow["sample_size"], slow)
    assert got_yellow == base["yellow"], f"{who}: yellow differs: {got_yellow[:2]} != {base['yellow'][:2]}"
    assert yellow["ids"] == [d[0] for d in slow], f"{who}: yellow ids differ from its deals"
    got_green = (green["value"], green["sample_size"], green["ids"])
    assert got_green == base["green"], f"{who}: green differs: {got_green[:2]} != {base['green'][:2]}"
    facts = {"red": f"{red['value']} of {red['sample_size']:,} quotes ({len(red['ids']):,} deals)",
             "yellow": f"median {yellow['value']} workdays over {yellow['sample_size']:,} deals "
                       f"({len(yellow['ids']):,} over {yellow['threshold']:g})",
             "green": f"{green['value']:,} of {green['sample_size']:,} A customers"}
    assert min(red["sample_size"], yellow["sample_size"], green["sample_size"]) >= 20, \
        f"{who}: degenerate data {facts}"
    return facts


def api_points(api: dict[str, Any]) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    out = {}
    for group in api["groups"]:
        for metric, points in group["series"].items():
            for p in points:
                point = (p["value"], p["n"]) if metric != kpi_service.LEAD else (p["value"], p["n"], p["unanswered"])
                if p["n"] or (len(point) > 2 and point[2]):
                    out[(metric, group["key"], p["week_start"])] = point
    return out


def check_kpis(api: dict[str, Any], base: dict[tuple[str, str, str], tuple[Any, ...]], group_by: str) -> str:
    got = api_points(api)
    assert set(got) == set(base), (f"group_by={group_by}: points differ: API only {sorted(set(got) - set(base))[:5]}, "
                                   f"baseline only {sorted(set(base) - set(got))[:5]}")
    for k, want in base.items():
        have = got[k]
        same = have[1:] == want[1:] and (have[0] == want[0] or (
            have[0] is not None and want[0] is not None and abs(have[0] - want[0]) <= 1.5e-4))
        assert same, f"group_by={group_by}: {k}: API {have} != baseline {want}"
    metrics = {m for m, _, _ in base}
    assert metrics == set(kpi_service.WEEKLY), f"group_by={group_by}: metrics without data: " \
                                               f"{set(kpi_service.WEEKLY) - metrics}"
    groups = {g for _, g, _ in base}
    return f"{len(groups)} groups × {len(metrics)} metrics × {WEEKS} weeks: {len(base):,} points"


def monthly_facts(api: dict[str, Any], case: str) -> str:
    """group_by=tenant: the monthly figures are there by default and left out with monthly=false."""
    if not case.startswith("kpis tenant"):
        return ""
    monthly = {m: len(v) for g in api["groups"] for m, v in g["monthly"].items()}
    if case.endswith("monthly=false"):
        assert not monthly and {kpi_service.GRADING, kpi_service.FORECAST} <= set(api["omitted"]), \
            f"{case}: monthly figures not left out: {monthly} {api['omitted']}"
        return "; monthly figures left out"
    assert monthly and all(monthly.values()), f"{case}: monthly figures missing: {monthly} {api['omitted']}"
    return "; monthly: " + ", ".join(f"{m} × {n} months" for m, n in monthly.items())


# --- in-process breakdown ---------------------------------------------------------------------------

def _label(statement: str) -> str:
    """A short name for one of salescore's analytics statements."""
    text = " ".join(statement.split())
    names = [("quotes AS", "red: unconfirmed quotes"), ("per_deal AS", "yellow: signing → payment"),
             ("graded AS", "green: unattended A customers"), ("lead_base", "lead first response"),
             ("cohort_members", "stage transition"), ("moved_deals", "action compliance"),
             ("entries", "entry latency"), ("profiles", "profile completeness"),
             ("FROM daily_reports", "daily reports: counts"), ("grade_changes", "grading accuracy"),
             ("FROM forecast_snapshots", "forecast snapshots")]
    for needle, name in names:
        if needle in text:
            return name
    return text[:100] + ("…" if len(text) > 100 else "")


async def breakdown(sa_url: str, cases: dict[str, Callable[[Any], Awaitable[Any]]], repeat: int,
                    db: asyncpg.Connection, explain: bool, deadline: float) -> dict[str, Any]:
    """Each case's service call in this process (no HTTP), `repeat` times after one warm-up call: the whole
    call and every statement it sent; with `explain`, EXPLAIN ANALYZE of the statements over 5 ms."""
    gc.unfreeze()
    engine = create_engine(sa_url)
    sessionmaker = create_sessionmaker(engine)
    clock = h.StatementClock(engine, _label)
    whole: dict[str, list[float]] = defaultdict(list)
    plans: dict[str, str] = {}
    try:
        for name, call in cases.items():
            for i in range(repeat + 1):
                if i > 1 and time.monotonic() > deadline:
                    break
                clock.prefix = f"{name}: " if i else None
                async with sessionmaker() as session:
                    t0 = time.perf_counter()
                    await call(session)
                    if i:
                        whole[name].append(time.perf_counter() - t0)
        clock.prefix = None
        if explain:
            for key, (statement, params) in clock.last.items():
                if statistics.median(clock.times[key]) > 0.005 and time.monotonic() < deadline + 60:
                    plans[key] = await h.explain(db, statement, params)
    finally:
        await engine.dispose()
    return {"whole": dict(whole), "statements": dict(clock.times), "plans": plans}


# --- setup ---------------------------------------------------------------------------------------

@dataclass
class Setup:
    tenant_id: uuid.UUID
    director: Scope
    manager: Scope
    tokens: dict[str, str]
    counts: dict[str, int]
    load_seconds: float


async def setup(base: str, dsn: str, secret: str, args: argparse.Namespace, today: date) -> Setup:
    """Signup (action templates and the default pipeline from salescore's own code) and a director through the
    API, then the synthetic org with its process layer by COPY (skipped for an already loaded --database)."""
    db = await asyncpg.connect(dsn)
    try:
        tenant_id, director = await h.bench_tenant(db, base)
        load_seconds = 0.0
        if not await db.fetchval("SELECT count(*) FROM opportunities WHERE tenant_id = $1", tenant_id):
            started = time.monotonic()
            unusable = hash_password(secrets.token_urlsafe(16))  # the generated users never log in
            scale = data.Scale.of(args.scale, follow_ups=args.follow_ups)
            await data.load(dsn, tenant_id, unusable, args.seed, scale, today, process=True)
            load_seconds = time.monotonic() - started
        # The manager of the largest sales team (华东): sees that team's deals and customers.
        manager = await db.fetchrow("""
            SELECT u.id, u.team_id FROM users u JOIN teams t ON t.tenant_id = u.tenant_id AND t.id = u.team_id
            WHERE u.tenant_id = $1 AND u.role = 'manager' AND t.kind = 'sales'
            ORDER BY (SELECT count(*) FROM users m WHERE m.team_id = t.id) DESC, t.name LIMIT 1""", tenant_id)
        tokens = {name: create_access_token(secret, user_id=uid, tenant_id=tenant_id, minutes=600)[0]
                  for name, uid in (("director", director), ("manager", manager["id"]))}
        counts = {}
        for table in ("users", "customers", "contacts", "opportunities", "stage_changes", "follow_ups",
                      "action_records", "daily_reports"):
            counts[table] = await db.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", tenant_id)
    finally:
        await db.close()
    return Setup(tenant_id, Scope(director), Scope(manager["id"], [manager["team_id"]]), tokens, counts,
                 load_seconds)


async def goals(db: asyncpg.Connection, tenant_id: uuid.UUID) -> tuple[uuid.UUID | None, tuple[list, list]]:
    """The default pipeline and the (pipeline, stage) pairs at or after stage_to in each pipeline."""
    rows = await db.fetch("SELECT id, stages, is_default, deleted_at FROM pipelines WHERE tenant_id = $1", tenant_id)
    default = next((r["id"] for r in rows if r["is_default"] and r["deleted_at"] is None), None)
    ids, codes = [], []
    for r in rows:
        stages = [s["code"] for s in (json.loads(r["stages"]) if isinstance(r["stages"], str) else r["stages"])]
        if KPI.stage_to in stages:
            for code in stages[stages.index(KPI.stage_to):]:
                ids.append(r["id"])
                codes.append(code)
    return default, (ids, codes)


# --- report --------------------------------------------------------------------------------------

CASES = {
    "board director": ("`three-color-board`, director (whole tenant)", "board"),
    "board manager": ("`three-color-board`, manager (one team)", "board"),
    "kpis tenant": ("`kpis?weeks=6&group_by=tenant` (with the monthly figures)", "kpis"),
    "kpis tenant monthly=false": ("`kpis?weeks=6&group_by=tenant&monthly=false`", "kpis"),
    "kpis team": ("`kpis?weeks=6&group_by=team`", "kpis"),
    "kpis rep": ("`kpis?weeks=6&group_by=rep`", "kpis"),
}


def markdown(res: dict[str, h.Series], meta: dict[str, Any], parts: dict[str, Any] | None) -> str:
    c = meta["counts"]
    lines = [
        f"Run {meta['date']} on `{meta['machine']}` (`nproc` = {meta['nproc']}), Python {meta['python']}, "
        f"PostgreSQL {meta['postgres']}; scale {meta['scale']:g} (seed {meta['seed']}): {c['users']} users, "
        f"{c['customers']:,} customers ({c['contacts']:,} contacts), {c['opportunities']:,} deals, "
        f"{c['stage_changes']:,} stage changes, {c['follow_ups']:,} follow-ups, {c['action_records']:,} action "
        f"records, {c['daily_reports']:,} daily reports. As of {meta['as_of']}. {meta['rounds']} interleaved rounds "
        f"× {meta['requests']} sequential calls per variant after {meta['warmup']} warm-up calls; answers checked "
        "equal first.",
        "",
        "| case | salescore p50 / p95 / p99 ms | SQL baseline p50 / p95 / p99 ms | ratio p50 / p95 "
        "| CPU ms/call: server / PostgreSQL (salescore · baseline) | p95 ≤ 150 ms |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for case, (label, _) in CASES.items():
        if case not in res:
            continue
        s, b = res[case], res[case + " SQL"]
        lines.append(
            f"| {label} ({s.bytes / 1024:.0f} KB) | {h.fmt_ms(s.ms(.5))} / {h.fmt_ms(s.ms(.95))} / {h.fmt_ms(s.ms(.99))} "
            f"| {h.fmt_ms(b.ms(.5))} / {h.fmt_ms(b.ms(.95))} / {h.fmt_ms(b.ms(.99))} "
            f"| **{s.ms(.5) / b.ms(.5):.2f}×** / {s.ms(.95) / b.ms(.95):.2f}× "
            f"| {s.cpu_ms('server_cpu'):.0f} / {s.cpu_ms('pg_cpu'):.0f} · {b.cpu_ms('pg_cpu'):.0f} "
            f"| {'**PASS**' if s.ms(.95) <= TARGET_MS else '**FAIL**'} |")
    lines += ["", "What the answers held (checked equal to the baseline's):", ""]
    for case, facts in meta["facts"].items():
        lines.append(f"- {case}: {facts}")
    if parts:
        n = len(next(iter(parts["whole"].values())))
        lines += ["", f"**Where salescore's time goes** (in-process service call, no HTTP; median of {n} calls):",
                  "", "| case | whole call ms | statement | times per call | median ms |", "|---|---:|---|---:|---:|"]
        for case, values in parts["whole"].items():
            stmts = sorted(((k, v) for k, v in parts["statements"].items() if k.startswith(case + ": ")),
                           key=lambda kv: -sum(kv[1]))
            first = True
            for key, times in stmts[:8]:
                label = key[len(case) + 2:].replace("|", "/")
                label = f"`{label}`" if label.startswith(("SELECT", "WITH", "UPDATE")) else label
                whole = h.fmt_ms(1000 * statistics.median(values)) if first else ""
                lines.append(f"| {case if first else ''} | {whole} | {label} | {len(times) / n:g} "
                             f"| {h.fmt_ms(1000 * statistics.median(times))} |")
                first = False
    lines += ["", f"Command: `{meta['command']}`"]
    return "\n".join(lines)


# --- run -----------------------------------------------------------------------------------------

async def run(args: argparse.Namespace, sc: h.Scratch) -> str:
    server, secret = await sc.serve()
    dsn, sa_url, db_name, started = sc.dsn, sc.sa_url, sc.name, sc.started
    today = datetime.now(data.TZ).date()
    s = await setup(server.base, dsn, secret, args, today)
    print(f"data ready at {time.monotonic() - started:.0f}s (load {s.load_seconds:.0f}s): {s.counts}", file=sys.stderr)

    db = await asyncpg.connect(dsn)  # checks and CPU accounting
    # The baseline's own connection, without JIT as salescore's analytics services run (SET LOCAL jit = off).
    conn = await asyncpg.connect(dsn, server_settings={"jit": "off"})
    clients: list[h.RawGet] = []
    try:
        await db.execute("VACUUM ANALYZE")  # as a live database would be: visibility map and statistics current
        default, goal_pairs = await goals(db, s.tenant_id)
        base = Baseline(conn, s.tenant_id, today, default, goal_pairs)
        path = "/api/v1/analytics/"
        http = {
            "board director": h.RawGet(server.base, path + "three-color-board", s.tokens["director"]),
            "board manager": h.RawGet(server.base, path + "three-color-board", s.tokens["manager"]),
            **{f"kpis {g}": h.RawGet(server.base, path + "kpis?" + urlencode({"weeks": WEEKS, "group_by": g}),
                                   s.tokens["director"]) for g in ("tenant", "team", "rep")},
            "kpis tenant monthly=false": h.RawGet(server.base, path + "kpis?" + urlencode(
                {"weeks": WEEKS, "group_by": "tenant", "monthly": "false"}), s.tokens["director"]),
        }
        clients += http.values()
        sql: dict[str, Callable[[], Awaitable[Any]]] = {
            "board director": lambda: base.board(s.director),
            "board manager": lambda: base.board(s.manager),
            **{f"kpis {g}": (lambda g=g: base.kpis(g)) for g in ("tenant", "team", "rep")},
            "kpis tenant monthly=false": lambda: base.kpis("tenant"),  # the baseline has no monthly figures
        }
        cases = [c for c in CASES if c.split()[0] in args.cases]
        facts: dict[str, Any] = {}
        for case in cases:  # the same figures first
            api = await http[case].json()
            want = await sql[case]()
            if case.startswith("board"):
                facts[case] = "; ".join(f"{k} {v}" for k, v in check_board(api, want, case).items())
            else:
                facts[case] = check_kpis(api, want, case.split()[1]) + monthly_facts(api, case)
        print(f"answers equal at {time.monotonic() - started:.0f}s: {facts}", file=sys.stderr)

        pid = server.proc.pid
        variants: h.Variants = {}
        for case in cases:
            variants[case] = (http[case].body, pid)
            variants[case + " SQL"] = (sql[case], None)
        res, rounds = await h.interleave(variants, args, db, db_name, started, progress=lambda res: ", ".join(
            f"{n} p95 {res[n].ms(0.95):.0f} ms" for n in variants))

        parts = None
        if args.repeat > 0 and time.monotonic() - started < args.time_limit + 180:
            director = Principal(user_id=s.director.user_id, tenant_id=s.tenant_id, role="director")
            assert s.manager.teams
            manager = Principal(user_id=s.manager.user_id, tenant_id=s.tenant_id, role="manager",
                                team_id=s.manager.teams[0], managed_team_ids=frozenset(s.manager.teams))
            calls: dict[str, Callable[[Any], Awaitable[Any]]] = {
                "board director": lambda session: board_service.three_color_board(session, director, None, None),
                "board manager": lambda session: board_service.three_color_board(session, manager, None, None),
                **{f"kpis {g}": (lambda session, g=g: kpi_service.kpis(
                    session, director, weeks=WEEKS, group_by=g, as_of=None, team_id=None))
                   for g in ("tenant", "team", "rep")},
                "kpis tenant monthly=false": lambda session: kpi_service.kpis(
                    session, director, weeks=WEEKS, group_by="tenant", as_of=None, team_id=None,
                    monthly_figures=False),
            }
            parts = await breakdown(sa_url, {c: calls[c] for c in cases}, args.repeat, db, args.explain,
                                    started + args.time_limit + 240)
            for name, values in parts["whole"].items():
                print(f"  {name}: {1000 * statistics.median(values):.1f} ms in-process", file=sys.stderr)
            for key, values in sorted(parts["statements"].items()):
                print(f"  SQL {1000 * statistics.median(values):8.1f} ms ×{len(values):3d}  {key}", file=sys.stderr)
            for key, plan in parts["plans"].items():
                print(f"\n--- EXPLAIN {key}\n{plan}", file=sys.stderr)
            if args.explain:
                for name, statement in base.statements.items():
                    print(f"\n--- baseline statement {name}\n{statement}", file=sys.stderr)
        meta = {
            **await h.machine(db),
            "seed": args.seed, "scale": args.scale, "counts": s.counts, "as_of": today.isoformat(), "facts": facts,
            "rounds": rounds, "requests": args.requests, "warmup": args.warmup, "command": _command(args),
        }
    finally:
        await h.close_all(*clients, conn, db)
    return markdown(res, meta, parts)


DEFAULTS_ARGS = {"rounds": 2, "requests": 8, "warmup": 1, "repeat": 2, "scale": 1.0, "seed": 7, "follow_ups": 900_000}


def _command(args: argparse.Namespace) -> str:
    return h.command("analytics.py", args, DEFAULTS_ARGS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    h.timing_options(add, rounds=2, requests=8, warmup=1)
    add("--repeat", type=int, default=2, help="in-process breakdown calls per case (default 2; 0 skips it)")
    add("--cases", default="board,kpis", help="board, kpis or both (default board,kpis)")
    add("--scale", type=float, default=1.0, help="dataset size relative to scale M (default 1.0)")
    add("--follow-ups", type=int, default=900_000,
        help="activity follow-ups at scale 1 (default 900,000; deal actions and first contacts add ~150k)")
    add("--seed", type=int, default=7, help="dataset seed (default 7)")
    add("--explain", action="store_true", help="print EXPLAIN ANALYZE of salescore's slower statements")
    h.scratch_options(add, time_limit=540, grace=GRACE)
    args = parser.parse_args()
    args.cases = {c.strip() for c in args.cases.split(",")}
    return h.scratch_main(args, run, doc="analytics", heading=HEADING, grace=GRACE)


if __name__ == "__main__":
    raise SystemExit(main())
