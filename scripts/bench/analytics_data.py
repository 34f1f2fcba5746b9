"""A synthetic scale-M tenant for the analytics benchmarks, loaded with asyncpg COPY.

Deterministic for a seed: ~300 reps in three sales teams and a store team, ~100k customers,
~200k opportunities (~15% won), ~600k follow-ups carrying ~1M action records, and daily reports
for every rep over the history at ~85% submission with realistic delays. Rows are generated in
chunks and streamed to COPY; foreign-key triggers are off for the loading session only
(`session_replication_role = replica`) because the generator builds every reference itself.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from harness import ORG_COLUMNS, copy_rows  # scripts/bench/harness.py

from salescore.kit.workdays import add_workdays, is_workday

TZ = ZoneInfo("Asia/Shanghai")
TEAMS = (("华东", "sales", 100), ("华南", "sales", 90), ("西南", "sales", 80), ("门店", "store", 30))
INDUSTRIES = ("工业滤材", "精密模具", "医疗器械", "智能仓储", "快消", "美妆零售")
# Action codes and how often reps use them; every rep gets a personal tilt on top.
CODES = {"customer_visit": 24, "phone_new_customer": 20, "proposal_sent": 14, "quote_submitted": 9,
         "contract_push": 7, "competitor_feedback": 6, "internal_collab": 6, "objection_handled": 5,
         "demo_scheduled": 4, "tech_requirement_update": 3, "quote_confirmed": 2}
CHUNK = 50_000


@dataclass
class Scale:
    customers: int = 100_000
    opportunities: int = 200_000
    follow_ups: int = 600_000
    history_days: int = 270

    @classmethod
    def of(cls, factor: float) -> Scale:
        """Scale M times `factor` (the org and the history stay the same)."""
        return cls(int(100_000 * factor), int(200_000 * factor), int(600_000 * factor))


@dataclass
class Rep:
    id: uuid.UUID
    team_id: uuid.UUID
    created_at: datetime
    submission: float  # this rep's daily-report habit
    codes: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)


@dataclass
class Loaded:
    counts: dict[str, int] = field(default_factory=dict)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _local(day: date, seconds: float) -> datetime:
    return (datetime.combine(day, time(0), tzinfo=TZ) + timedelta(seconds=seconds)).astimezone(UTC)


class Generator:
    def __init__(self, tenant_id: uuid.UUID, seed: int, scale: Scale, today: date) -> None:
        self.rng = random.Random(seed)
        self.tenant_id, self.scale, self.today = tenant_id, scale, today
        self.first_day = today - timedelta(days=scale.history_days - 1)
        self.now = datetime.now(UTC)
        self.teams = [(_uuid(self.rng), name, kind, size) for name, kind, size in TEAMS]
        self.reps: list[Rep] = []
        self.customer_ids: list[uuid.UUID] = []
        self.customer_owner: list[int] = []

    # --- org ------------------------------------------------------------------------------

    def teams_rows(self) -> list[tuple]:
        return [(self.tenant_id, tid, name, name, kind, None, self.now, self.now, 1)
                for tid, name, kind, _ in self.teams]

    def users_rows(self, password_hash: str) -> list[tuple]:
        rows = []
        for t, (tid, name, _kind, size) in enumerate(self.teams):
            rows.append(self._user(f"经理{t}", "manager", tid, self.now - timedelta(days=800), password_hash))
            for i in range(size):
                # Most reps predate the history; some joined during it (their expected reports start then).
                joined = self.first_day - timedelta(days=self.rng.randint(1, 900))
                if self.rng.random() < 0.06:
                    joined = self.first_day + timedelta(days=self.rng.randint(0, self.scale.history_days - 1))
                created = _local(joined, self.rng.uniform(9 * 3600, 18 * 3600))
                row = self._user(f"{name}销售{i:03d}", "rep", tid, created, password_hash)
                row = (*row[:9], self.rng.random() > 0.02, *row[10:])  # ~2% deactivated
                rows.append(row)
                tilt = {c: w * self.rng.uniform(0.3, 2.5) for c, w in CODES.items()}
                self.reps.append(Rep(row[1], tid, created, min(0.99, max(0.4, self.rng.gauss(0.85, 0.1))),
                                     list(tilt), list(tilt.values())))
        return rows

    def _user(self, name: str, role: str, team_id: uuid.UUID, created: datetime, password_hash: str) -> tuple:
        uid = _uuid(self.rng)
        return (self.tenant_id, uid, name, f"{uid.hex[:12]}@bench.example.com", None, role, "sales", team_id,
                password_hash, True, created, created, 1)

    # --- records --------------------------------------------------------------------------

    def customers_rows(self) -> Iterator[tuple]:
        for i in range(self.scale.customers):
            owner = self.rng.randrange(len(self.reps))
            rep = self.reps[owner]
            cid = _uuid(self.rng)
            self.customer_ids.append(cid)
            self.customer_owner.append(owner)
            rep.customers.append(i)
            yield (self.tenant_id, cid, f"客户{i:06d}", self.rng.choice(INDUSTRIES), "[]", rep.id, rep.team_id,
                   "customer", "{}", "[]", "{}", self.now, self.now, 1)

    def opportunities_rows(self) -> Iterator[tuple]:
        span = (self.now - _local(self.first_day, 0)).total_seconds()
        for i in range(self.scale.opportunities):
            c = self.rng.randrange(len(self.customer_ids))
            owner = self.reps[self.customer_owner[c]]
            roll = self.rng.random()
            status = "won" if roll < 0.15 else "lost" if roll < 0.25 else "open"
            won_at = self.now - timedelta(seconds=self.rng.uniform(0, span)) if status == "won" else None
            lost_at = self.now - timedelta(seconds=self.rng.uniform(0, span)) if status == "lost" else None
            yield (self.tenant_id, _uuid(self.rng), self.customer_ids[c], owner.id, f"商机{i:06d}", "CNY",
                   status, "[]", 0.0, "unqualified", won_at, lost_at, "[]", "{}", self.now, self.now, 1)

    def activity_rows(self) -> Iterator[tuple[tuple, list[tuple]]]:
        """(follow-up row, its 1-2 action rows); about 1.67 actions per follow-up."""
        active = [r for r in self.reps if r.customers]
        for _ in range(self.scale.follow_ups):
            rep = self.rng.choice(active)
            c = self.rng.choice(rep.customers)
            start = max(self.first_day, rep.created_at.astimezone(TZ).date())
            day = start + timedelta(days=self.rng.randrange(max(1, (self.today - start).days + 1)))
            if not is_workday(day) and self.rng.random() < 0.8:
                day = add_workdays(day, 0)
                if day > self.today:
                    continue
            occurred = _local(day, self.rng.uniform(9 * 3600, 19 * 3600))
            fid = _uuid(self.rng)
            follow_up = (self.tenant_id, fid, self.customer_ids[c], None, rep.id, "visit", occurred, "", "[]",
                         "[]", "app", occurred, occurred, occurred, 1, None)
            n = 2 if self.rng.random() < 0.67 else 1
            codes = self.rng.choices(rep.codes, rep.weights, k=n)
            deleted = occurred + timedelta(hours=1) if self.rng.random() < 0.01 else None
            actions = [(self.tenant_id, _uuid(self.rng), fid, pos, self.customer_ids[c], None, rep.id, code,
                        1, "{}", occurred, day, "app", deleted, occurred) for pos, code in enumerate(codes)]
            yield follow_up, actions

    def report_rows(self) -> Iterator[tuple]:
        for rep in self.reps:
            day = max(self.first_day, rep.created_at.astimezone(TZ).date())
            while day <= self.today:
                if is_workday(day) and self.rng.random() < rep.submission:
                    yield self._report(rep, day)
                day += timedelta(days=1)

    def _report(self, rep: Rep, day: date) -> tuple:
        end = _local(day + timedelta(days=1), 0)
        deadline = _local(add_workdays(day, 1), 10 * 3600)
        roll = self.rng.random()
        if roll < 0.55:  # the same evening
            submitted = end - timedelta(seconds=self.rng.uniform(60, 5 * 3600))
        elif roll < 0.85:  # the next morning, mostly before the deadline
            submitted = end + timedelta(seconds=self.rng.uniform(7 * 3600, 11 * 3600))
        elif roll < 0.95:  # later the next day
            submitted = end + timedelta(seconds=self.rng.uniform(11 * 3600, 24 * 3600))
        else:  # days late
            submitted = end + timedelta(days=self.rng.uniform(1, 5))
        submitted = min(submitted, self.now)
        delay = max(0, int((submitted - end).total_seconds()))
        return (self.tenant_id, _uuid(self.rng), rep.id, rep.team_id, day, "[]", "{}", submitted, deadline,
                delay, submitted <= deadline, None, submitted, submitted, 1)


# The columns each generated tuple fills, in order (every NOT NULL column: ORM defaults are not
# server defaults).
COLUMNS = {
    **ORG_COLUMNS,
    "opportunities": "tenant_id id customer_id owner_id name currency status competitors maturity "
                     "forecast_category won_at lost_at external_refs custom created_at updated_at version",
    "follow_ups": "tenant_id id customer_id opportunity_id user_id channel occurred_at summary actions "
                  "contact_ids created_via recorded_at created_at updated_at version deleted_at",
    "action_records": "tenant_id id follow_up_id position customer_id opportunity_id user_id code "
                      "template_revision fields occurred_at local_date created_via deleted_at created_at",
    "daily_reports": "tenant_id id user_id team_id report_date items progress submitted_at deadline_at "
                     "delay_seconds on_time amended_at created_at updated_at version",
}


async def _copy(conn: asyncpg.Connection, table: str, rows: Iterable[tuple], loaded: Loaded) -> None:
    await copy_rows(conn, table, COLUMNS[table].split(), rows, loaded.counts, CHUNK)


async def _copy_activity(conn: asyncpg.Connection, gen: Generator, loaded: Loaded) -> None:
    """Follow-ups and their action rows, chunk by chunk, so a million action rows are never held
    in memory at once."""
    follow_ups: list[tuple] = []
    actions: list[tuple] = []
    for follow_up, rows in gen.activity_rows():
        follow_ups.append(follow_up)
        actions.extend(rows)
        if len(actions) >= CHUNK:
            await _copy(conn, "follow_ups", follow_ups, loaded)
            await _copy(conn, "action_records", actions, loaded)
            follow_ups, actions = [], []
    await _copy(conn, "follow_ups", follow_ups, loaded)
    await _copy(conn, "action_records", actions, loaded)


async def load(
    dsn: str, tenant_id: uuid.UUID, password_hash: str, seed: int, scale: Scale, today: date
) -> Loaded:
    gen, loaded = Generator(tenant_id, seed, scale, today), Loaded()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        async with conn.transaction():
            await _copy(conn, "teams", gen.teams_rows(), loaded)
            await _copy(conn, "users", gen.users_rows(password_hash), loaded)
            await _copy(conn, "customers", gen.customers_rows(), loaded)
            await _copy(conn, "opportunities", gen.opportunities_rows(), loaded)
            await _copy_activity(conn, gen, loaded)
            await _copy(conn, "daily_reports", gen.report_rows(), loaded)
        await conn.execute("SET session_replication_role = DEFAULT")
        for table in COLUMNS:
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    return loaded
