"""Customers (客户档案) and their contacts."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk

LIFECYCLES = ("lead", "prospect", "customer", "lost")
DECISION_ROLES = ("technical", "procurement", "finance", "executive", "user", "other")


class Customer(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "customers"
    __table_args__ = (
        tenant_fk("owner_id", "users"),
        tenant_fk("team_id", "teams"),
        sa.Index("ix_customers_tenant_owner", "tenant_id", "owner_id"),
        sa.Index("ix_customers_tenant_created", "tenant_id", "created_at", "id"),
        sa.Index("ix_customers_tenant_updated", "tenant_id", "updated_at"),
    )

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    region: Mapped[str | None] = mapped_column(sa.String(100))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    team_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    lifecycle: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="lead")
    # The lifecycle the customer was created with: lead response (§10) counts customers created as leads.
    created_lifecycle: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="lead",
                                                   server_default="lead")
    source: Mapped[str | None] = mapped_column(sa.String(100))
    annual_purchase: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    requirements: Mapped[dict[str, bool]] = mapped_column(JSONType, nullable=False, default=dict)
    grade: Mapped[str | None] = mapped_column(sa.String(1))
    health_score: Mapped[float | None] = mapped_column(sa.Float)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    health_model_version: Mapped[int | None] = mapped_column(sa.Integer)
    external_refs: Mapped[list[dict[str, str]]] = mapped_column(JSONType, nullable=False, default=list)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class Contact(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        sa.Index("ix_contacts_tenant_customer", "tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    title: Mapped[str | None] = mapped_column(sa.String(100))
    decision_role: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="other")
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    wechat: Mapped[str | None] = mapped_column(sa.String(64))
    email: Mapped[str | None] = mapped_column(sa.String(254))
