"""Todos (待办) and notifications (提醒卡片): what people are asked to do and told."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk

TODO_STATUSES = ("open", "done", "cancelled")


class Todo(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "todos"
    __table_args__ = (
        tenant_fk("assignee_id", "users"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("opportunity_id", "opportunities"),
        # An effect created by an event handler carries a key, so a replay cannot double it.
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_todos_tenant_dedupe"),
        sa.Index("ix_todos_tenant_assignee_status", "tenant_id", "assignee_id", "status"),
        sa.Index("ix_todos_tenant_created", "tenant_id", "created_at", "id"),
    )

    assignee_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="open")
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="manual")
    source_ref: Mapped[str | None] = mapped_column(sa.String(100))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    requires_attachment: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    # Files attached to the todo (ids of attachments); completing a requires_attachment todo needs one.
    attachment_ids: Mapped[list[str]] = mapped_column(
        JSONType, nullable=False, default=list, server_default=sa.text("'[]'")
    )
    # Who hears about it when it is still open at its due time (a relative assignee, e.g. "owners_manager").
    escalate_to: Mapped[str | None] = mapped_column(sa.String(64))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(TenantScoped, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_notifications_tenant_dedupe"),
        sa.Index("ix_notifications_tenant_user_read", "tenant_id", "user_id", "read_at"),
        sa.Index("ix_notifications_tenant_created", "tenant_id", "created_at", "id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
