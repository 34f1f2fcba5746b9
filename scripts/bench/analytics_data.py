"""A synthetic scale-M tenant for the analytics benchmarks, loaded with asyncpg COPY.

Deterministic for a seed: ~300 reps in three sales teams and a store team, ~100k customers,
~200k opportunities (~15% won), ~600k follow-ups carrying ~1M action records, and daily reports
for every rep over the history at ~85% submission with realistic delays. Rows are generated in
chunks and streamed to COPY; foreign-key triggers are off for the loading session only
(`session_replication_role = replica`) because the generator builds every reference itself.

With `process=True` (scripts/bench/analytics.py: the three-colour board and the weekly KPIs) the same
org gets a process layer on top, drawn from a second random stream so the rows above stay exactly
what they are without it: customers created over the years (~12% during the history) with a grade,
profile facts and a contact on ~70%; a first follow-up for most customers created during the
history; follow-ups on several channels with an entry latency (recorded_at) and ~3% imported; deals
with a pipeline, product line and stage history through 初谈 → 报价 → 样机测试 → 终审 → 签约 (moves via
api or action, ~85% compliant; won when signed), and deal actions on their own follow-ups:
quote_submitted on entering 报价 (confirmed within 24 h, late or never), contract_signed at signing
and payment_received some days later (or not yet), each with its local_date in Asia/Shanghai. The
tables are then rewritten in write order (CLUSTER), as a live database holds them.
"""

from __future__ import annotations

import math
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
STAGES = ("初谈", "报价", "样机测试", "终审", "签约")  # the default pipeline (salescore.action.defaults)
ADVANCE = (0.7, 0.6, 0.65, 0.7)  # chance a deal moves on from each stage but the last
PRODUCT_LINES = ("滤材", "模具", "仓储设备")
CHANNELS = {"call": 35, "visit": 25, "wechat": 20, "email": 10, "meeting": 5, "other": 5}
EFFECTIVE = ("call", "visit", "wechat", "meeting")  # the KPI settings' default effective channels
CITIES = {"华东": ("上海", "苏州", "杭州"), "华南": ("广州", "深圳", "东莞"), "西南": ("成都", "重庆", "昆明"),
          "门店": ("上海", "广州")}


@dataclass
class Scale:
    customers: int = 100_000
    opportunities: int = 200_000
    follow_ups: int = 600_000
    history_days: int = 270

    @classmethod
    def of(cls, factor: float, follow_ups: int = 600_000) -> Scale:
        """Scale M times `factor` (the org and the history stay the same); `follow_ups` at scale 1."""
        return cls(int(100_000 * factor), int(200_000 * factor), int(follow_ups * factor))


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
    def __init__(self, tenant_id: uuid.UUID, seed: int, scale: Scale, today: date, process: bool = False,
                 pipeline_id: uuid.UUID | None = None) -> None:
        self.rng = random.Random(seed)
        # The process layer's own stream: the rows without it stay the same for a seed.
        self.px = random.Random(seed * 7919 + 17)
        self.process, self.pipeline_id = process, pipeline_id
        self.customer_created: list[datetime] = []
        self.team_region: dict[uuid.UUID, tuple[str, str]] = {}
        self.tenant_id, self.scale, self.today = tenant_id, scale, today
        self.first_day = today - timedelta(days=scale.history_days - 1)
        self.now = datetime.now(UTC)
        self.teams = [(_uuid(self.rng), name, kind, size) for name, kind, size in TEAMS]
        self.team_region = {tid: (name, kind) for tid, name, kind, _ in self.teams}
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
            row = (self.tenant_id, cid, f"客户{i:06d}", self.rng.choice(INDUSTRIES), "[]", rep.id, rep.team_id,
                   "customer", "{}", "[]", "{}", self.now, self.now, 1)
            yield self._profiled(row, rep) if self.process else row

    def _profiled(self, row: tuple, rep: Rep) -> tuple:
        """A customer with a creation time (~12% during the history, the rest up to ~2 years before),
        a grade (A 18%, B 34%, C 48%) and profile facts, some missing."""
        px = self.px
        if px.random() < 0.12:
            day = self.first_day + timedelta(days=px.randrange(self.scale.history_days))
        else:
            day = self.first_day - timedelta(days=px.randint(1, 700))
        created = min(self.now - timedelta(minutes=5), _local(day, px.uniform(8 * 3600, 20 * 3600)))
        self.customer_created.append(created)
        region, _kind = self.team_region[rep.team_id]
        industry = row[3] if px.random() < 0.9 else None
        city = px.choice(CITIES[region]) if px.random() < 0.8 else None
        source = px.choice(("展会", "官网", "转介绍", "电话")) if px.random() < 0.7 else None
        annual = round(px.uniform(50_000, 5_000_000), 2) if px.random() < 0.5 else None
        grade = px.choices("ABC", (18, 34, 48))[0]
        return (*row[:3], industry, *row[4:11], created, created, row[13],
                region if px.random() < 0.9 else None, city, source, annual, grade)

    def contacts_rows(self) -> Iterator[tuple]:
        """One contact for ~70% of the customers."""
        for cid, created in zip(self.customer_ids, self.customer_created, strict=True):
            if self.px.random() < 0.7:
                yield (self.tenant_id, _uuid(self.px), cid, "联系人", "other", created, created, 1)

    def first_contact_rows(self) -> Iterator[tuple[tuple, list[tuple]]]:
        """The first follow-up of ~85% of the customers created during the history: store teams'
        within minutes to an hour, sales teams' within hours (log-normal), ~10% by email."""
        history = _local(self.first_day, 0)
        for i, created in enumerate(self.customer_created):
            if created < history or self.px.random() >= 0.85:
                continue
            rep = self.reps[self.customer_owner[i]]
            store = self.team_region[rep.team_id][1] == "store"
            hours = self.px.lognormvariate(math.log(0.4 if store else 3.0), 1.0)
            occurred = created + timedelta(hours=hours)
            if occurred >= self.now:
                continue
            channel = "email" if self.px.random() < 0.1 else self.px.choice(EFFECTIVE)
            yield self._follow_up(self.customer_ids[i], None, rep.id, channel, occurred), []

    def _follow_up(self, customer: uuid.UUID, deal: uuid.UUID | None, user: uuid.UUID, channel: str,
                   occurred: datetime, fid: uuid.UUID | None = None) -> tuple:
        """A follow-up entered with a latency: ~70% within 2 h, ~20% the same day, ~8% days later;
        ~3% imported (much later), ~4% written from a daily report (the next morning)."""
        px = self.px
        roll, via = px.random(), "app"
        if roll < 0.03:
            via, recorded = "import", occurred + timedelta(days=px.uniform(3, 60))
        elif roll < 0.07:
            via, recorded = "daily_report", occurred + timedelta(hours=px.uniform(12, 20))
        elif roll < 0.77:
            recorded = occurred + timedelta(seconds=px.uniform(0, 7200))
        elif roll < 0.97:
            recorded = occurred + timedelta(hours=px.uniform(2, 24))
        else:
            recorded = occurred + timedelta(days=px.uniform(1, 4))
        recorded = min(recorded, self.now)
        return (self.tenant_id, fid or _uuid(px), customer, deal, user, channel, occurred, "", "[]", "[]", via,
                recorded, recorded, recorded, 1, None)

    def opportunities_rows(self) -> Iterator[tuple]:
        for row, *_ in self.deals():
            yield row

    def deals(self) -> Iterator[tuple[tuple, list[tuple], list[tuple], list[tuple]]]:
        """(deal row, its stage changes, its action follow-ups, their action rows); the last three
        only with the process layer."""
        span = (self.now - _local(self.first_day, 0)).total_seconds()
        for i in range(self.scale.opportunities):
            c = self.rng.randrange(len(self.customer_ids))
            owner = self.reps[self.customer_owner[c]]
            roll = self.rng.random()
            status = "won" if roll < 0.15 else "lost" if roll < 0.25 else "open"
            won_at = self.now - timedelta(seconds=self.rng.uniform(0, span)) if status == "won" else None
            lost_at = self.now - timedelta(seconds=self.rng.uniform(0, span)) if status == "lost" else None
            row = (self.tenant_id, _uuid(self.rng), self.customer_ids[c], owner.id, f"商机{i:06d}", "CNY",
                   status, "[]", 0.0, "unqualified", won_at, lost_at, "[]", "{}", self.now, self.now, 1)
            yield self._staged(row, c, owner) if self.process else (row, [], [], [])

    def _staged(self, row: tuple, c: int, owner: Rep) -> tuple[tuple, list[tuple], list[tuple], list[tuple]]:
        """The deal's stage history (each stage held ~12 days on average, moving on per ADVANCE; won on
        reaching 签约), its status from that, and its quote / signing / payment actions."""
        px, deal, customer = self.px, row[1], self.customer_ids[c]
        earliest = max(self.customer_created[c], _local(self.first_day, 0) - timedelta(days=90))
        created = earliest + (self.now - earliest) * px.random()
        moves = [(None, STAGES[0], created, "create", True)]
        at, stage = created, 0
        while stage < len(ADVANCE) and px.random() < ADVANCE[stage]:
            at = at + timedelta(days=px.expovariate(1 / 12) + 0.2)
            if at >= self.now:
                break
            via = "win" if stage + 1 == len(ADVANCE) else "action" if px.random() < 0.15 else "api"
            moves.append((STAGES[stage], STAGES[stage + 1], at, via, via == "win" or px.random() < 0.85))
            stage += 1
        won_at = at if stage == len(ADVANCE) else None
        lost_at = None
        if won_at is None and px.random() < 0.35:
            lost = at + timedelta(days=px.expovariate(1 / 20))
            lost_at = lost if lost < self.now else None
        status = "won" if won_at else "lost" if lost_at else "open"
        changes = [(self.tenant_id, _uuid(px), deal, self.pipeline_id, a, b, when, owner.id, via, None, ok)
                   for a, b, when, via, ok in moves]
        acts: list[tuple[str, datetime]] = []
        if len(moves) > 1 and px.random() < 0.5:  # a quote on entering 报价
            quoted = max(created, moves[1][2] - timedelta(seconds=px.uniform(0, 7200)))
            acts.append(("quote_submitted", quoted))
            roll = px.random()
            if roll < 0.82:  # 70% confirmed within 24 h, 12% late
                later = px.uniform(0.5, 23.5) if roll < 0.7 else px.uniform(25, 240)
                acts.append(("quote_confirmed", quoted + timedelta(hours=later)))
        if won_at is not None and px.random() < 0.4:  # signing and first payment recorded
            acts.append(("contract_signed", won_at))
            if px.random() < 0.9:
                acts.append(("payment_received", won_at + timedelta(days=px.lognormvariate(math.log(6), 0.6))))
        follow_ups, actions = [], []
        for code, when in acts:
            if when >= self.now:
                continue
            fid = _uuid(px)
            follow_ups.append(self._follow_up(customer, deal, owner.id, px.choice(EFFECTIVE), when, fid))
            actions.append((self.tenant_id, _uuid(px), fid, 0, customer, deal, owner.id, code, 1, "{}", when,
                            when.astimezone(TZ).date(), "app", None, when))
        row = (*row[:6], status, *row[7:10], won_at, lost_at, *row[12:14], created, created, row[16],
               self.pipeline_id, STAGES[stage], px.choice(PRODUCT_LINES))
        return row, changes, follow_ups, actions

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
            if self.process:
                if occurred < self.customer_created[c]:
                    continue  # not before the customer existed
                channel = self.px.choices(list(CHANNELS), list(CHANNELS.values()))[0]
                follow_up = (*self._follow_up(self.customer_ids[c], None, rep.id, channel, occurred, fid)[:15],
                             deleted)
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
# The process layer's extra columns and tables.
PROCESS_COLUMNS = {
    **COLUMNS,
    "customers": COLUMNS["customers"] + " region city source annual_purchase grade",
    "opportunities": COLUMNS["opportunities"] + " pipeline_id stage product_line",
    "contacts": "tenant_id id customer_id name decision_role created_at updated_at version",
    "stage_changes": "tenant_id id opportunity_id pipeline_id from_stage to_stage at by_id via follow_up_id "
                     "compliant",
}


async def _copy(conn: asyncpg.Connection, table: str, rows: Iterable[tuple], loaded: Loaded,
                columns: dict[str, str] = COLUMNS) -> None:
    await copy_rows(conn, table, columns[table].split(), rows, loaded.counts, CHUNK)


async def _copy_activity(conn: asyncpg.Connection, pairs: Iterable[tuple[tuple, list[tuple]]],
                         loaded: Loaded) -> None:
    """Follow-ups and their action rows, chunk by chunk, so a million action rows are never held
    in memory at once."""
    follow_ups: list[tuple] = []
    actions: list[tuple] = []
    for follow_up, rows in pairs:
        follow_ups.append(follow_up)
        actions.extend(rows)
        if len(actions) >= CHUNK:
            await _copy(conn, "follow_ups", follow_ups, loaded)
            await _copy(conn, "action_records", actions, loaded)
            follow_ups, actions = [], []
    await _copy(conn, "follow_ups", follow_ups, loaded)
    await _copy(conn, "action_records", actions, loaded)


async def _copy_deals(conn: asyncpg.Connection, gen: Generator, loaded: Loaded) -> None:
    """Deals with their stage changes and action follow-ups, chunk by chunk."""
    batches: dict[str, list[tuple]] = {"opportunities": [], "stage_changes": [], "follow_ups": [],
                                       "action_records": []}

    async def flush() -> None:
        for table, rows in batches.items():  # deals before the rows naming them
            await _copy(conn, table, rows, loaded, PROCESS_COLUMNS)
            rows.clear()

    for deal, changes, follow_ups, actions in gen.deals():
        batches["opportunities"].append(deal)
        batches["stage_changes"] += changes
        batches["follow_ups"] += follow_ups
        batches["action_records"] += actions
        if len(batches["stage_changes"]) >= CHUNK:
            await flush()
    await flush()


# A live table's rows lie in the order they were written, so a window of recent records is a few
# adjacent pages; the generator writes them in random time order, which would make every time-window
# scan read the whole table. Rewrite each table in write order (~25 s at scale M).
CLUSTER_BY = (("follow_ups", "ix_follow_ups_tenant_created"), ("stage_changes", "ix_stage_changes_tenant_at"),
              ("customers", "ix_customers_tenant_created"), ("opportunities", "ix_opportunities_tenant_created"))


async def _cluster(conn: asyncpg.Connection) -> None:
    for table, index in CLUSTER_BY:
        await conn.execute(f"CLUSTER {table} USING {index}")
    # action_records has no index by write time: a temporary one.
    await conn.execute("CREATE INDEX bench_action_records_created ON action_records (created_at)")
    await conn.execute("CLUSTER action_records USING bench_action_records_created")
    await conn.execute("DROP INDEX bench_action_records_created")


async def default_pipeline(dsn: str, tenant_id: uuid.UUID) -> uuid.UUID | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT id FROM pipelines WHERE tenant_id = $1 AND is_default "
                                   "AND deleted_at IS NULL ORDER BY created_at LIMIT 1", tenant_id)
    finally:
        await conn.close()


async def load(
    dsn: str, tenant_id: uuid.UUID, password_hash: str, seed: int, scale: Scale, today: date,
    process: bool = False,
) -> Loaded:
    """Load the org; `process` adds the board / KPI layer (module docstring) on the tenant's
    default pipeline."""
    pipeline_id = await default_pipeline(dsn, tenant_id) if process else None
    gen, loaded = Generator(tenant_id, seed, scale, today, process, pipeline_id), Loaded()
    columns = PROCESS_COLUMNS if process else COLUMNS
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        async with conn.transaction():
            await _copy(conn, "teams", gen.teams_rows(), loaded)
            await _copy(conn, "users", gen.users_rows(password_hash), loaded)
            await _copy(conn, "customers", gen.customers_rows(), loaded, columns)
            if process:
                await _copy(conn, "contacts", gen.contacts_rows(), loaded, columns)
                await _copy_deals(conn, gen, loaded)
                await _copy_activity(conn, gen.first_contact_rows(), loaded)
            else:
                await _copy(conn, "opportunities", gen.opportunities_rows(), loaded)
            await _copy_activity(conn, gen.activity_rows(), loaded)
            await _copy(conn, "daily_reports", gen.report_rows(), loaded)
        await conn.execute("SET session_replication_role = DEFAULT")
        if process:
            await _cluster(conn)
        for table in columns:
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    return loaded
