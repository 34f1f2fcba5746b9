"""Follow-ups (跟进记录): what happened with a customer, when, with whom."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk

CHANNELS = ("call", "meeting", "email", "wechat", "visit", "demo", "other")
CREATED_VIA = ("app", "daily_report", "import", "api")


class FollowUp(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        tenant_fk("opportunity_id", "opportunities"),
        tenant_fk("user_id", "users"),
        sa.Index("ix_follow_ups_tenant_customer_occurred", "tenant_id", "customer_id", "occurred_at"),
        sa.Index("ix_follow_ups_tenant_user_occurred", "tenant_id", "user_id", "occurred_at"),
        sa.Index("ix_follow_ups_tenant_created", "tenant_id", "created_at", "id"),
        # windows over the whole tenant (KPIs, heatmap, the board's green check): a range scan
        sa.Index("ix_follow_ups_tenant_occurred", "tenant_id", "occurred_at"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    contact_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_via: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="app")
    # Server time of entry; recorded_at - occurred_at is the entry latency.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
