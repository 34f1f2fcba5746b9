"""Attribute history for records that predate it: migration 0003's backfill and health.history.backfill
(bulk-loaded data), and isolation of the health routes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from salescore.health.history import backfill
from salescore.kit.db import create_engine
from salescore.kit.types import GUID, JSONType, UTCDateTime
from salescore.migrate import upgrade
from tests.conftest import BACKEND
from tests.support import Harness, pg_admin_url, pg_database_url

NOW = datetime.now(UTC).replace(microsecond=0)
CUSTOMERS = sa.table("customers", *(sa.column(n, t) for n, t in (
    ("tenant_id", GUID), ("id", GUID), ("name", sa.String()), ("tags", JSONType), ("lifecycle", sa.String()),
    ("requirements", JSONType), ("external_refs", JSONType), ("custom", JSONType), ("created_at", UTCDateTime()),
    ("updated_at", UTCDateTime()), ("version", sa.Integer()))))
CONTACTS = sa.table("contacts", *(sa.column(n, t) for n, t in (
    ("tenant_id", GUID), ("id", GUID), ("customer_id", GUID), ("name", sa.String()), ("decision_role", sa.String()),
    ("created_at", UTCDateTime()), ("updated_at", UTCDateTime()), ("deleted_at", UTCDateTime()),
    ("version", sa.Integer()))))
HISTORY = sa.table("attribute_history", *(sa.column(n, t) for n, t in (
    ("tenant_id", GUID), ("entity", sa.String()), ("entity_id", GUID), ("attribute", sa.String()),
    ("value", sa.String()), ("effective_at", UTCDateTime()))))


async def _scratch() -> tuple[str, str | None]:
    if BACKEND == "sqlite":
        import tempfile

        return f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/backfill.db", None
    import asyncpg

    name = f"salescore_hist_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(pg_admin_url())
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return pg_database_url(name), name


async def _drop(name: str | None) -> None:
    if name:
        import asyncpg

        conn = await asyncpg.connect(pg_admin_url())
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def _seed(conn: Any, tenant_id: uuid.UUID, requirements: dict[str, bool]) -> tuple[uuid.UUID, ...]:
    """A customer created 30 days ago, a technical contact, and a finance contact deleted 5 days ago."""
    customer, kept, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    created = NOW - timedelta(days=30)
    await conn.execute(CUSTOMERS.insert().values(
        tenant_id=tenant_id, id=customer, name="老客户", tags=[], lifecycle="customer", requirements=requirements,
        external_refs=[], custom={}, created_at=created, updated_at=created, version=1))
    for contact_id, role, deleted in ((kept, "technical", None), (gone, "finance", NOW - timedelta(days=5))):
        await conn.execute(CONTACTS.insert().values(
            tenant_id=tenant_id, id=contact_id, customer_id=customer, name="联系人", decision_role=role,
            created_at=created + timedelta(days=1), updated_at=created, deleted_at=deleted, version=1))
    return customer, kept, gone


async def _rows(conn: Any, *ids: uuid.UUID) -> set[tuple[str, str, str | None, datetime]]:
    rows = await conn.execute(
        sa.select(HISTORY.c.entity, HISTORY.c.attribute, HISTORY.c.value, HISTORY.c.effective_at)
        .where(HISTORY.c.entity_id.in_(ids)))
    return set(rows.tuples())


def _expected(customer_flags: list[str], created: datetime) -> set[tuple[str, str, str | None, datetime]]:
    return {
        *(("customer", f"requirements.{flag}", "true", created) for flag in customer_flags),
        ("contact", "decision_role", "technical", created + timedelta(days=1)),
        ("contact", "decision_role", "finance", created + timedelta(days=1)),
        ("contact", "decision_role", None, NOW - timedelta(days=5)),
    }


async def test_migration_0003_and_the_backfill_give_old_records_their_history() -> None:
    url, name = await _scratch()
    engine = create_engine(url)
    try:
        await asyncio.to_thread(upgrade, url, "0002")
        tenant_id = uuid.uuid4()
        tenants = sa.table("tenants", sa.column("id", GUID), sa.column("name"), sa.column("timezone"),
                           sa.column("created_at", UTCDateTime()))
        async with engine.begin() as conn:
            await conn.execute(tenants.insert().values(id=tenant_id, name="老租户", timezone="Asia/Shanghai",
                                                       created_at=NOW - timedelta(days=60)))
            old = await _seed(conn, tenant_id, {"drawings": True, "tech_params": False, "budget_range": True})
        await asyncio.to_thread(upgrade, url)
        created = NOW - timedelta(days=30)
        async with engine.connect() as conn:
            assert await _rows(conn, *old) == _expected(["drawings", "budget_range"], created)
        # Rows loaded in bulk after the migration (the demo seeder): the same step, on demand, once.
        async with engine.begin() as conn:
            bulk = await _seed(conn, tenant_id, {"tech_params": True})
            written = await conn.run_sync(backfill)
            assert written == 4  # one true flag, two roles, one end of a role
            assert await _rows(conn, *bulk) == _expected(["tech_params"], created)
            assert await conn.run_sync(backfill) == 0
            assert len(await _rows(conn, *old)) == 5  # untouched
    finally:
        await engine.dispose()
        await _drop(name)


async def test_health_routes_answer_404_outside_visibility_and_tenant(h: Harness) -> None:
    org = await h.org()
    c = await h.customer(org.reps[0])
    path = f"/api/v1/customers/{c['id']}/health"
    assert (await h.client.get(path, headers=org.managers[0].headers)).status_code == 200
    assert (await h.client.get(path, headers=org.director.headers)).status_code == 200
    ghost = await h.client.get(f"/api/v1/customers/{uuid.uuid4()}/health", headers=org.admin.headers)
    assert ghost.status_code == 404
    for outsider in (org.reps[1], org.reps[2], org.managers[1], await h.signup()):
        r = await h.client.get(path, headers=outsider.headers)
        assert r.status_code == 404 and r.json() == {**ghost.json(), "detail": r.json()["detail"]}
        assert r.json()["detail"] == ghost.json()["detail"]
    # Never graded: computed now with the current model, graded_at null.
    body = (await h.client.get(path, headers=org.reps[0].headers)).json()
    assert body["graded_at"] is None and body["grade"] == "C" and body["score"] == 0
