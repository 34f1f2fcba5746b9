"""Engine and session factory; the unit of work is one session per request or job."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger("salescore.db")
# SQLite has one writer: a transaction open longer than this makes every other write wait.
LONG_WRITE_LOCK_S = 5.0


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url, connect_args={"timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(database_url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers run beside the single writer; busy_timeout waits instead of failing.
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # Take the write lock at BEGIN so two writers queue on busy_timeout rather
        # than deadlock when both upgrade a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.info["salescore.began"] = (time.monotonic(), _holder())

    def _released(conn: Any) -> None:
        began = conn.info.pop("salescore.began", None)
        if began is None:
            return
        held = time.monotonic() - began[0]
        if held > LONG_WRITE_LOCK_S:
            # Every other writer waited this long: name the holder so it can be found.
            log.warning("sqlite write lock held %.1f s by %s", held, began[1], extra={"held_s": round(held, 1)})

    event.listen(engine.sync_engine, "commit", _released)
    event.listen(engine.sync_engine, "rollback", _released)


def _holder() -> str:
    """The asyncio task taking the lock (cheap: this runs at every BEGIN)."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    return f"task {task.get_name()}" if task else "a thread"


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session committed on success and rolled back on any error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
