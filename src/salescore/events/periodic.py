"""Periodic duties (deliveries due, rule runs due, weekly regrade, deadline scans).

Domains register a function here; the embedded runtime loops over them, and under Redis the
arq worker runs them from a cron job. Each duty must be safe to run concurrently in several
workers (claim rows, or insert a ScheduleMark first) and returns how much it did.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.types import utcnow
from salescore.models import ScheduleMark

PeriodicFn = Callable[[Any], Awaitable[int]]  # receives the Runtime


@dataclass
class Duty:
    name: str
    every_seconds: float
    fn: PeriodicFn
    last_run: float = field(default=0.0)

    def due(self, now: float) -> bool:
        return now - self.last_run >= self.every_seconds


_DUTIES: dict[str, Duty] = {}


def periodic(name: str, *, every_seconds: float) -> Callable[[PeriodicFn], PeriodicFn]:
    def register(fn: PeriodicFn) -> PeriodicFn:
        _DUTIES[name] = Duty(name, every_seconds, fn)
        return fn

    return register


def duties(*, force: bool = False) -> list[Duty]:
    now = time.monotonic()
    due = [d for d in _DUTIES.values() if force or d.due(now)]
    for d in due:
        d.last_run = now
    return due


async def claim_mark(session: AsyncSession, tenant_id: uuid.UUID, key: str, now: datetime | None = None) -> bool:
    """Claim a once-per-period duty by inserting its mark; False when another worker already did."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ScheduleMark).values(tenant_id=tenant_id, key=key, at=now or utcnow()).on_conflict_do_nothing()
    )
    return bool(result.rowcount)
