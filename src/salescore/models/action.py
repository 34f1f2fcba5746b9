"""Action templates (动作模板, §4) and the actions recorded with them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, TenantScoped, Timestamped, Versioned, tenant_fk


class ActionTemplate(TenantScoped, Timestamped, Versioned, Base):
    """The current definition of one action code; every edit also writes an ActionTemplateVersion."""

    __tablename__ = "action_templates"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "code", name="uq_action_templates_tenant_code"),)

    code: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # The definition's own revision, recorded on every action that used it (not the ETag version).
    revision: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    label: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    label_en: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="other")
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    sync: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    effects: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class ActionTemplateVersion(TenantScoped, Base):
    """An immutable copy of a template as it stood at one revision."""

    __tablename__ = "action_template_versions"
    __table_args__ = (
        tenant_fk("template_id", "action_templates", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "template_id", "revision", name="uq_action_template_versions_rev"),
    )

    template_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    revision: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ActionRecord(TenantScoped, Base):
    """One action performed in a follow-up, kept as a row so analytics can GROUP BY it in SQL.

    `local_date` is the action's day in the tenant's timezone, fixed at write time, so per-day
    figures need no dialect-specific timezone arithmetic.
    """

    __tablename__ = "action_records"
    __table_args__ = (
        tenant_fk("follow_up_id", "follow_ups", ondelete="CASCADE"),
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        tenant_fk("opportunity_id", "opportunities"),
        tenant_fk("user_id", "users"),
        sa.Index("ix_action_records_tenant_code_occurred", "tenant_id", "code", "occurred_at"),
        sa.Index("ix_action_records_tenant_user_date", "tenant_id", "user_id", "local_date"),
        sa.Index("ix_action_records_tenant_opportunity", "tenant_id", "opportunity_id", "code"),
        sa.Index("ix_action_records_tenant_customer", "tenant_id", "customer_id", "occurred_at"),
        sa.Index("ix_action_records_tenant_follow_up", "tenant_id", "follow_up_id"),
    )

    follow_up_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    code: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    template_revision: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    local_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_via: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="app")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
