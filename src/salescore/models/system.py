"""Audit log, the event outbox, handler completion records and idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, new_id, utcnow
from salescore.models.base import Base, TenantScoped

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditLog(TenantScoped, Base):
    """流程审计日志: append-only; one row per mutation with before/after images."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_tenant_entity", "tenant_id", "entity", "entity_id", "at"),
        sa.Index("ix_audit_log_tenant_at", "tenant_id", "at", "id"),
    )

    actor_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    actor_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="user")
    action: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    entity: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Event(Base):
    """The transactional outbox and change feed: written in the same transaction as the change."""

    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_tenant_seq", "tenant_id", "seq"),
        sa.Index("ix_events_unprocessed", "processed_at", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, unique=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    entity: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    # Set after a failed attempt: the sweeper retries no earlier than this (backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class EventHandlerRun(Base):
    """Completion of one handler for one event, committed with the handler's effects."""

    __tablename__ = "event_handler_runs"

    event_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    handler: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.Index("ix_idempotency_keys_created", "created_at"),)

    # Hash of the caller's credential + method + path: keys are private to a caller and route.
    scope: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="in_flight")
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSONType)
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
