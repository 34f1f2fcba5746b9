"""Opportunities (商机)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk

STATUSES = ("open", "won", "lost_pending_review", "lost")
FORECAST_CLAIMS = ("pipeline", "best_case", "commit")
FORECAST_CATEGORIES = ("unqualified", "pipeline", "best_case", "commit")


class Opportunity(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        tenant_fk("owner_id", "users"),
        sa.Index("ix_opportunities_tenant_owner", "tenant_id", "owner_id"),
        sa.Index("ix_opportunities_tenant_customer", "tenant_id", "customer_id"),
        sa.Index("ix_opportunities_tenant_status_close", "tenant_id", "status", "expected_close_date"),
        sa.Index("ix_opportunities_tenant_created", "tenant_id", "created_at", "id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    pipeline_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    stage: Mapped[str | None] = mapped_column(sa.String(64))
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="CNY")
    expected_close_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(24), nullable=False, default="open")
    product_line: Mapped[str | None] = mapped_column(sa.String(100))
    competitors: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    rep_forecast_category: Mapped[str | None] = mapped_column(sa.String(16))
    maturity: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    forecast_category: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="unqualified")
    # Which evidence nodes the deal's unrevoked evidence covers, one bit per node of the tenant's
    # evidence model (evidence/config.py); kept with maturity so completeness needs no evidence scan.
    evidence_mask: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    quote_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quote_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contract_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    won_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(sa.String(64))
    external_refs: Mapped[list[dict[str, str]]] = mapped_column(JSONType, nullable=False, default=list)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
