"""Stored analytics: the process health index (过程健康度, §10), one row per rep, day and slice."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, UTCDateTime, utcnow
from salescore.models.base import Base, tenant_fk

# The slice of all records. A primary-key column cannot be NULL (and NULLs never collide in a
# unique constraint), so "every record, whatever its deal" is the empty product line.
ALL_PRODUCT_LINES = ""


class ProcessHealthDay(Base):
    """A rep's process health on `day`, over the window of days ending with it: the raw counts, the
    tenant's 90th percentiles over the reps of the same slice, the capped components and the index.

    Recomputing a day replaces its rows, so the key is the natural one (no surrogate id).
    """

    __tablename__ = "process_health_days"
    __table_args__ = (
        tenant_fk("user_id", "users"),
        sa.Index("ix_process_health_days_tenant_user_day", "tenant_id", "user_id", "day"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True)
    product_line: Mapped[str] = mapped_column(sa.String(100), primary_key=True, default=ALL_PRODUCT_LINES)
    window_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    follow_ups: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    objections: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    proposals: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    p90_follow_ups: Mapped[float] = mapped_column(sa.Float, nullable=False)
    p90_objections: Mapped[float] = mapped_column(sa.Float, nullable=False)
    p90_proposals: Mapped[float] = mapped_column(sa.Float, nullable=False)
    c_follow_ups: Mapped[float] = mapped_column(sa.Float, nullable=False)
    c_objections: Mapped[float] = mapped_column(sa.Float, nullable=False)
    c_proposals: Mapped[float] = mapped_column(sa.Float, nullable=False)
    health_index: Mapped[float] = mapped_column(sa.Float, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
