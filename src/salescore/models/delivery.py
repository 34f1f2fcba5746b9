"""Outbound channels: webhook subscriptions, WeChat Work group robots, and deliveries to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned

DELIVERY_CHANNELS = ("webhook", "wecom")
DELIVERY_STATUSES = ("pending", "succeeded", "failed", "dead")


class WebhookSubscription(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (sa.Index("ix_webhook_subscriptions_tenant_created", "tenant_id", "created_at", "id"),)

    url: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    # Glob patterns over event types ("customer.*"); empty means none.
    event_types: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    secret: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    consecutive_failures: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)


class WecomRobot(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    """A WeChat Work (企业微信) group robot: its webhook URL carries the key, so it is a secret."""

    __tablename__ = "wecom_robots"
    __table_args__ = (sa.Index("ix_wecom_robots_tenant_created", "tenant_id", "created_at", "id"),)

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    url: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)


class Delivery(TenantScoped, Base):
    """One message to one target, retried with backoff until it succeeds or is given up."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_deliveries_tenant_dedupe"),
        sa.Index("ix_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_deliveries_tenant_target_created", "tenant_id", "target_id", "created_at", "id"),
        sa.Index("ix_deliveries_target_sent", "target_id", "last_attempt_at"),
    )

    channel: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    target_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    event_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    event_type: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replay_of: Mapped[uuid.UUID | None] = mapped_column(GUID)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DeliveryAttempt(TenantScoped, Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (
        sa.Index("ix_delivery_attempts_tenant_delivery", "tenant_id", "delivery_id", "at"),
    )

    delivery_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.Text)
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
