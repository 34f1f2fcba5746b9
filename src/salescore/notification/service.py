"""Creating and reading reminder cards. Never commits."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.outbox import emit
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Notification


async def notify(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID | str,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    dedupe_key: str | None = None,
) -> uuid.UUID | None:
    """Create a card unless one with the same dedupe key exists. Returns its id when created."""
    values: dict[str, Any] = dict(
        id=new_id(), tenant_id=tenant_id, user_id=uuid.UUID(str(user_id)), kind=kind,
        title=title[:200], body=body, link=link, created_at=utcnow(), dedupe_key=dedupe_key,
    )
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Notification).values(**values)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
    result = await session.execute(stmt.returning(Notification.id))
    created = result.scalar_one_or_none()
    if created is not None:
        emit(session, tenant_id=tenant_id, type="notification.created", entity="notification",
             entity_id=created, payload={"user_id": str(user_id), "kind": kind, "title": values["title"]})
    return created


async def mark_read(session: AsyncSession, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = utcnow()
        await session.flush()
    return notification


async def mark_all_read(session: AsyncSession, principal: Principal) -> int:
    result = await session.execute(
        sa.update(Notification)
        .where(
            Notification.tenant_id == principal.tenant_id,
            Notification.user_id == principal.user_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)
