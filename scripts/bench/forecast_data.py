"""A synthetic scale-M sales org for the forecast benchmark, loaded with asyncpg COPY.

Deterministic for a seed (and the day it runs): 12 sales teams of ~10 reps each plus their managers,
~40k customers, 200k opportunities in the tenant's default pipeline (~60% closed won/lost over the
past 12 months, ~40% open with an expected close date over the next ~6 months) and 1-4 evidence rows
per deal for most deals, climbing the default evidence ladder (需求确认书 → 技术协议 → 商务条款 → 首付款),
dated before the deal closed (or before now for open deals). Deal maturity and forecast category are
set from that evidence with the tenant's evidence model (`Config.default()`), as salescore keeps them;
closed deals are won more often the more evidence they had. A few deals carry a revoked evidence row,
another currency, no amount or a soft delete, so the filters of both variants are exercised.

Foreign-key triggers are off for the loading session only (`session_replication_role = replica`):
the generator builds every reference itself.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from harness import ORG_COLUMNS, copy_rows  # scripts/bench/harness.py

from salescore.evidence.config import Config

TZ = ZoneInfo("Asia/Shanghai")
TEAMS = ("华东一区", "华东二区", "华东三区", "华南一区", "华南二区", "华北一区", "华北二区", "西南一区",
         "西南二区", "华中一区", "西北一区", "东北一区")
INDUSTRIES = ("工业滤材", "精密模具", "医疗器械", "智能仓储", "快消", "美妆零售")
CHUNK = 50_000
# Evidence count (nodes of the ladder reached) of a closed deal and its win rate given that count.
CLOSED_K = (0.12, 0.25, 0.25, 0.20, 0.18)
WIN_RATE = (0.05, 0.15, 0.30, 0.50, 0.78)
# Open deals: stage index 0..4 of the default pipeline.
STAGE_WEIGHTS = (0.30, 0.25, 0.20, 0.15, 0.10)


@dataclass
class Scale:
    opportunities: int = 200_000
    reps_per_team: int = 10
    customers: int = 40_000
    closed_share: float = 0.60

    @classmethod
    def of(cls, factor: float) -> Scale:
        """Scale M times `factor` (the org stays the same)."""
        return cls(int(200_000 * factor), 10, max(1000, int(40_000 * factor)))


@dataclass
class Rep:
    id: uuid.UUID
    team_id: uuid.UUID
    skill: float  # multiplies the win rate
    optimism: float  # chance of calling a deal one category higher than its stage suggests
    weight: float  # share of the deal flow
    customers: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Loaded:
    counts: dict[str, int] = field(default_factory=dict)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Generator:
    def __init__(self, tenant_id: uuid.UUID, pipeline: dict, seed: int, scale: Scale, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.tenant_id, self.scale, self.now = tenant_id, scale, now
        self.today = now.astimezone(TZ).date()
        self.pipeline_id: uuid.UUID = pipeline["id"]
        self.stages: list[str] = [s["code"] for s in pipeline["stages"]]
        self.config = Config.default()
        ladder = sorted(self.config.nodes, key=lambda n: n["order"])
        self.ladder = [n["code"] for n in ladder]
        self.coefficient = [float(n["coefficient"]) for n in ladder]
        self.teams = [(_uuid(self.rng), name) for name in TEAMS]
        self.reps: list[Rep] = []

    # --- org ------------------------------------------------------------------------------

    def teams_rows(self) -> list[tuple]:
        return [(self.tenant_id, tid, name, name[:2], "sales", None, self.now, self.now, 1) for tid, name in self.teams]

    def users_rows(self, password_hash: str) -> list[tuple]:
        rows = []
        created = self.now - timedelta(days=900)
        for t, (tid, name) in enumerate(self.teams):
            rows.append(self._user(f"{name}经理", "manager", tid, created, password_hash))
            for i in range(self.scale.reps_per_team):
                row = self._user(f"{name}销售{i:02d}", "rep", tid, created, password_hash)
                rows.append(row)
                self.reps.append(Rep(row[1], tid, self.rng.uniform(0.7, 1.25), self.rng.uniform(0.05, 0.45),
                                     self.rng.uniform(0.5, 1.5)))
        return rows

    def _user(self, name: str, role: str, team_id: uuid.UUID, created: datetime, password_hash: str) -> tuple:
        uid = _uuid(self.rng)
        return (self.tenant_id, uid, name, f"{uid.hex[:12]}@bench.example.com", None, role, "sales", team_id,
                password_hash, True, created, created, 1)

    def customers_rows(self) -> Iterator[tuple]:
        weights = [r.weight for r in self.reps]
        for i in range(self.scale.customers):
            rep = self.rng.choices(self.reps, weights)[0]
            cid = _uuid(self.rng)
            rep.customers.append(cid)
            yield (self.tenant_id, cid, f"客户{i:06d}", self.rng.choice(INDUSTRIES), "[]", rep.id, rep.team_id,
                   "customer", "{}", "[]", "{}", self.now - timedelta(days=800), self.now, 1)

    # --- deals and evidence ---------------------------------------------------------------

    def deals(self) -> Iterator[tuple[tuple, list[tuple]]]:
        """(opportunity row, its evidence rows)."""
        rng = self.rng
        reps = [r for r in self.reps if r.customers]
        weights = [r.weight for r in reps]
        for i in range(self.scale.opportunities):
            rep = rng.choices(reps, weights)[0]
            customer = rng.choice(rep.customers)
            if rng.random() < self.scale.closed_share:
                yield self._closed(i, rep, customer)
            else:
                yield self._open(i, rep, customer)

    def _amount(self) -> float | None:
        if self.rng.random() < 0.01:
            return None
        return round(max(5_000.0, self.rng.lognormvariate(11.9, 0.9)), -2)  # median ~150k CNY

    def _common(self, i: int, rep: Rep, customer: uuid.UUID) -> dict:
        rng = self.rng
        return {
            "id": _uuid(rng), "customer": customer, "owner": rep.id, "name": f"商机{i:06d}", "amount": self._amount(),
            "currency": "USD" if rng.random() < 0.02 else "CNY",
            "deleted": self.now - timedelta(days=rng.uniform(0, 30)) if rng.random() < 0.01 else None,
        }

    def _evidence(self, deal_id: uuid.UUID, k: int, start: datetime, end: datetime, owner: uuid.UUID) -> list[tuple]:
        """k nodes of the ladder at increasing times in (start, end); sometimes one more, revoked."""
        rng = self.rng
        span = max(60.0, (end - start).total_seconds())
        times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(k))
        rows = [(self.tenant_id, _uuid(rng), deal_id, self.ladder[n], "[]", "见附件", None, at, owner, at, None)
                for n, at in enumerate(times)]
        if k < len(self.ladder) - 1 and rng.random() < 0.03:
            at = start + timedelta(seconds=rng.uniform(0, span))
            rows.append((self.tenant_id, _uuid(rng), deal_id, self.ladder[k], "[]", "误传", None, at, owner, at,
                         min(end, at + timedelta(days=rng.uniform(0.1, 5)))))
        return rows

    def _maturity(self, k: int) -> tuple[float, str, int]:
        m = self.config.maturity(self.ladder[:k])
        return m, self.config.category(m), self.config.mask(self.ladder[:k])

    def _closed(self, i: int, rep: Rep, customer: uuid.UUID) -> tuple[tuple, list[tuple]]:
        rng = self.rng
        d = self._common(i, rep, customer)
        closed = self.now - timedelta(seconds=rng.uniform(3600, 365 * 86400))
        created = closed - timedelta(days=rng.uniform(10, 240))
        k = rng.choices(range(5), CLOSED_K)[0]
        won = rng.random() < min(0.97, WIN_RATE[k] * rep.skill)
        m, category, mask = self._maturity(k)
        stage = self.stages[-1] if won else self.stages[min(len(self.stages) - 1, max(0, k - rng.randint(0, 1)))]
        close_date = (closed.astimezone(TZ).date() + timedelta(days=rng.randint(-20, 10)))
        row = (self.tenant_id, d["id"], d["customer"], d["owner"], d["name"], self.pipeline_id, stage, d["amount"],
               d["currency"], close_date, "won" if won else "lost", "[]", None, m, category,
               closed if won else None, None if won else closed, "[]", "{}", created, closed, 2, d["deleted"], mask)
        return row, self._evidence(d["id"], k, created, closed, rep.id)

    def _open(self, i: int, rep: Rep, customer: uuid.UUID) -> tuple[tuple, list[tuple]]:
        rng = self.rng
        d = self._common(i, rep, customer)
        created = self.now - timedelta(days=rng.uniform(1, 300))
        s = rng.choices(range(len(self.stages)), STAGE_WEIGHTS)[0]
        k = 0 if rng.random() < 0.10 else min(4, max(1, s + rng.randint(0, 1)))
        m, category, mask = self._maturity(k)
        if rng.random() < 0.03:  # overdue: still open after its expected close date
            close_date = self.today - timedelta(days=rng.randint(1, 45))
        else:
            close_date = self.today + timedelta(days=rng.randint(0, 182))
        claim = None
        if rng.random() < 0.85:
            level = (0, 0, 1, 2, 2)[s] + (1 if rng.random() < rep.optimism else 0)
            claim = ("pipeline", "best_case", "commit")[min(2, level)]
        row = (self.tenant_id, d["id"], d["customer"], d["owner"], d["name"], self.pipeline_id, self.stages[s],
               d["amount"], d["currency"], close_date, "open", "[]", claim, m, category, None, None, "[]", "{}",
               created, self.now, 1, d["deleted"], mask)
        return row, self._evidence(d["id"], k, created, self.now - timedelta(minutes=5), rep.id)


# The columns each generated tuple fills, in order (every NOT NULL column: ORM defaults are not
# server defaults).
COLUMNS = {
    **ORG_COLUMNS,
    "opportunities": "tenant_id id customer_id owner_id name pipeline_id stage amount currency "
                     "expected_close_date status competitors rep_forecast_category maturity forecast_category "
                     "won_at lost_at external_refs custom created_at updated_at version deleted_at evidence_mask",
    "evidence": "tenant_id id opportunity_id node attachment_ids text note occurred_at created_by created_at "
                "revoked_at",
}


async def _copy(conn: asyncpg.Connection, table: str, rows: Iterable[tuple], loaded: Loaded) -> None:
    await copy_rows(conn, table, COLUMNS[table].split(), rows, loaded.counts, CHUNK)


async def _copy_deals(conn: asyncpg.Connection, gen: Generator, loaded: Loaded) -> None:
    deals: list[tuple] = []
    evidence: list[tuple] = []
    for deal, rows in gen.deals():
        deals.append(deal)
        evidence.extend(rows)
        if len(deals) >= CHUNK:
            await _copy(conn, "opportunities", deals, loaded)
            await _copy(conn, "evidence", evidence, loaded)
            deals, evidence = [], []
    await _copy(conn, "opportunities", deals, loaded)
    await _copy(conn, "evidence", evidence, loaded)


async def load(dsn: str, tenant_id: uuid.UUID, password_hash: str, seed: int, scale: Scale, now: datetime) -> Loaded:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT id, stages FROM pipelines WHERE tenant_id = $1 AND is_default AND deleted_at IS NULL", tenant_id)
        pipeline = {"id": row["id"], "stages": json.loads(row["stages"])}
        gen, loaded = Generator(tenant_id, pipeline, seed, scale, now.astimezone(UTC)), Loaded()
        await conn.execute("SET session_replication_role = replica")
        async with conn.transaction():
            await _copy(conn, "teams", gen.teams_rows(), loaded)
            await _copy(conn, "users", gen.users_rows(password_hash), loaded)
            await _copy(conn, "customers", gen.customers_rows(), loaded)
            await _copy_deals(conn, gen, loaded)
        await conn.execute("SET session_replication_role = DEFAULT")
        for table in COLUMNS:
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return loaded
