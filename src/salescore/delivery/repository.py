"""Every query of the delivery domain: subscriptions, robots, deliveries and their attempts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.kit.visibility import tenant_rows
from salescore.models import Delivery, DeliveryAttempt, User, WebhookSubscription, WecomRobot

RETRYABLE = ("pending", "failed")


# --- admin reads (tenant-scoped by construction) ----------------------------------------------

def subscriptions(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(WebhookSubscription, principal)


def robots(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(WecomRobot, principal)


async def get_subscription(session: AsyncSession, principal: Principal, ident: uuid.UUID) -> WebhookSubscription:
    return await one_or_404(session, subscriptions(principal), WebhookSubscription, ident, "webhook")


async def get_robot(session: AsyncSession, principal: Principal, ident: uuid.UUID) -> WecomRobot:
    return await one_or_404(session, robots(principal), WecomRobot, ident, "WeChat Work robot")


def deliveries_to(principal: Principal, target_id: uuid.UUID, status: str | None = None) -> sa.Select[Any]:
    stmt = tenant_rows(Delivery, principal).where(Delivery.target_id == target_id)
    return stmt if status is None else stmt.where(Delivery.status == status)


async def get_delivery(
    session: AsyncSession, principal: Principal, target_id: uuid.UUID, ident: uuid.UUID
) -> Delivery:
    return await one_or_404(session, deliveries_to(principal, target_id), Delivery, ident, "delivery")


async def attempts_of(session: AsyncSession, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> list[DeliveryAttempt]:
    """The attempt log of a page of deliveries in one query, oldest first."""
    ids = list(ids)
    if not ids:
        return []
    stmt = (
        sa.select(DeliveryAttempt)
        .where(DeliveryAttempt.tenant_id == tenant_id, DeliveryAttempt.delivery_id.in_(ids))
        .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
    )
    return list(await session.scalars(stmt))


# --- system reads and writes (the outbox handler and the sender) ------------------------------

async def enabled_subscriptions(session: AsyncSession, tenant_id: uuid.UUID) -> list[WebhookSubscription]:
    stmt = sa.select(WebhookSubscription).where(
        WebhookSubscription.tenant_id == tenant_id,
        WebhookSubscription.enabled.is_(True),
        WebhookSubscription.deleted_at.is_(None),
    )
    return list(await session.scalars(stmt))


async def enabled_robot_ids(session: AsyncSession, tenant_id: uuid.UUID, robot_id: uuid.UUID | None) -> list[uuid.UUID]:
    stmt = sa.select(WecomRobot.id).where(
        WecomRobot.tenant_id == tenant_id, WecomRobot.enabled.is_(True), WecomRobot.deleted_at.is_(None)
    )
    if robot_id is not None:
        stmt = stmt.where(WecomRobot.id == robot_id)
    return list(await session.scalars(stmt.order_by(WecomRobot.created_at, WecomRobot.id)))


async def insert_delivery(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Insert unless the tenant already has a delivery with this dedupe key; the new id or None."""
    row = {"id": new_id(), "status": "pending", "attempts": 0, "created_at": utcnow(), **values}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Delivery).values(**row)
    if row.get("dedupe_key") is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
    return (await session.execute(stmt.returning(Delivery.id))).scalar_one_or_none()


async def active_admin_ids(session: AsyncSession, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = sa.select(User.id).where(User.tenant_id == tenant_id, User.role == "admin", User.is_active.is_(True))
    return list(await session.scalars(stmt.order_by(User.created_at, User.id)))


def due_deliveries(now: datetime, limit: int, *, lock: bool) -> sa.Select[Any]:
    """Deliveries whose (next) attempt is due, oldest first. With `lock` (PostgreSQL) rows another
    sender is claiming are skipped rather than waited for."""
    stmt = (
        sa.select(Delivery)
        .where(
            Delivery.status.in_(RETRYABLE),
            sa.or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.created_at, Delivery.id)
        .limit(limit)
    )
    return stmt.with_for_update(skip_locked=True) if lock else stmt


async def targets(
    session: AsyncSession, model: Any, keys: set[tuple[uuid.UUID, uuid.UUID]], *, lock: bool
) -> dict[uuid.UUID, Any]:
    """Subscriptions or robots by id. Locking robots serialises concurrent claims per robot, so
    two senders cannot both see 19 recent messages and each send a 20th."""
    if not keys:
        return {}
    tenants, ids = {t for t, _ in keys}, {i for _, i in keys}
    stmt = sa.select(model).where(model.tenant_id.in_(tenants), model.id.in_(ids)).order_by(model.id)
    if lock:
        stmt = stmt.with_for_update()
    return {row.id: row for row in await session.scalars(stmt)}


async def recent_attempt_times(
    session: AsyncSession, tenant_id: uuid.UUID, target_id: uuid.UUID, since: datetime, limit: int
) -> list[datetime]:
    """When the latest `limit` tries to a target since `since` happened, newest first. In-flight
    tries count: their attempt row is written at claim time."""
    stmt = (
        sa.select(DeliveryAttempt.at)
        .join(
            Delivery,
            sa.and_(Delivery.tenant_id == DeliveryAttempt.tenant_id, Delivery.id == DeliveryAttempt.delivery_id),
        )
        .where(
            Delivery.tenant_id == tenant_id,
            Delivery.target_id == target_id,
            # last_attempt_at is stamped at claim time, so this prefilter (an index) loses nothing.
            Delivery.last_attempt_at > since,
            DeliveryAttempt.at > since,
        )
        .order_by(DeliveryAttempt.at.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def succeeded_since(session: AsyncSession, tenant_id: uuid.UUID, target_id: uuid.UUID, since: datetime) -> bool:
    stmt = sa.select(Delivery.id).where(
        Delivery.tenant_id == tenant_id, Delivery.target_id == target_id,
        Delivery.status == "succeeded", Delivery.delivered_at >= since,
    )
    return await session.scalar(stmt.limit(1)) is not None
