"""Benchmark: `POST /api/v1/follow-ups` as a ratio to a bare FastAPI + asyncpg endpoint (SPEC §15).

Creates a scratch PostgreSQL database, migrates it, runs three single-worker uvicorn servers as
subprocesses on 127.0.0.1 -- the bare baseline (scripts/bench/bare_app.py), salescore embedded
(events processed in the API process) and salescore with Redis (the API only enqueues) -- and
drives them in interleaved rounds with a fixed number of requests in flight. Prints a markdown
table and rewrites its section of docs/benchmarks.md. Drops the database and stops the servers
at the end, also on errors and Ctrl-C.

    .venv/bin/python scripts/bench/follow_ups.py [--requests 600] [--concurrency 16] [--rounds 3]

Needs PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432 and Redis on 127.0.0.1:6379
(scripts/services starts both). Finishes in under three minutes; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import harness as h  # scripts/bench/harness.py, beside this script
import httpx

BARE_APP = Path(__file__).with_name("bare_app.py")


@dataclass
class Run:
    server: str
    round: int
    requests: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float  # server process user+system CPU, incl. the outbox drain when embedded
    pg_cpu_seconds: float  # the PostgreSQL backends serving the scratch database
    client_cpu_seconds: float  # this process: the load generator
    drain_seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def sustained_rps(self) -> float:
        return self.requests / (self.seconds + self.drain_seconds)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / self.requests

    @property
    def pg_ms_per_request(self) -> float:
        return 1000 * self.pg_cpu_seconds / self.requests

    @property
    def client_ms_per_request(self) -> float:
        return 1000 * self.client_cpu_seconds / self.requests


@dataclass
class Ids:
    tenant_id: str = ""
    user_id: str = ""
    customer_id: str = ""
    contact_id: str = ""
    token: str = ""


# --- processes ---------------------------------------------------------------------------------

# --- database --------------------------------------------------------------------------------

async def _max_event_seq(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT coalesce(max(seq), 0) FROM events"))


async def _wait_outbox_drained(db: asyncpg.Connection, after_seq: int, timeout: float = 60) -> float:
    """Seconds until every event written after `after_seq` is processed (embedded runner)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        left = await db.fetchval(
            "SELECT count(*) FROM events WHERE seq > $1 AND processed_at IS NULL", after_seq
        )
        if left == 0:
            return time.perf_counter() - started
        await asyncio.sleep(0.02)
    raise RuntimeError(f"embedded runner did not process its events within {timeout:.0f}s")


async def _cleanup_redis(redis_url: str, event_ids: list[str]) -> tuple[int, int]:
    """Remove the arq jobs this run enqueued (and only those). Returns (found, expected)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        job_ids = [f"event:{e}" for e in event_ids]
        found = 0
        for start in range(0, len(job_ids), 1000):
            chunk = job_ids[start:start + 1000]
            scores = await redis.zmscore("arq:queue", chunk)
            found += sum(s is not None for s in scores)
            await redis.zrem("arq:queue", *chunk)
            await redis.delete(*[f"arq:job:{j}" for j in chunk])
        return found, len(job_ids)
    finally:
        await redis.aclose()


# --- load ------------------------------------------------------------------------------------

def _body(ids: Ids) -> bytes:
    return json.dumps(
        {
            "customer_id": ids.customer_id,
            "channel": "call",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
            "summary": "电话沟通了新一季滤材采购计划，客户要求下周提供报价和样品，技术部需确认耐温参数。",
            # A validated action with its row and event (no sync), as a rep records on most calls.
            "actions": [{"code": "objection_handled", "fields": {"category": "价格", "resolution": "提供TCO对比表"}}],
            "contact_ids": [ids.contact_id],
        },
        ensure_ascii=False,
    ).encode()


# --- setup through the real API ----------------------------------------------------------------

async def _setup_tenant(base: str) -> Ids:
    ids = Ids()
    password = secrets.token_urlsafe(16)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/api/v1/auth/signup", json={
            "tenant_name": "基准测试公司", "name": "管理员",
            "email": "admin@bench.example.com", "password": password,
        })
        r.raise_for_status()
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        ids.tenant_id = r.json()["tenant"]["id"]
        # The caller is a rep: visibility is the owner filter, not the admin's whole-tenant pass.
        r = await client.post("/api/v1/users", headers=admin, json={
            "name": "王销售", "email": "rep@bench.example.com", "password": password, "role": "rep",
        })
        r.raise_for_status()
        ids.user_id = r.json()["id"]
        r = await client.post(
            "/api/v1/auth/token", data={"username": "rep@bench.example.com", "password": password}
        )
        r.raise_for_status()
        ids.token = r.json()["access_token"]
        rep = {"Authorization": f"Bearer {ids.token}"}
        r = await client.post(
            "/api/v1/customers", headers=rep, json={"name": "华东精密滤材有限公司", "industry": "工业滤材"}
        )
        r.raise_for_status()
        ids.customer_id = r.json()["id"]
        r = await client.post(f"/api/v1/customers/{ids.customer_id}/contacts", headers=rep,
                              json={"name": "李工", "title": "技术经理", "decision_role": "technical"})
        r.raise_for_status()
        ids.contact_id = r.json()["id"]
    return ids


# --- report ----------------------------------------------------------------------------------

def _progress(run: Run) -> str:
    p50, p95 = 1000 * h.percentile(run.latencies, 0.5), 1000 * h.percentile(run.latencies, 0.95)
    line = (f"round {run.round} {run.server:9} {run.rps:7.1f} req/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
            f"  CPU ms/req: server {run.cpu_ms_per_request:5.2f}  postgres {run.pg_ms_per_request:5.2f}"
            f"  client {run.client_ms_per_request:5.2f}")
    return line + (f"  outbox drained {run.drain_seconds:.2f}s later" if run.drain_seconds else "")


def _summary(runs: list[Run], names: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in names:
        mine = [r for r in runs if r.server == name]
        lat = [x for r in mine for x in r.latencies]
        out[name] = {
            "rps": statistics.median(r.rps for r in mine),
            "sustained": statistics.median(r.sustained_rps for r in mine),
            "p50": 1000 * h.percentile(lat, 0.50),
            "p95": 1000 * h.percentile(lat, 0.95),
            "cpu": statistics.median(r.cpu_ms_per_request for r in mine),
            "pg": statistics.median(r.pg_ms_per_request for r in mine),
            "client": statistics.median(r.client_ms_per_request for r in mine),
        }
    return out


def _ratios(runs: list[Run], name: str, base: str = "bare") -> tuple[float, float]:
    """Median over rounds of (name / bare in the same round): throughput, and CPU per request."""
    by_round = {(r.server, r.round): r for r in runs}
    tput, cpu = [], []
    for (server, rnd), run in by_round.items():
        if server == name and (base, rnd) in by_round:
            b = by_round[(base, rnd)]
            tput.append(run.sustained_rps / b.rps)
            cpu.append(run.cpu_ms_per_request / b.cpu_ms_per_request if b.cpu_ms_per_request else 0.0)
    return statistics.median(tput), statistics.median(cpu)


def _markdown(runs: list[Run], servers: list[h.Server], args: argparse.Namespace,
              meta: dict[str, str]) -> str:
    names = [s.name for s in servers]
    labels = {s.name: s.label for s in servers}
    rounds = sorted({r.round for r in runs})
    summary = _summary(runs, names)
    lines = [
        (
            f"Run {meta['date']} on `{meta['machine']}` (`nproc` = {meta['nproc']}), "
            f"Python {meta['python']}, PostgreSQL {meta['postgres']}; "
            f"{args.requests} requests per round after {args.warmup} warm-up "
            f"requests per server, {args.concurrency} in flight ({args.client} client), "
            f"{len(rounds)} interleaved rounds."
        ),
        "",
        "| endpoint | " + " | ".join(f"round {i} req/s" for i in rounds)
        + " | median req/s | p50 ms | p95 ms | CPU ms/req: server / PostgreSQL / client | ratio to bare |",
        "|---|" + "---:|" * (len(rounds) + 5),
    ]
    for name in names:
        per_round = {r.round: r for r in runs if r.server == name}
        cells = []
        for i in rounds:
            run = per_round.get(i)
            if run is None:
                cells.append("–")
            elif run.drain_seconds > 0.0005:
                cells.append(f"{run.rps:.0f} ({run.sustained_rps:.0f} drained)")
            else:
                cells.append(f"{run.rps:.0f}")
        s = summary[name]
        median = f"{s['rps']:.0f}"
        if abs(s["sustained"] - s["rps"]) >= 0.5:
            median += f" ({s['sustained']:.0f} drained)"
        ratio = "1 (baseline)" if name == "bare" else f"**{_ratios(runs, name)[0]:.0%}**"
        cpu = f"{s['cpu']:.2f} / {s['pg']:.2f} / {s['client']:.2f}"
        lines.append(f"| {labels[name]} | " + " | ".join(cells)
                     + f" | {median} | {s['p50']:.1f} | {s['p95']:.1f} | {cpu} | {ratio} |")
    lines.append("")
    for name in names:
        if name != "bare":
            tput, cpu = _ratios(runs, name)
            verdict = "meets" if tput >= 0.5 else "**misses**"
            lines.append(f"- {labels[name]}: {tput:.0%} of the bare endpoint's throughput (median of "
                         f"per-round ratios; target ≥ 50%: {verdict}); {cpu:.1f}× the bare server's CPU "
                         "per request.")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------

LABELS = {
    "bare": "bare FastAPI + asyncpg (no auth, one INSERT)",
    "embedded": "salescore, embedded (events processed in the API process)",
    "redis": "salescore, Redis (API only enqueues to arq)",
}


async def _start_servers(args: argparse.Namespace, sa_url: str, dsn: str, logdir: Path,
                         servers: list[h.Server]) -> Ids:
    """Start salescore (embedded first: the tenant is set up through it), then the bare app.
    Appends to `servers` as they start, so the caller can stop them whatever happens."""
    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SALESCORE_")}
    common = {
        **base_env,
        "SALESCORE_DATABASE_URL": sa_url,
        "SALESCORE_LOG_LEVEL": "WARNING",
        "SALESCORE_SECRET_KEY": secrets.token_urlsafe(48),
        "SALESCORE_STORAGE_DIR": str(logdir / "files"),
        # The embedded server's sweeper would otherwise pick up the Redis variant's events
        # (nobody processes them here) and do their work during other servers' rounds.
        "SALESCORE_SWEEPER_INTERVAL_SECONDS": "3600",
    }
    extra = {"embedded": {}, "redis": {"SALESCORE_REDIS_URL": args.redis}}
    for variant in ["embedded", *[v for v in args.variants if v != "embedded"]]:
        port = h.free_port()
        cmd = [python, "-m", "salescore.cli", "serve", "--port", str(port)]
        servers.append(h.spawn(variant, LABELS[variant], cmd, {**common, **extra[variant]}, port,
                              "/api/v1/follow-ups", logdir, embedded=variant == "embedded"))
    await asyncio.gather(*(h.wait_ready(s, "/healthz") for s in servers))
    ids = await _setup_tenant(servers[0].base)
    if "embedded" not in args.variants:
        h.stop(servers.pop(0))

    port = h.free_port()
    env = {**base_env, "BENCH_DSN": dsn, "BENCH_TENANT_ID": ids.tenant_id, "BENCH_USER_ID": ids.user_id}
    servers.insert(0, h.spawn("bare", LABELS["bare"], [python, str(BARE_APP), "--port", str(port)], env, port,
                             "/follow-ups", logdir))
    await h.wait_ready(servers[0], "/healthz")
    return ids


async def _measure(args: argparse.Namespace, servers: list[h.Server], ids: Ids, db: asyncpg.Connection,
                   db_name: str, started: float) -> list[Run]:
    body = _body(ids)
    headers = {"Authorization": f"Bearer {ids.token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    clients = {s.name: httpx.AsyncClient(limits=limits, timeout=30) for s in servers}

    def connect(server: h.Server) -> Callable[[], h.RawConnection | h.HttpxConnection]:
        if args.client == "httpx":
            return lambda: h.HttpxConnection(clients[server.name], server.url, body, headers)
        return lambda: h.RawConnection(server.url, body, headers)

    runs: list[Run] = []
    try:
        for s in servers:
            r = await clients[s.name].post(s.url, content=body, headers=headers)
            if r.status_code != 201 or r.json().get("customer_id") != ids.customer_id:
                raise RuntimeError(f"{s.name}: unexpected answer {r.status_code} {r.text[:500]}")
            _, _, errors = await h.load(connect(s), args.warmup, args.concurrency)
            if errors:
                raise RuntimeError(f"{s.name} warm-up: {len(errors)} failures, e.g. {errors[:3]}")
            if s.embedded:
                await _wait_outbox_drained(db, 0)
        print(f"warm-up done at {time.monotonic() - started:.0f}s", file=sys.stderr)

        for rnd in range(1, args.rounds + 1):
            last_round = sum(r.seconds + r.drain_seconds for r in runs if r.round == rnd - 1)
            if rnd > 1 and time.monotonic() - started + 1.2 * last_round > args.time_limit:
                print(f"time limit: stopping after {rnd - 1} rounds", file=sys.stderr)
                break
            shift = (rnd - 1) % len(servers)
            for s in servers[shift:] + servers[:shift]:  # rotate the order to spread drift
                seq = await _max_event_seq(db)
                cpu0, pg0 = h.cpu_seconds(s.proc.pid), await h.backend_cpu(db, db_name)
                client0 = time.process_time()
                seconds, latencies, errors = await h.load(connect(s), args.requests, args.concurrency)
                if errors:
                    raise RuntimeError(f"{s.name} round {rnd}: {len(errors)} failures, e.g. {errors[:3]}")
                drain = await _wait_outbox_drained(db, seq) if s.embedded else 0.0
                run = Run(
                    s.name, rnd, args.requests, seconds, latencies,
                    cpu_seconds=h.cpu_seconds(s.proc.pid) - cpu0,
                    pg_cpu_seconds=h.cpu_delta(pg0, await h.backend_cpu(db, db_name)),
                    client_cpu_seconds=time.process_time() - client0,
                    drain_seconds=drain,
                )
                runs.append(run)
                print(_progress(run), file=sys.stderr)
    finally:
        for client in clients.values():
            await client.aclose()
    return runs


async def bench(args: argparse.Namespace) -> int:
    h.local_only(args.postgres, "--postgres")
    h.local_only(args.redis, "--redis")
    started = time.monotonic()
    pg = args.postgres.rstrip("/")
    db_name = f"salescore_bench_{secrets.token_hex(4)}"
    dsn = f"{pg}/{db_name}"
    sa_url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    logdir = Path(tempfile.mkdtemp(prefix="salescore-bench-"))
    servers: list[h.Server] = []
    db: asyncpg.Connection | None = None
    created = ok = False
    try:
        # The hard stop: whatever hangs, the run ends (and cleans up) within the time budget.
        async with asyncio.timeout(args.time_limit + 15):
            await h.create_database(pg, db_name)
            created = True
            print(f"scratch database {db_name}; migrating", file=sys.stderr)
            await asyncio.to_thread(h.migrate, sa_url)
            db = await asyncpg.connect(dsn)
            ids = await _start_servers(args, sa_url, dsn, logdir, servers)
            runs = await _measure(args, servers, ids, db, db_name, started)
            meta = {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{platform.system()} {platform.machine()}",
                "nproc": str(os.cpu_count()),
                "python": platform.python_version(),
                "postgres": str(await db.fetchval("SHOW server_version")).split()[0],
            }
        table = _markdown(runs, servers, args, meta)
        print("\n" + table)
        if args.write_doc:
            doc = h.write_doc("follow_ups", "`POST /api/v1/follow-ups`", table)
            print(f"\nupdated {doc.relative_to(h.ROOT)}", file=sys.stderr)
        ok = True
        return 0
    finally:
        for s in servers:
            h.stop(s)
        try:
            # After the servers stopped, so their last enqueues have landed.
            if db is not None and any(s.name == "redis" for s in servers):
                rows = await db.fetch("SELECT id FROM events WHERE processed_at IS NULL")
                found, expected = await _cleanup_redis(args.redis, [str(r["id"]) for r in rows])
                print(f"redis variant: {found} of {expected} unprocessed events were queued in arq; "
                      "removed them", file=sys.stderr)
        finally:
            if db is not None:
                await db.close()
            if created:
                await h.drop_database(pg, db_name)
                print(f"dropped {db_name}; {time.monotonic() - started:.0f}s in all", file=sys.stderr)
            if ok:
                shutil.rmtree(logdir, ignore_errors=True)
            else:
                print(f"server logs kept in {logdir}", file=sys.stderr)


def _variants(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in names if v not in ("embedded", "redis")]
    if unknown or not names:
        raise argparse.ArgumentTypeError("choose from: embedded, redis")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--requests", type=int, default=600, help="requests per server per round (default 600)")
    add("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    add("--warmup", type=int, default=200, help="warm-up requests per server (default 200)")
    add("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    add("--client", choices=["raw", "httpx"], default="raw",
        help="load generator: a minimal keep-alive HTTP/1.1 client (default) or httpx.AsyncClient")
    add("--variants", type=_variants, default=["embedded", "redis"],
        help="salescore variants, comma-separated (default embedded,redis)")
    add("--postgres", default="postgresql://postgres@127.0.0.1:5432",
        help="server URL without a database (a scratch database is created and dropped)")
    add("--redis", default="redis://127.0.0.1:6379/14", help="Redis for the redis variant (default db 14)")
    add("--time-limit", type=float, default=150,
        help="seconds; no new round starts past it, and the run is cut 15 s later (default 150)")
    add("--no-doc", dest="write_doc", action="store_false", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    return h.run_main(bench, args)


if __name__ == "__main__":
    raise SystemExit(main())
