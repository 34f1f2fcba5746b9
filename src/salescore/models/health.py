"""Customer health (客户健康度): versioned models, grade changes, and the attribute history
that lets every indicator be reconstructed as of a past date."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, TenantScoped, tenant_fk


class HealthModel(TenantScoped, Base):
    """One version of a tenant's weights and thresholds; the highest version is current."""

    __tablename__ = "health_models"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "version", name="uq_health_models_tenant_version"),)

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    thresholds: Mapped[dict[str, float]] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class GradeChange(TenantScoped, Base):
    __tablename__ = "grade_changes"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        sa.Index("ix_grade_changes_tenant_customer_at", "tenant_id", "customer_id", "at"),
        sa.Index("ix_grade_changes_tenant_at", "tenant_id", "at"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    old_grade: Mapped[str | None] = mapped_column(sa.String(1))
    new_grade: Mapped[str] = mapped_column(sa.String(1), nullable=False)
    score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    indicators: Mapped[dict[str, float]] = mapped_column(JSONType, nullable=False, default=dict)
    model_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class AttributeHistory(TenantScoped, Base):
    """A value an attribute took from `effective_at` on (requirement flags, contact roles).

    `effective_at` is the business time (an action's occurred_at, an imported created_at);
    `recorded_at` is server time. Point-in-time figures read the latest row at or before as_of.
    """

    __tablename__ = "attribute_history"
    __table_args__ = (
        sa.Index(
            "ix_attribute_history_lookup", "tenant_id", "entity", "attribute", "entity_id", "effective_at"
        ),
    )

    entity: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    # The customer the attribute belongs to (the contact's customer for contact attributes).
    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    attribute: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    value: Mapped[str | None] = mapped_column(sa.String(200))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
