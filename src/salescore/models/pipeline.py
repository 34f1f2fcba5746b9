"""Pipelines (动作流, §5): ordered stages with their rules, and every stage move."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk


class Pipeline(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "pipelines"
    __table_args__ = (tenant_fk("cloned_from_id", "pipelines"),)

    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    region: Mapped[str | None] = mapped_column(sa.String(100))
    # [{code, label, label_en, required_fields, required_actions, expected_evidence, forecast_category, sla_hours}]
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    cloned_from_id: Mapped[uuid.UUID | None] = mapped_column(GUID)


class StageChange(TenantScoped, Base):
    """One move of a deal between stages (from, to, at, by); append-only."""

    __tablename__ = "stage_changes"
    __table_args__ = (
        tenant_fk("opportunity_id", "opportunities", ondelete="CASCADE"),
        sa.Index("ix_stage_changes_tenant_opportunity", "tenant_id", "opportunity_id", "at"),
        sa.Index("ix_stage_changes_tenant_at", "tenant_id", "at"),
    )

    opportunity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    pipeline_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    from_stage: Mapped[str | None] = mapped_column(sa.String(64))
    to_stage: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    by_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    # How the move came about: api (the stage endpoint or PATCH), action (contract_push), win, reopen.
    via: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="api")
    follow_up_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    # True when every required field and action of the stages passed was present.
    compliant: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # Why a manager let a move through with requirements missing (特批); null otherwise.
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
