"""Shared pieces of the benchmarks under scripts/bench/: servers as subprocesses, a scratch
PostgreSQL database, CPU accounting from /proc, a lean HTTP load generator, and the
docs/benchmarks.md section writer. Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
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
