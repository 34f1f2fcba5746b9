"""One Alembic history: a single head, upgrading an empty database on both dialects, and
leaving a schema identical to the models (so nobody forgets a migration)."""

from __future__ import annotations

import asyncio
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from salescore.kit.db import create_engine
from salescore.migrate import alembic_config, heads, upgrade
from salescore.models import Base
from tests.conftest import BACKEND
from tests.support import pg_admin_url, pg_database_url


def test_single_head() -> None:
    assert len(heads("sqlite+aiosqlite:///:memory:")) == 1


async def _schema_diff(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
            )
    finally:
        await engine.dispose()


async def _fresh_database() -> tuple[str, str | None]:
    if BACKEND == "sqlite":
        import tempfile

        path = f"{tempfile.mkdtemp()}/empty.db"
        return f"sqlite+aiosqlite:///{path}", None
    import asyncpg

    name = f"salescore_mig_{uuid.uuid4().hex[:8]}"
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


async def test_upgrade_from_empty_matches_models_and_downgrades() -> None:
    url, name = await _fresh_database()
    try:
        await asyncio.to_thread(upgrade, url)
        assert await _schema_diff(url) == []
        # Down to nothing and up again: the history is reversible on this dialect too.
        from alembic import command

        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        await asyncio.to_thread(upgrade, url)
        assert await _schema_diff(url) == []
    finally:
        await _drop(name)


async def test_tenants_from_before_0002_and_0003_get_the_default_configuration() -> None:
    """Upgrading a live database: existing tenants get the templates and pipelines signup seeds."""
    import sqlalchemy as sa

    from salescore.action.defaults import ACTION_TEMPLATES
    from salescore.rules.defaults import DEFAULT_RULES

    url, name = await _fresh_database()
    engine = create_engine(url)
    try:
        await asyncio.to_thread(upgrade, url, "0001")
        tenant_id = uuid.uuid4()
        async with engine.begin() as conn:
            tenants = sa.table("tenants", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("timezone"),
                               sa.column("created_at", sa.DateTime()))
            await conn.execute(tenants.insert().values(id=tenant_id, name="老租户", timezone="Asia/Shanghai",
                                                       created_at=sa.func.now()))
        await asyncio.to_thread(upgrade, url)
        async with engine.connect() as conn:
            templates = sa.table("action_templates", sa.column("code"), sa.column("tenant_id", sa.Uuid()))
            codes = set((await conn.execute(
                sa.select(templates.c.code).where(templates.c.tenant_id == tenant_id)
            )).scalars())
            defaults = (await conn.execute(sa.text("SELECT count(*) FROM pipelines WHERE is_default"))).scalar()
            rules = sa.table("rules", sa.column("code"), sa.column("tenant_id", sa.Uuid()))
            rule_codes = set((await conn.execute(
                sa.select(rules.c.code).where(rules.c.tenant_id == tenant_id)
            )).scalars())
        assert codes == {t["code"] for t in ACTION_TEMPLATES}
        assert defaults == 1
        assert rule_codes == {r["code"] for r in DEFAULT_RULES}  # 0003 seeds the default rules too
    finally:
        await engine.dispose()
        await _drop(name)
