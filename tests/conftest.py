"""Test harness: one real database per run (SQLite file or a fresh PostgreSQL database),
migrated with Alembic; every test works in tenants of its own, so tests never share rows.

SALESCORE_TEST_BACKEND=sqlite (default) | postgres. The postgres backend also uses a real
Redis (arq) for the event queue; neither is ever mocked.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from salescore.app import create_app
from salescore.config import Settings
from salescore.migrate import upgrade
from tests.support import Harness, pg_admin_url, pg_database_url

BACKEND = os.environ.get("SALESCORE_TEST_BACKEND", "sqlite")


def pytest_report_header() -> str:
    return f"salescore backend: {BACKEND}"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if BACKEND == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "salescore-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    if BACKEND != "postgres":
        raise RuntimeError(f"unknown SALESCORE_TEST_BACKEND={BACKEND!r}")
    import asyncpg

    name = f"salescore_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_admin_url())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = pg_database_url(name)
    await asyncio.to_thread(upgrade, url)
    yield url
    admin = await asyncpg.connect(pg_admin_url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    if BACKEND != "postgres":
        return None
    return os.environ.get("SALESCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
async def settings(database_url: str, redis_url: str | None, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # No FLUSHDB: each run has a queue of its own (queue_name below), and flushing would pull the
    # queue from under another run sharing this Redis.
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret-key-please-change-0123456789",
        storage_dir=tmp_path_factory.mktemp("files"),
        log_json=False,
        login_attempts_per_minute=1000,
        diagnosis_requests_per_minute=1000,
        # Cheap hashes keep a suite that creates hundreds of users fast; production keeps the defaults.
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        # Background sweeps would race the tests' own; tests sweep explicitly.
        sweeper_interval_seconds=3600,
        periodic_tick_seconds=3600,
        # Runs sharing the test Redis (parallel sessions, a developer's second terminal) keep their jobs apart.
        queue_name=f"salescore-test:{uuid.uuid4().hex[:12]}",
        # Webhook / WeChat Work receivers in tests listen on 127.0.0.1 (tests/delivery checks the guard).
        webhook_allow_private_networks=True,
        # The feed's settle window is tested on its own (tests/records/test_audit_feed.py).
        change_feed_settle_seconds=0,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[object]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def h(app: object, client: httpx.AsyncClient, settings: Settings) -> Harness:
    """Helpers bound to the app: tenants, users, records, draining the event queue."""
    return Harness(app, client, settings)
