"""Benchmark: rules-engine throughput — events processed per second by one worker (SPEC §7, §15).

One worker = the dispatcher processing events one after another (what one arq job slot or the
embedded runner's consumer does). Three event mixes, interleaved in rounds, in the same process:

* baseline  `bench.noop` events no rule listens to: the dispatcher's floor (load the event, run the
            rules and webhook lookups, mark it processed);
* no match  `customer.grade_changed` B→C: the default grade-A rule is triggered, its condition fails;
* fires     `customer.grade_changed` C→A: the default grade-A rule runs its three actions (a card for
            the manager, the owner's end-of-week todo, a knowledge-base entry) — each action writes its
            record, audit row and follow-on events.

    .venv/bin/python scripts/bench/rules.py [--events 300] [--rounds 3] [--backend postgres|sqlite]

PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432 for the default backend; the scratch database
(or SQLite file) is removed at the end. About a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import harness as h  # scripts/bench/harness.py

sys.path.insert(0, str(h.ROOT / "src"))
from salescore.config import Settings  # noqa: E402
from salescore.events.dispatcher import process_event  # noqa: E402
from salescore.events.outbox import emit  # noqa: E402
from salescore.kit.types import new_id, utcnow  # noqa: E402
from salescore.models import Customer, Team, User  # noqa: E402
from salescore.runtime import Runtime  # noqa: E402
from salescore.tenancy.schemas import SignupIn  # noqa: E402
from salescore.tenancy.service import signup  # noqa: E402

HEADING = "Rules engine throughput"
MIXES = ("baseline", "no match", "fires")


async def _tenant(runtime: Runtime, customers: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    async with runtime.sessionmaker() as session:
        tenant, admin = await signup(session, SignupIn(tenant_name="压测公司", name="管理员",
                                                       email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
                                                       password="correct-horse-1"), timezone="Asia/Shanghai")
        now = utcnow()
        manager = User(id=new_id(), tenant_id=tenant.id, name="主管", email=f"m-{uuid.uuid4().hex[:8]}@example.com",
                       role="manager", password_hash="x", is_active=True, created_at=now, updated_at=now)
        session.add(manager)
        await session.flush()
        team = Team(id=new_id(), tenant_id=tenant.id, name="华东", region="华东", kind="sales",
                    manager_id=manager.id, created_at=now, updated_at=now)
        session.add(team)
        await session.flush()
        rep = User(id=new_id(), tenant_id=tenant.id, name="销售", email=f"r-{uuid.uuid4().hex[:8]}@example.com",
                   role="rep", team_id=team.id, password_hash="x", is_active=True, created_at=now, updated_at=now)
        manager.team_id = team.id
        session.add(rep)
        await session.flush()  # no ORM relationships: the users must exist before their customers
        ids = [new_id() for _ in range(customers)]
        session.add_all(Customer(id=i, tenant_id=tenant.id, name=f"客户{n}", owner_id=rep.id, team_id=team.id,
                                 requirements={"drawings": True}, created_at=now, updated_at=now)
                        for n, i in enumerate(ids))
        await session.commit()
        return tenant.id, ids


async def _emit(runtime: Runtime, tenant_id: uuid.UUID, mix: str, customers: list[uuid.UUID]) -> list[uuid.UUID]:
    async with runtime.sessionmaker() as session:
        events = []
        for customer in customers:
            if mix == "baseline":
                event = emit(session, tenant_id=tenant_id, type="bench.noop", entity="customer",
                             entity_id=customer, payload={})
            else:
                old, new = ("B", "C") if mix == "no match" else ("C", "A")
                event = emit(session, tenant_id=tenant_id, type="customer.grade_changed", entity="customer",
                             entity_id=customer, payload={"customer_id": str(customer), "old": old, "new": new,
                                                          "score": 0.8})
            events.append(event.id)
        await session.commit()
        return events


async def _process(runtime: Runtime, events: list[uuid.UUID]) -> float:
    async def publish(_: list[uuid.UUID]) -> None:
        return None  # follow-on events (cards, todos) are left for the sweeper: one event's work is measured

    started = time.perf_counter()
    for event_id in events:
        assert await process_event(runtime.sessionmaker, event_id, publish)
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    pg = os.environ.get("SALESCORE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    scratch = f"salescore_bench_rules_{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix="salescore-bench-"))
    if args.backend == "postgres":
        h.local_only(pg, "PostgreSQL")
        await h.create_database(pg, scratch)
        url = pg.replace("postgresql://", "postgresql+asyncpg://") + f"/{scratch}"
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    try:
        await asyncio.to_thread(h.migrate, url)
        runtime = await Runtime.start(Settings(database_url=url, storage_dir=tmp / "files", log_json=False,
                                               secret_key="bench-secret-key-0123456789abcdef0123"), background=False)
        try:
            rates: dict[str, list[float]] = {m: [] for m in MIXES}
            for _ in range(args.rounds):
                for mix in MIXES:
                    tenant_id, customers = await _tenant(runtime, args.events)
                    events = await _emit(runtime, tenant_id, mix, customers)
                    seconds = await _process(runtime, events)
                    rates[mix].append(len(events) / seconds)
                    print(f"{mix:>9}: {len(events) / seconds:7.1f} events/s", flush=True)
        finally:
            await runtime.stop()
    finally:
        if args.backend == "postgres":
            await h.drop_database(pg, scratch)
    _report(args, rates)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _report(args: argparse.Namespace, rates: dict[str, list[float]]) -> None:
    base = _median(rates["baseline"])
    rows = "\n".join(
        f"| {mix} | {_median(rates[mix]):.0f} | {_median(rates[mix]) / base:.2f}× |" for mix in MIXES
    )
    body = f"""Command: `.venv/bin/python scripts/bench/rules.py --events {args.events} --rounds {args.rounds} --backend {args.backend}`
({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; medians of {args.rounds} interleaved rounds
of {args.events} events each; one worker processing events one after another).

| events | events/s per worker | vs baseline |
|---|---|---|
{rows}

*baseline*: events no rule listens to (the dispatcher's own floor: load, rule and webhook lookups, mark
processed). *no match*: the grade-A rule is triggered and its condition is false. *fires*: the grade-A
rule runs its three actions (card, end-of-week todo, knowledge-base entry), each writing its record,
audit row and follow-on events in one savepoint."""
    print(body)
    if args.write:
        print("written to", h.write_doc(f"rules-{args.backend}", f"{HEADING} ({args.backend})", body))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only, leave docs alone")
    asyncio.run(main(parser.parse_args()))
