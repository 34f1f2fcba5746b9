"""The demo generated without a database (scale S, fixed anchor), and the one real demo tenant of the
test database, shared by the demo tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from salescore.config import Settings
from salescore.demo.generate import TABLES, DemoGenerator
from salescore.demo.seed import SeedReport, run_seed
from salescore.demo.stages import DemoPipelines
from tests.support import Harness

ANCHOR = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TENANT, ADMIN = uuid.UUID(int=1), uuid.UUID(int=2)
# Stand-ins for the pipelines signup seeds, so deals are generated on both paths.
PIPELINES = DemoPipelines(default=uuid.UUID(int=3), hospital=uuid.UUID(int=4))


def generate(seed: int, anchor: datetime = ANCHOR) -> dict[str, Any]:
    g = DemoGenerator(
        seed=seed, scale="S", tenant_id=TENANT, admin_id=ADMIN, anchor=anchor, password_hash="x",
        pipelines=PIPELINES,
    )
    rows: dict[str, Any] = {"teams": g.org.teams, "users": g.org.users, **{t: [] for t in TABLES}}
    for batch in g.batches(size=64):
        for table in TABLES:
            rows[table].extend(batch[table])
    rows["today"] = g.today
    rows["workdays"] = g.workdays
    return rows


@pytest.fixture(scope="session")
def generated() -> dict[str, Any]:
    return generate(7)


@pytest.fixture(scope="session")
async def demo(app: Any, client: httpx.AsyncClient, settings: Settings) -> AsyncIterator[SeedReport]:
    """The one real demo tenant of this test database (the demo admin email is unique per instance)."""
    report = await run_seed(settings, seed=11, scale="S")
    # Signup wrote outbox events; process them so tests that sweep the outbox find it clean.
    harness = Harness(app, client, settings)
    await harness.runtime.sweep(older_than=timedelta(0))
    await harness.drain()
    yield report
