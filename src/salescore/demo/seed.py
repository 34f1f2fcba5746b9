"""`salescore seed-demo`: the demo tenant through the real signup (so every default-configuration
seeder runs), then its people and six months of history in bulk inserts.

Demo rows are written directly (no audit rows, no events): they are history, not changes.
"""

from __future__ import annotations

import gc
import json
import operator
import sys
import time
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.config import Settings
from salescore.demo import data
from salescore.demo.generate import TABLES, DemoGenerator, DemoOrg, Row
from salescore.demo.postmortems import post_mortems
from salescore.demo.signals import SignalTally
from salescore.demo.stages import DemoPipelines, find_pipelines
from salescore.kit.db import create_engine, create_sessionmaker, unit_of_work
from salescore.kit.security import configure_password_hashing
from salescore.kit.types import utcnow
from salescore.models import (
    ActionRecord,
    Contact,
    Customer,
    CustomerSignal,
    DailyReport,
    Evidence,
    FollowUp,
    Notification,
    Opportunity,
    Pipeline,
    PostMortem,
    PostMortemMaterial,
    SignalHit,
    StageChange,
    Team,
    Todo,
    User,
)

MODELS: dict[str, Any] = {
    "customers": Customer, "contacts": Contact, "opportunities": Opportunity, "follow_ups": FollowUp,
    "action_records": ActionRecord, "stage_changes": StageChange, "evidence": Evidence,
    "todos": Todo, "notifications": Notification, "daily_reports": DailyReport,
}
CHUNK = 5000
_JSON = json.JSONEncoder(ensure_ascii=False).encode
ROLE_ORDER = {"admin": 0, "director": 1, "manager": 2, "rep": 3, "staff": 4}
DEPARTMENTS = {"tech": "技术部", "product": "产品部", "finance": "财务", "sales": ""}


@dataclass
class SeedReport:
    tenant_id: uuid.UUID
    created: bool
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, name, email, note


async def run_seed(
    settings: Settings, *, seed: int = 42, scale: str = "S", if_empty: bool = False
) -> SeedReport:
    configure_password_hashing(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            tenant_id = await session.scalar(sa.select(User.tenant_id).where(User.email == data.ADMIN_EMAIL))
            if tenant_id is not None:
                report = SeedReport(tenant_id, created=False, logins=await _logins(session, tenant_id))
        if tenant_id is not None:
            if if_empty:
                print("The demo tenant already exists; nothing to do.")
            else:
                print(f"The demo tenant already exists ({data.ADMIN_EMAIL}); nothing changed. "
                      "To rebuild it, point SALESCORE_DATABASE_URL at a new database.")
            _print_logins(report)
            return report

        started = time.monotonic()
        # Millions of short-lived row dicts and no reference cycles: the cyclic collector would
        # only rescan the live rows on every pass (about 40% of the generator's time at scale M).
        collecting = gc.isenabled()
        gc.disable()
        try:
            async with unit_of_work(sessionmaker) as session:
                report = await _seed(session, settings, seed=seed, scale=scale)
                report.logins = await _logins(session, report.tenant_id)
        finally:
            if collecting:
                gc.enable()
        report.seconds = time.monotonic() - started
    finally:
        await engine.dispose()
    print(f"Seeded the demo tenant (seed {seed}, scale {scale}) in {report.seconds:.1f} s: "
          + ", ".join(f"{report.counts[t]} {t}" for t in ("users", *TABLES, "signal_hits", "post_mortems")))
    _print_logins(report)
    return report


async def _seed(session: AsyncSession, settings: Settings, *, seed: int, scale: str) -> SeedReport:
    from salescore.routers import api_routers
    from salescore.tenancy.schemas import SignupIn
    from salescore.tenancy.service import signup

    api_routers()  # importing every domain registers its default-configuration seeders
    tenant, admin = await signup(
        session,
        SignupIn(
            tenant_name=data.TENANT_NAME, name=data.ADMIN_NAME, email=data.ADMIN_EMAIL, password=data.PASSWORD
        ),
        timezone=settings.timezone,
    )
    generator = DemoGenerator(
        seed=seed, scale=scale, tenant_id=tenant.id, admin_id=admin.id,
        anchor=utcnow().replace(second=0, microsecond=0),
        # Argon2 is slow on purpose: hash once (in signup) and give every demo user that hash.
        password_hash=admin.password_hash,
        pipelines=await _pipelines(session, tenant.id),
    )
    report = SeedReport(tenant.id, created=True)
    started = time.monotonic()
    await _insert_org(session, generator.org)
    report.counts["users"] = len(generator.org.users) + 1
    total = generator.scale.customers
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        await _analyze(session, ("tenants", "teams", "users"))
    tally = SignalTally(tenant.id)
    for number, batch in enumerate(generator.batches()):
        for table in TABLES:
            await _insert(session, MODELS[table], batch[table])
            report.counts[table] += len(batch[table])
        reviews, materials = post_mortems(tenant.id, batch["opportunities"])
        await _insert(session, PostMortem, reviews)
        await _insert(session, PostMortemMaterial, materials)
        report.counts["post_mortems"] += len(reviews)
        hits = tally.hits(batch["follow_ups"])
        await _insert(session, SignalHit, hits)
        report.counts["signal_hits"] += len(hits)
        if postgres and number == 0:
            # With the statistics of the empty tables, the planner checks every foreign key of the
            # following batches with a sequential scan: 5× slower at 3k customers, and worse after.
            await _analyze(session, TABLES)
        if total >= 20_000 and report.counts["customers"] % 10_000 < 1_000:
            counts = report.counts
            print(f"  {counts['customers']}/{total} customers, {counts['follow_ups']} follow-ups, "
                  f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    await _insert(session, CustomerSignal, tally.counters())
    await _grade(session, tenant.id, generator.anchor)
    await _reset_calibration(session, tenant.id)
    return report


async def _reset_calibration(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """The bulk inserts bypass the ORM flush that invalidates the win-rate cache: reset it here."""
    from salescore.forecast.calibration import invalidate_statement

    await session.flush()  # the row signup added (sessions do not autoflush)
    result = await session.execute(invalidate_statement({tenant_id}, drop_cells=True))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError("signup created no win_calibrations row for the demo tenant")


async def _grade(session: AsyncSession, tenant_id: uuid.UUID, anchor: datetime) -> None:
    """Grade the demo customers as a running tenant would have them (demo/grades.py): each as of
    its last change, with the attribute history the health indicators read."""
    from salescore.demo.grades import grade

    await grade(session, tenant_id, anchor)


async def _pipelines(session: AsyncSession, tenant_id: uuid.UUID) -> DemoPipelines:
    """The pipelines signup seeded (none if no seeder created them: deals then have no pipeline)."""
    rows = (await session.execute(
        sa.select(Pipeline.id, Pipeline.is_default, Pipeline.stages)
        .where(Pipeline.tenant_id == tenant_id, Pipeline.deleted_at.is_(None))
        .order_by(Pipeline.created_at, Pipeline.id)
    )).all()
    return find_pipelines([(r.id, r.is_default, r.stages) for r in rows])


async def _insert(session: AsyncSession, model: Any, rows: list[Row]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        await _copy(session, model.__table__, rows)
        return
    for start in range(0, len(rows), CHUNK):
        await session.execute(sa.insert(model.__table__), rows[start:start + CHUNK])


async def _copy(session: AsyncSession, table: sa.Table, rows: list[Row]) -> None:
    """PostgreSQL: COPY in the session's transaction (binary, several times faster than INSERT)."""
    # The columns the rows carry, as the SQLite INSERT path does: a column added later with a
    # server default keeps working; one without a default fails loudly on NOT NULL.
    columns = [c.name for c in table.columns if c.name in rows[0]]
    json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    # Scale M copies ~5M rows: one itemgetter per table and one reused JSON encoder
    # (json.dumps with options builds a new encoder per call) keep this a small share of the run.
    pick = operator.itemgetter(*columns)
    to_json = [i for i, c in enumerate(columns) if c in json_columns]
    records: list[Any] = [pick(row) for row in rows]
    if to_json:
        for n, record in enumerate(records):
            values = list(record)
            for i in to_json:
                values[i] = _JSON(values[i])
            records[n] = values
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)


async def _analyze(session: AsyncSession, tables: tuple[str, ...]) -> None:
    for table in tables:
        await session.execute(sa.text(f"ANALYZE {table}"))


async def _insert_org(session: AsyncSession, org: DemoOrg) -> None:
    # teams.manager_id and users.team_id point at each other: teams first, managers after.
    await _insert(session, Team, [{**team, "manager_id": None} for team in org.teams])
    await _insert(session, User, org.users)
    table = Team.__table__
    for team in org.teams:
        await session.execute(
            sa.update(table)
            .where(table.c.tenant_id == team["tenant_id"], table.c.id == team["id"])
            .values(manager_id=team["manager_id"])
        )


async def _logins(session: AsyncSession, tenant_id: uuid.UUID) -> list[tuple[str, str, str, str]]:
    rows = (await session.execute(
        sa.select(User.role, User.name, User.email, User.department, Team.name.label("team"))
        .outerjoin(Team, sa.and_(Team.tenant_id == User.tenant_id, Team.id == User.team_id))
        .where(User.tenant_id == tenant_id)
    )).all()
    reps = Counter(r.team for r in rows if r.role == "rep")
    logins = []
    for role, name, email, department, team in rows:
        if role == "rep" and not email.startswith("rep1."):
            continue
        note = team or DEPARTMENTS.get(department or "", "")
        if role == "rep" and reps[team] > 1:
            note = f"{team} (rep1 … rep{reps[team]})"
        logins.append((role, name, email, note))
    return sorted(logins, key=lambda r: (ROLE_ORDER.get(r[0], 9), r[2]))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _print_logins(report: SeedReport) -> None:
    header = ("role", "name", "email", "password", "team / department")
    table = [header] + [(role, name, email, data.PASSWORD, note) for role, name, email, note in report.logins]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    print()
    for row in table:
        print("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
    print(f"\nEvery demo user's password is {data.PASSWORD!r}. API docs: {data.DOCS_URL} "
          "(start the API with `salescore serve`; use Authorize with an email above).")
