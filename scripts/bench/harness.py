"""Shared pieces of the benchmarks under scripts/bench/: servers as subprocesses (`salescore serve`
among them), a scratch PostgreSQL database and the run around it (`scratch_run`, `run_main`), CPU
accounting from /proc, a lean HTTP load generator and GET client, sequential timing (`Series`,
`timed`), salescore's statements clocked in-process (`StatementClock`, `explain`), and the
docs/benchmarks.md section writer. Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Server:
    name: str
    label: str
    url: str  # the POST target
    base: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    embedded: bool = False


# --- processes ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(name: str, label: str, cmd: list[str], env: dict[str, str], port: int, path: str,
          logdir: Path, embedded: bool = False) -> Server:
    """Start one server on 127.0.0.1:`port`, its output going to `logdir/NAME.log`."""
    log_path = logdir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    return Server(name, label, base + path, base, proc, log_path, embedded)


async def wait_ready(server: Server, health_path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                log = tail(server.log_path)
                raise RuntimeError(f"{server.name} exited ({server.proc.returncode}):\n{log}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(server.base + health_path)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{server.name} did not become ready in {timeout:.0f}s:\n{tail(server.log_path)}")


async def serve_salescore(sa_url: str, logdir: Path, servers: list[Server]) -> tuple[Server, str]:
    """`salescore serve` (one uvicorn worker) on a free 127.0.0.1 port over `sa_url`, ready, appended to
    `servers` (so the caller's cleanup stops it). Returns it and its secret key (to mint tokens)."""
    secret = secrets.token_urlsafe(48)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SALESCORE_")},
        "SALESCORE_DATABASE_URL": sa_url, "SALESCORE_LOG_LEVEL": "WARNING", "SALESCORE_SECRET_KEY": secret,
        "SALESCORE_STORAGE_DIR": str(logdir / "files"), "SALESCORE_SWEEPER_INTERVAL_SECONDS": "3600",
    }
    port = free_port()
    server = spawn("salescore", "salescore serve",
                   [sys.executable, "-m", "salescore.cli", "serve", "--port", str(port)], env, port, "", logdir)
    servers.append(server)
    await wait_ready(server, "/healthz")
    return server, secret


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (Linux /proc); 0 elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


async def backend_cpu(db: asyncpg.Connection, name: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the scratch database (same host)."""
    pids = await db.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name
    )
    return {r["pid"]: cpu_seconds(r["pid"]) for r in pids}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# --- database --------------------------------------------------------------------------------

def local_only(url: str, what: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"{what} must point at 127.0.0.1, not {host!r}")


async def create_database(pg: str, name: str) -> None:
    conn = await asyncpg.connect(pg + "/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(pg: str, name: str) -> None:
    conn = await asyncpg.connect(pg + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def migrate(sa_url: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from salescore.migrate import upgrade

    upgrade(sa_url)


ADMIN_EMAIL, DIRECTOR_EMAIL = "admin@bench.example.com", "director@bench.example.com"


async def bench_tenant(db: asyncpg.Connection, base: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The benchmark tenant of the database `db`: signed up with a director through the API of the server at
    `base` (so its pipelines, action templates and defaults come from salescore's own code), or found there
    (a kept --database). Returns (tenant id, director id)."""
    tenant_id = await db.fetchval("SELECT tenant_id FROM users WHERE email = $1", ADMIN_EMAIL)
    if tenant_id is None:
        password = secrets.token_urlsafe(16)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            r = await client.post("/api/v1/auth/signup", json={
                "tenant_name": "基准测试公司", "name": "管理员", "email": ADMIN_EMAIL, "password": password})
            r.raise_for_status()
            tenant_id = uuid.UUID(r.json()["tenant"]["id"])
            admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
            r = await client.post("/api/v1/users", headers=admin, json={
                "name": "销售总监", "email": DIRECTOR_EMAIL, "password": password, "role": "director"})
            r.raise_for_status()
    return tenant_id, await db.fetchval("SELECT id FROM users WHERE email = $1", DIRECTOR_EMAIL)


@dataclass
class Scratch:
    """What a benchmark's run gets from `scratch_run`: the PostgreSQL server URL and the scratch database's
    name (None without a database), its start time, a log folder and the servers to stop at the end."""

    pg: str
    name: str | None
    started: float
    logdir: Path
    servers: list[Server] = field(default_factory=list)

    @property
    def dsn(self) -> str:
        return f"{self.pg}/{self.name}"

    @property
    def sa_url(self) -> str:
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)

    async def serve(self) -> tuple[Server, str]:
        """The scratch database migrated with Alembic, then `salescore serve` over it (`serve_salescore`)."""
        await asyncio.to_thread(migrate, self.sa_url)
        return await serve_salescore(self.sa_url, self.logdir, self.servers)


async def scratch_run(args: argparse.Namespace, run: Callable[[Scratch], Awaitable[str]], *, doc: str,
                      heading: str, grace: float | None, what: str = "migrating and loading",
                      database: bool = True) -> int:
    """The frame of a benchmark: a scratch database on `args.postgres` (127.0.0.1 only; `args.database`, when
    given, is used as it is and never dropped), `run` cut `grace` seconds past `args.time_limit` (loading
    included; None: not cut), its markdown printed and written to the `doc` block of docs/benchmarks.md
    (unless --no-doc), then the servers stopped and the database dropped (unless --keep) -- also on errors
    and Ctrl-C. The server logs are kept when the run failed."""
    started = time.monotonic()
    pg = args.postgres.rstrip("/")
    given = getattr(args, "database", None)
    keep = getattr(args, "keep", False)
    if database:
        local_only(args.postgres, "--postgres")
    sc = Scratch(pg, (given or f"salescore_bench_{secrets.token_hex(4)}") if database else None, started,
                 Path(tempfile.mkdtemp(prefix="salescore-bench-")))
    created = ok = False
    try:
        async with asyncio.timeout(None if grace is None else args.time_limit + grace):  # the hard stop
            if database and not given:
                await create_database(pg, sc.name)
                created = True
                print(f"scratch database {sc.name}; {what}", file=sys.stderr)
            table = await run(sc)
        print("\n" + table)
        if args.write_doc:
            path = write_doc(doc, heading, table)
            print(f"\nupdated {path.relative_to(ROOT)}", file=sys.stderr)
        ok = True
        return 0
    finally:
        for server in sc.servers:
            stop(server)
        if created and not keep:
            await drop_database(pg, sc.name)
            print(f"dropped {sc.name}", file=sys.stderr)
        elif created:
            print(f"kept {sc.name}: re-run with --database {sc.name}", file=sys.stderr)
        print(f"{time.monotonic() - started:.0f}s in all", file=sys.stderr)
        if ok or not sc.servers:
            shutil.rmtree(sc.logdir, ignore_errors=True)
        else:
            print(f"server log kept in {sc.logdir}", file=sys.stderr)


def run_main(bench: Callable[[argparse.Namespace], Awaitable[int]], args: argparse.Namespace,
             interrupted: str = "interrupted; servers stopped and scratch database dropped") -> int:
    """asyncio.run(bench(args)); Ctrl-C ends with 130 after the bench's own cleanup."""
    try:
        return asyncio.run(bench(args))
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        return 130


def timing_options(add: Callable[..., Any], *, rounds: int, requests: int, warmup: int) -> None:
    """--rounds, --requests and --warmup of interleaved sequential timing (`timed`), with their defaults."""
    add("--rounds", type=int, default=rounds, help=f"interleaved rounds (default {rounds})")
    add("--requests", type=int, default=requests, help=f"sequential calls per variant and round (default {requests})")
    add("--warmup", type=int, default=warmup, help=f"warm-up calls per variant (default {warmup})")


def scratch_options(add: Callable[..., Any], *, time_limit: float | None, grace: float | None,
                    keep: bool = True) -> None:
    """The command-line options `scratch_run` reads (`add`: a parser's add_argument): with `keep`, --database
    and --keep; --postgres; --time-limit when `time_limit` is not None (the run cut `grace` s later); --no-doc."""
    if keep:
        add("--database", help="an existing database from --keep (loaded if empty); never dropped")
        add("--keep", action="store_true", help="keep the scratch database for a later --database run")
    add("--postgres", default="postgresql://postgres@127.0.0.1:5432",
        help="server URL without a database (a scratch database is created and dropped)")
    if time_limit is not None:
        add("--time-limit", type=float, default=time_limit,
            help=f"seconds; no round starts past it, and the run is cut {grace:g} s later (default {time_limit:g})")
    add("--no-doc", dest="write_doc", action="store_false", help="do not update docs/benchmarks.md")


def scratch_main(args: argparse.Namespace, run: Callable[[argparse.Namespace, Scratch], Awaitable[str]],
                 **frame: Any) -> int:
    """A benchmark's whole life from its parsed options: `run(args, scratch)` in `scratch_run(**frame)`."""
    return run_main(lambda a: scratch_run(a, lambda sc: run(a, sc), **frame), args)


def command(script: str, args: argparse.Namespace, defaults: dict[str, Any]) -> str:
    """The command line that reproduces a run: `script` and the options that differ from `defaults`."""
    parts = [f".venv/bin/python scripts/bench/{script}"]
    for key, default in defaults.items():
        if getattr(args, key) != default:
            parts.append(f"--{key.replace('_', '-')} {getattr(args, key)}")
    return " ".join(parts)


# --- load ------------------------------------------------------------------------------------

class RawConnection:
    """A minimal keep-alive HTTP/1.1 client on one socket: the same pre-built request every time.

    httpx spends 3-5 ms of CPU per request here, more than the bare server itself; on a 2-core
    machine shared with the servers and PostgreSQL that would make the load generator the
    baseline's bottleneck and flatter the ratio. This costs a fraction of that.
    """

    def __init__(self, url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}",
                *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}"]
        self.request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self) -> tuple[int, bytes]:
        """Send the request (whatever its method) and read the answer: (status, body)."""
        try:
            return await self._send()
        except (asyncio.IncompleteReadError, ConnectionError):
            # uvicorn closes keep-alive connections idle for 5 s (e.g. between variants): reconnect once.
            await self.close()
            return await self._send()

    get = post

    async def _send(self) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = _CONTENT_LENGTH.search(head)
        if match is None:
            raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
        body = await self.reader.readexactly(int(match.group(1)))
        if _CONNECTION_CLOSE.search(head):
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_CONNECTION_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)


class HttpxConnection:
    """The same interface over a shared httpx.AsyncClient (`--client httpx`)."""

    def __init__(self, client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.client, self.url, self.body, self.headers = client, url, body, headers

    async def post(self) -> tuple[int, bytes]:
        response = await self.client.post(self.url, content=self.body, headers=self.headers)
        return response.status_code, response.content

    async def close(self) -> None:
        return None


async def load(connect: Callable[[], RawConnection | HttpxConnection], n: int,
                concurrency: int) -> tuple[float, list[float], list[str]]:
    """POST n times with `concurrency` in flight. Returns (seconds, latencies of 201s, failures)."""
    latencies: list[float] = []
    failures: list[str] = []
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        conn = connect()
        try:
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                try:
                    status, body = await conn.post()
                except (OSError, asyncio.IncompleteReadError, httpx.HTTPError, RuntimeError) as exc:
                    failures.append(repr(exc))
                    await conn.close()
                    continue
                if status == 201:
                    latencies.append(time.perf_counter() - t0)
                else:
                    failures.append(f"{status} {body[:300].decode(errors='replace')}")
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, failures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class RawGet(RawConnection):
    """A keep-alive GET with a bearer token on the minimal client (httpx would add 3-5 ms of client CPU per
    call)."""

    def __init__(self, base: str, path: str, token: str) -> None:
        super().__init__(base + path, b"", {"Authorization": f"Bearer {token}", "Accept": "application/json"},
                         method="GET")

    async def body(self) -> bytes:
        status, body = await self.get()
        if status != 200:
            raise RuntimeError(f"{status} {body[:500].decode(errors='replace')}")
        return body

    async def json(self) -> Any:
        return json.loads(await self.body())


@dataclass
class Series:
    """Sequential calls of one variant: their wall times and the CPU they cost."""

    seconds: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # seconds, the server's process (HTTP variants only)
    pg_cpu: float = 0.0  # seconds, the PostgreSQL backends of the scratch database
    client_cpu: float = 0.0  # seconds, the benchmark's process
    bytes: int = 0  # the last answer's size, when the call returns bytes

    def add(self, other: Series) -> None:
        self.seconds += other.seconds
        self.server_cpu += other.server_cpu
        self.pg_cpu += other.pg_cpu
        self.client_cpu += other.client_cpu
        self.bytes = other.bytes or self.bytes

    def ms(self, q: float) -> float:
        return 1000 * percentile(self.seconds, q)

    def cpu_ms(self, which: str) -> float:
        return 1000 * getattr(self, which) / max(1, len(self.seconds))


async def timed(fn: Callable[[], Awaitable[Any]], n: int, db: asyncpg.Connection, db_name: str,
                server_pid: int | None) -> Series:
    """`fn` called n times in a row, with the CPU of `server_pid`, of the database's backends and of
    this process over them."""
    out = Series()
    cpu0 = cpu_seconds(server_pid) if server_pid else 0.0
    pg0 = await backend_cpu(db, db_name)
    client0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        result = await fn()
        out.seconds.append(time.perf_counter() - t0)
        if isinstance(result, bytes):
            out.bytes = len(result)
    out.client_cpu = time.process_time() - client0
    out.pg_cpu = cpu_delta(pg0, await backend_cpu(db, db_name))
    out.server_cpu = (cpu_seconds(server_pid) - cpu0) if server_pid else 0.0
    return out


Variants = dict[str, tuple[Callable[[], Awaitable[Any]], int | None]]  # name -> (one call, server pid or None)


async def interleave(variants: Variants, args: argparse.Namespace, db: asyncpg.Connection, db_name: str,
                     started: float, *, after_round: Callable[[dict[str, Series]], Awaitable[None]] | None = None,
                     progress: Callable[[dict[str, Series]], str] = lambda res: "") -> tuple[dict[str, Series], int]:
    """`args.warmup` calls of each variant, then up to `args.rounds` rounds of `args.requests` sequential calls
    per variant, the order reversed every other round; no round starts past `args.time_limit`. Returns the
    series by variant and the rounds run.

    The benchmark's process imported salescore and SQLAlchemy: long-lived objects that every full collection
    would walk, triggered by a baseline's fetched rows. A lean asyncpg client would not carry them, so they
    are frozen here (an in-process breakdown afterwards unfreezes them, to measure salescore as its server
    runs)."""
    gc.collect()
    gc.freeze()
    for fn, _ in variants.values():
        for _ in range(args.warmup):
            await fn()
    print(f"warm-up done at {time.monotonic() - started:.0f}s", file=sys.stderr)
    res: dict[str, Series] = defaultdict(Series)
    names = list(variants)
    rounds = 0
    for rnd in range(args.rounds):
        if rnd and time.monotonic() - started > args.time_limit:
            print(f"time limit: stopping after {rnd} rounds", file=sys.stderr)
            break
        for name in names if rnd % 2 == 0 else names[::-1]:  # alternate who goes first
            fn, server_pid = variants[name]
            res[name].add(await timed(fn, args.requests, db, db_name, server_pid))
        if after_round is not None:
            await after_round(res)
        rounds += 1
        print(f"round {rnd + 1} at {time.monotonic() - started:.0f}s: {progress(res)}", file=sys.stderr)
    return res, rounds


async def close_all(*things: Any) -> None:
    """Close clients and connections (anything with an async `close()`), in order."""
    for thing in things:
        await thing.close()


async def machine(db: asyncpg.Connection) -> dict[str, Any]:
    """When and where a run ran: date, machine, nproc, python and postgres (the server `db` is on)."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}", "nproc": os.cpu_count(),
        "python": platform.python_version(), "postgres": str(await db.fetchval("SHOW server_version")).split()[0],
    }


def fmt_ms(ms: float) -> str:
    return f"{ms:.1f}" if ms < 1000 else f"{ms:.0f}"


# --- in-process ------------------------------------------------------------------------------

class StatementClock:
    """Wall time of every statement a SQLAlchemy engine sends, keyed `prefix + label(statement)`, with the
    last parameters of each; nothing is recorded while `prefix` is None."""

    def __init__(self, engine: Any, label: Callable[[str], str]) -> None:
        from sqlalchemy import event

        self.times: dict[str, list[float]] = defaultdict(list)
        self.last: dict[str, tuple[str, Any]] = {}
        self.prefix: str | None = None
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(sync, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if self.prefix is not None:
                key = self.prefix + label(statement)
                self.times[key].append(time.perf_counter() - conn.info.pop("bench_t0"))
                self.last[key] = (statement, parameters)


async def explain(db: asyncpg.Connection, statement: str, params: Any) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement StatementClock saw, run on `db`."""
    args = list(params) if isinstance(params, list | tuple) else []
    try:
        rows = await db.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *args)
    except Exception as exc:  # noqa: BLE001 - a plan is a diagnostic, not part of the result
        return f"(EXPLAIN failed: {exc!r})"
    return "\n".join(r[0] for r in rows)


# --- report ----------------------------------------------------------------------------------

def write_doc(name: str, heading: str, body: str) -> Path:
    """Replace the section between `<!-- bench:NAME:start/end -->` in docs/benchmarks.md
    (appended under `heading` when missing). Returns the path written."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    section = f"{start}\n{body}\n{end}"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: section, text, flags=re.DOTALL)
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n{section}\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    return DOC


# The columns a synthetic org's generated tuples fill, in order (every NOT NULL column: ORM defaults
# are not server defaults); the data generators add their own tables.
ORG_COLUMNS = {
    "teams": "tenant_id id name region kind manager_id created_at updated_at version",
    "users": "tenant_id id name email phone role department team_id password_hash is_active "
             "created_at updated_at version",
    "customers": "tenant_id id name industry tags owner_id team_id lifecycle requirements external_refs "
                 "custom created_at updated_at version",
}


async def copy_rows(conn: Any, table: str, columns: list[str], rows: Iterable[tuple], counts: dict[str, int],
                    chunk: int) -> None:
    """COPY `rows` into `table` in chunks of `chunk`, counting them in `counts[table]`."""
    batch: list[tuple] = []
    counts.setdefault(table, 0)
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            await conn.copy_records_to_table(table, records=batch, columns=columns)
            counts[table] += len(batch)
            batch = []
    if batch:
        await conn.copy_records_to_table(table, records=batch, columns=columns)
        counts[table] += len(batch)
