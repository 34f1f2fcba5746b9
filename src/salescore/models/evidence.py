"""Evidence nodes (关键证据), deal evidence, the win-rate calibration cache and forecast snapshots."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, TenantScoped, tenant_fk


class EvidenceModel(TenantScoped, Base):
    """One version of a tenant's evidence nodes, forecast-category thresholds and prior strength;
    the highest version is current (the built-in default until the first edit)."""

    __tablename__ = "evidence_models"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "version", name="uq_evidence_models_tenant_version"),)

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    thresholds: Mapped[dict[str, float]] = mapped_column(JSONType, nullable=False)
    prior_strength: Mapped[float] = mapped_column(sa.Float, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Evidence(TenantScoped, Base):
    """A piece of evidence that a deal reached a node: files and/or pasted text, dated by when the
    evidenced fact happened (`occurred_at`). Revoked, never deleted."""

    __tablename__ = "evidence"
    __table_args__ = (
        tenant_fk("opportunity_id", "opportunities", ondelete="CASCADE"),
        sa.Index("ix_evidence_tenant_opportunity_occurred", "tenant_id", "opportunity_id", "occurred_at"),
    )

    opportunity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    node: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    attachment_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    text: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.String(2000))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(500))


class WinCalibration(Base):
    """The tenant's current win-rate observations (closed deals by maturity and checkpoint), cached.

    Writers that change what the observations read (a deal closing or reopening, evidence of a
    closed deal) bump `generation`; the cells were computed at `computed_generation`. A refresh
    stores what it computed only if the generation it started from is still current, so stale cells
    are always recomputed again (see forecast/calibration.py).
    """

    __tablename__ = "win_calibrations"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    model_version: Mapped[int | None] = mapped_column(sa.Integer)
    cells: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    computed_generation: Mapped[int | None] = mapped_column(sa.Integer)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ForecastSnapshot(TenantScoped, Base):
    """A forecast as it was computed at `as_of` (monthly by the worker, or on demand)."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (sa.Index("ix_forecast_snapshots_tenant_period_as_of", "tenant_id", "period", "as_of"),)

    period: Mapped[str] = mapped_column(sa.String(7), nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    seed: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
